import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import type { StreamStanding } from '../core/progress.js';
import { JobProgress } from './progress.js';
import { StreamProgress } from './stream-progress.js';
import { SyncSlices } from './sync-slices.js';

const HOUR = 3_600_000;

function setup(options: { planned?: number; live?: boolean; sync?: SyncSlices } = {}) {
  const lines: string[] = [];
  const shown: StreamStanding[] = [];
  let now = 0;
  const logger: Logger = { debug: () => undefined, info: (m: string) => void lines.push(m), warn: () => undefined, error: () => undefined };
  if (options.live === true) logger.progress = { show: (s) => void shown.push(structuredClone(s)), end: () => undefined };
  const stream = new StreamProgress('events', logger, options.sync ?? new SyncSlices(), 10_000, () => now);
  if (options.planned !== undefined) stream.planned(options.planned);
  const job = (index = 2, syncIndex?: number): JobProgress => new JobProgress(stream, { key: 'alpha|w2', index, syncIndex }, '7', 0);
  return { lines, shown, stream, job, advance: (ms: number) => (now += ms), jobLines: () => lines.filter((l) => l.startsWith('events job ')) };
}

describe('JobProgress', () => {
  it('says the status with elapsed time since launch, percent, ETA and which slice of how many', () => {
    const { jobLines, job, advance } = setup({ planned: 4 });
    const progress = job();
    advance(30_000);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 10 });
    advance(5 * 60_000);
    progress.status({ state: 'pending', vendorStatus: 'Queued' });
    expect(jobLines()).toEqual([
      'events job 7, slice 2 of 4 (alpha|w2): Running 10%, ETA 4 min 30 s, elapsed 30 s',
      'events job 7, slice 2 of 4 (alpha|w2): Queued, elapsed 5 min 30 s',
    ]);
  });

  it('logs a status on change, and an unchanged status at most every interval; a vendor message is kept', () => {
    const { jobLines, job, advance } = setup({ planned: 4 });
    const progress = job();
    advance(1_000);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 10 });
    advance(1_000);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 20 });
    advance(9_500);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 55.4 });
    progress.status({ state: 'failed', vendorStatus: 'Failed', message: 'disk full' });
    expect(jobLines()).toEqual([
      'events job 7, slice 2 of 4 (alpha|w2): Running 10%, ETA 9 s, elapsed 1 s',
      'events job 7, slice 2 of 4 (alpha|w2): Running 55%, ETA 9.3 s, elapsed 12 s',
      'events job 7, slice 2 of 4 (alpha|w2): Failed (disk full), elapsed 12 s',
    ]);
  });

  it('says "slice k" when the stream did not plan its slices up front, and the sync\'s count when several streams share it', () => {
    const alone = setup();
    alone.advance(2_000);
    alone.job(3).status({ state: 'pending', vendorStatus: 'Queued' });
    expect(alone.lines).toEqual(['events job 7, slice 3 (alpha|w2): Queued, elapsed 2 s']);

    const sync = new SyncSlices();
    const shared = setup({ sync });
    sync.join('other');
    shared.stream.planned(4);
    const progress = shared.job(2, shared.stream.beginSlice());
    shared.advance(2_000);
    progress.status({ state: 'pending', vendorStatus: 'Queued' });
    sync.plan('other', 6);
    shared.advance(20_000);
    progress.status({ state: 'pending', vendorStatus: 'Queued' });
    expect(shared.lines).toEqual([
      // The other stream is still planning: the sync's total is not known yet.
      'events job 7, slice 2 of 4 (alpha|w2): Queued, elapsed 2 s',
      'events job 7, slice 2 of 4 (alpha|w2), slice 1 of 10 of the sync: Queued, elapsed 22 s',
      'events: 0 of 4 slices done (0 of 10 of the sync), 0 records, elapsed 22 s',
    ]);
  });

  it('measures records/s and bytes/s over the download, not since the launch', () => {
    const { jobLines, job, advance } = setup({ planned: 4 });
    const progress = job();
    advance(HOUR);
    progress.downloadStarted();
    progress.addBytes(1_000_000);
    progress.addRecords(7_000);
    advance(500);
    progress.transfer();
    progress.addBytes(1_000_000);
    progress.addRecords(7_000);
    advance(500);
    progress.done();
    expect(jobLines()).toEqual(['events job 7, slice 2 of 4 (alpha|w2): done, 14,000 records, 2 MB in 1 s (14,000 records/s, 2 MB/s); elapsed 1 h since launch']);
  });

  it('reports the download at most every interval, and once at the end', () => {
    const { lines, job, advance, stream } = setup({ planned: 4 });
    const progress = job();
    advance(60_000);
    progress.downloadStarted();
    progress.addBytes(5_000);
    progress.addRecords(100);
    advance(5_000);
    progress.transfer();
    expect(lines).toHaveLength(1);
    advance(5_000);
    progress.addRecords(1_900);
    progress.transfer();
    advance(10_000);
    progress.done();
    expect(lines).toEqual([
      'events: 0 of 4 slices done, 0 records, elapsed 1 min',
      'events job 7, slice 2 of 4 (alpha|w2): downloading, 2,000 records, 5 kB in 10 s (200 records/s, 500 B/s), elapsed 1 min 10 s',
      'events: 0 of 4 slices done, 2,000 records, elapsed 1 min 10 s',
      'events job 7, slice 2 of 4 (alpha|w2): done, 2,000 records, 5 kB in 20 s (100 records/s, 250 B/s); elapsed 1 min 20 s since launch',
    ]);
    expect(stream.records).toBe(2_000);
  });

  it('a job without a result says so', () => {
    const { lines, job, advance } = setup({ planned: 4 });
    advance(3_000);
    job().done();
    expect(lines).toEqual(['events job 7, slice 2 of 4 (alpha|w2): done, no result to download; elapsed 3 s since launch']);
  });

  it('with a live display: feeds it every change and logs only the done line', () => {
    const { lines, shown, job, advance } = setup({ planned: 4, live: true });
    const progress = job();
    advance(20_000);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 50 });
    progress.downloadStarted();
    progress.addBytes(10);
    progress.addRecords(3);
    advance(30_000);
    progress.transfer();
    progress.done();
    expect(lines).toEqual(['events job 7, slice 2 of 4 (alpha|w2): done, 3 records, 10 B in 30 s (0.1 records/s, 0 B/s); elapsed 50 s since launch']);
    expect(shown.at(0)).toMatchObject({ stream: 'events', slicesTotal: 4, slicesDone: 0 });
    expect(shown.at(1)).toMatchObject({ slice: { index: 2, total: 4 }, job: { id: '7', status: 'Running', percent: 50, etaAt: 40_000, launchedAt: 0 } });
    expect(shown.at(-1)).toMatchObject({ records: 3, download: { startedAt: 20_000, records: 3, bytes: 10 } });
  });
});
