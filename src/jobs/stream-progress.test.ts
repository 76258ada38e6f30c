import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import { JobProgress } from './progress.js';
import { StreamProgress } from './stream-progress.js';
import { SyncSlices } from './sync-slices.js';

function setup(live = false) {
  const lines: string[] = [];
  const ended: string[] = [];
  let now = 0;
  const logger: Logger = { debug: () => undefined, info: (m: string) => void lines.push(m), warn: () => undefined, error: () => undefined };
  if (live) logger.progress = { show: () => undefined, end: (s) => void ended.push(s) };
  const sync = new SyncSlices();
  const stream = new StreamProgress('events', logger, sync, 10_000, () => now);
  /** Reads one slice of `records` rows, taking `ms`. */
  const readSlice = (index: number, records: number, ms: number): void => {
    const job = new JobProgress(stream, { key: `k${index}`, index }, `j${index}`, now);
    job.downloadStarted();
    now += ms;
    job.addRecords(records);
    job.transfer();
    stream.sliceDone();
  };
  return { lines, ended, stream, sync, readSlice, advance: (ms: number) => (now += ms) };
}

describe('StreamProgress', () => {
  it('says every interval how many of the planned slices are done, and how long the stream has run', () => {
    const { lines, stream, readSlice } = setup();
    stream.planned(4);
    readSlice(1, 100, 4_000);
    readSlice(2, 100, 4_000);
    readSlice(3, 100, 4_000);
    readSlice(4, 100, 4_000);
    stream.finish(true);
    // At 12 s the third slice's rows are read, the slice not yet done.
    expect(lines).toEqual(['events: 2 of 4 slices done, 300 records, elapsed 12 s', 'events: finished, 4 of 4 slices done, 400 records, elapsed 16 s']);
  });

  it('a stream that stops says how far it got; its live line goes away', () => {
    const { lines, ended, stream, readSlice } = setup(true);
    stream.planned(3);
    readSlice(1, 10, 30_000);
    stream.finish(false);
    // Live: no periodic line, only the last one.
    expect(lines).toEqual(['events: stopped, 1 of 3 slices done, 10 records, elapsed 30 s']);
    expect(ended).toEqual(['events']);
  });

  it('estimates the rows of the sync from the rows per slice so far; exact at the end', () => {
    const { stream, readSlice } = setup();
    expect(stream.rowEstimate()).toBeUndefined();
    stream.planned(4);
    expect(stream.rowEstimate()).toBeUndefined();
    readSlice(1, 90, 10);
    expect(stream.rowEstimate()).toBe(360);
    readSlice(2, 110, 10);
    expect(stream.rowEstimate()).toBe(400);
    readSlice(3, 0, 10);
    readSlice(4, 5, 10);
    expect(stream.rowEstimate()).toBe(205);
  });

  it('gives the sync\'s count in its standing once every stream planned', () => {
    const { stream, sync } = setup();
    sync.join('other');
    stream.planned(2);
    expect(stream.standing().sync).toBeUndefined();
    sync.plan('other', 3);
    expect(stream.standing()).toMatchObject({ stream: 'events', slicesDone: 0, slicesTotal: 2, sync: { done: 0, total: 5 } });
  });
});
