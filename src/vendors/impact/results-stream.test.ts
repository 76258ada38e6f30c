import { describe, expect, it } from 'vitest';
import { toJob } from './job-record.js';
import { decide } from './results-stream.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const job = (status: string, completed?: string, replayable = true) =>
  toJob({ Id: 'j', CreatedDate: '2026-01-01T00:00:00Z', Status: status, CompletedDate: completed, Replayable: replayable });

describe('decide', () => {
  it('reads completed results within retention and follows unfinished jobs', () => {
    expect(decide(job('COMPLETED', '2026-05-01T00:00:00Z'), { replay: false }, NOW)).toEqual({ action: 'adopt' });
    expect(decide(job('QUEUED'), { replay: false }, NOW)).toEqual({ action: 'adopt' });
    expect(decide(job('RUNNING'), { replay: true }, NOW)).toEqual({ action: 'adopt' });
  });

  it('skips results past 90 days, or replays them when allowed', () => {
    const old = job('COMPLETED', '2026-02-01T00:00:00Z');
    expect(decide(old, { replay: false }, NOW)).toMatchObject({ action: 'skip', why: expect.stringMatching(/older than the 90 days/) });
    expect(decide(old, { replay: true }, NOW)).toMatchObject({ action: 'replay' });
    expect(decide(job('COMPLETED', '2026-02-01T00:00:00Z', false), { replay: true }, NOW)).toMatchObject({ action: 'skip' });
  });

  it('replays failed and cancelled jobs only when replay is on and the job is replayable', () => {
    for (const status of ['FAILED', 'ERROR', 'CANCELLED']) {
      expect(decide(job(status), { replay: true }, NOW)).toMatchObject({ action: 'replay' });
      expect(decide(job(status), { replay: false }, NOW)).toMatchObject({ action: 'skip', why: expect.stringMatching(/replay is off/) });
      expect(decide(job(status, undefined, false), { replay: true }, NOW)).toMatchObject({ action: 'skip', why: expect.stringMatching(/not replayable/) });
    }
  });
});
