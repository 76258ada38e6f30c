import { describe, expect, it } from 'vitest';
import { SystemError } from '../../core/errors.js';
import { compareJobs, jobPosition, parseDateTime, toJob } from './job-record.js';

describe('toJob', () => {
  it('types the document shape as is', () => {
    const job = toJob({
      Id: 'j1',
      Type: 'ApiReport',
      CreatedDate: '2026-03-01T10:00:00-05:00',
      CompletedDate: '2026-03-01T10:04:00-05:00',
      Status: 'COMPLETED',
      RecordsProcessed: 12,
      PercentageComplete: 100,
      Replayable: true,
    });
    expect(job.record).toMatchObject({ Id: 'j1', RecordsProcessed: 12, PercentageComplete: 100, Replayable: true, StartedDate: null, ProgramId: null });
    expect(job.createdMs).toBe(Date.parse('2026-03-01T15:00:00Z'));
    expect(job.completedMs).toBe(Date.parse('2026-03-01T15:04:00Z'));
    expect(job.replayable).toBe(true);
  });

  it('reads the all-strings shape impact.com also sends ("12", "true", "" for unset)', () => {
    const job = toJob({ Id: 'j2', CreatedDate: '2026-03-01T10:00:00-05:00', StartedDate: '', RecordsProcessed: '12', PercentageComplete: ' 50 ', Replayable: 'False', Status: 'running' });
    expect(job.record).toMatchObject({ RecordsProcessed: 12, PercentageComplete: 50, Replayable: false, StartedDate: null });
    expect(job.status).toBe('RUNNING');
  });

  it('keeps unknown fields and rejects values that do not fit, unless told to null them', () => {
    expect(toJob({ Id: 'j3', CreatedDate: '2026-03-01T10:00:00Z', Extra: 'x' }).record.Extra).toBe('x');
    expect(() => toJob({ Id: 'j4', CreatedDate: '2026-03-01T10:00:00Z', RecordsProcessed: '12.5' })).toThrow(SystemError);
    expect(() => toJob({ Id: 'j5', CreatedDate: 'yesterday' })).toThrow(/CreatedDate/);
    expect(toJob({ Id: 'j6', CreatedDate: '2026-03-01T10:00:00Z', Replayable: 'maybe' }, 'null').record.Replayable).toBeNull();
    expect(() => toJob({ CreatedDate: '2026-03-01T10:00:00Z' })).toThrow(/Id/);
    expect(() => toJob({ Id: 'j7' })).toThrow(/CreatedDate/);
  });

  it('parses date-times with and without zones (zone-less as UTC)', () => {
    expect(parseDateTime('2026-03-01T10:00:00-05:00')).toBe(Date.parse('2026-03-01T15:00:00Z'));
    expect(parseDateTime('2026-03-01 10:00:00')).toBe(Date.parse('2026-03-01T10:00:00Z'));
    expect(parseDateTime('03/01/2026')).toBeUndefined();
  });
});

describe('job order', () => {
  it('orders by creation instant, then id, and positions sort the same way as strings', () => {
    const a = { id: 'b', createdMs: Date.parse('2026-03-01T10:00:00Z') };
    const b = { id: 'a', createdMs: Date.parse('2026-03-01T10:00:01Z') };
    const c = { id: 'c', createdMs: Date.parse('2026-03-01T10:00:00Z') };
    const sorted = [b, c, a].sort(compareJobs);
    expect(sorted).toEqual([a, c, b]);
    expect(sorted.map(jobPosition)).toEqual(sorted.map(jobPosition).slice().sort());
  });
});
