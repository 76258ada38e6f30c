import { describe, expect, it } from 'vitest';
import { JobObserver } from './job-observer.js';
import { estimateRemainingMs, nextPollDelayMs } from './poll-cadence.js';
import { PollBackoff } from './poll-backoff.js';
import type { JobAdapter, JobStatus } from './types.js';

function adapter(statuses: Record<string, JobStatus>, batch: boolean): JobAdapter<unknown> & { single: string[]; batches: string[][] } {
  const single: string[] = [];
  const batches: string[][] = [];
  return {
    single,
    batches,
    launch: () => Promise.reject(new Error('not used')),
    download: () => Promise.reject(new Error('not used')),
    status: (id) => {
      single.push(id);
      return Promise.resolve(statuses[id]!);
    },
    ...(batch
      ? {
          statuses: (ids: string[]) => {
            batches.push(ids);
            return Promise.resolve(new Map(ids.filter((id) => id !== 'unlisted').map((id) => [id, statuses[id]!])));
          },
        }
      : {}),
  };
}

const signal = new AbortController().signal;
const running: JobStatus = { state: 'running', vendorStatus: 'In Progress', percentComplete: 50 };
const done: JobStatus = { state: 'completed', vendorStatus: 'Completed' };

describe('JobObserver', () => {
  it('observes every in-flight job in one batch round, and needs no request for a job seen completed', async () => {
    const a = adapter({ a: running, b: done, c: running }, true);
    const observer = new JobObserver(a, () => ['a', 'b', 'c']);
    expect(await observer.statusOf('a', signal)).toEqual(running);
    expect(a.batches).toEqual([['a', 'b', 'c']]);
    expect(await observer.statusOf('b', signal)).toEqual(done);
    expect(a.batches).toHaveLength(1);
    // A running job is observed again; settled ones are not asked for.
    await observer.statusOf('c', signal);
    expect(a.batches[1]).toEqual(['c', 'a']);
    expect(a.single).toEqual([]);
  });

  it('streams asking at the same moment share the round under way (one request, not one per stream)', async () => {
    const a = adapter({ a: running, b: running, c: running }, true);
    const observer = new JobObserver(a, () => ['a', 'b', 'c']);
    const seen = await Promise.all(['a', 'b', 'c'].map((id) => observer.statusOf(id, signal)));
    expect(seen).toEqual([running, running, running]);
    expect(a.batches).toEqual([['a', 'b', 'c']]);
    expect(a.single).toEqual([]);
  });

  it('polls a job alone when the batch did not show it, or when the adapter has no batch', async () => {
    const batched = adapter({ unlisted: running, x: running }, true);
    await new JobObserver(batched, () => ['unlisted', 'x']).statusOf('unlisted', signal);
    expect(batched.single).toEqual(['unlisted']);
    const plain = adapter({ a: running }, false);
    await new JobObserver(plain, () => ['a']).statusOf('a', signal);
    expect(plain.single).toEqual(['a']);
  });

  it('spaces rounds by the pace the budget asks for', async () => {
    let now = 1_000;
    const observer = new JobObserver(adapter({ a: running }, false), () => ['a'], () => 5_000, () => now);
    expect(observer.waitBeforeNextRoundMs()).toBe(0);
    await observer.statusOf('a', signal);
    now += 1_000;
    expect(observer.waitBeforeNextRoundMs()).toBe(4_000);
    observer.forget('a');
  });
});

describe('poll cadence', () => {
  const bounds = { pollIntervalMs: 1_000, maxPollIntervalMs: 60_000 };
  it('estimates the time left from the share done so far', () => {
    expect(estimateRemainingMs(25, 60_000)).toBe(180_000);
    expect(estimateRemainingMs(0, 60_000)).toBeUndefined();
    expect(estimateRemainingMs(undefined, 60_000)).toBeUndefined();
    expect(estimateRemainingMs(100, 60_000)).toBeUndefined();
  });

  it('times the next look for the estimated finish, within the configured bounds, never before the pace allows', () => {
    const backoff = (): PollBackoff => new PollBackoff(1_000, 60_000, () => 0.5);
    // Three quarters done after 30 s: about 10 s left.
    expect(nextPollDelayMs(backoff(), bounds, { state: 'running', vendorStatus: 'x', percentComplete: 75 }, 30_000, 0)).toBe(10_000);
    // 5 % after 10 min: the estimate (3 h) is capped at the maximum interval.
    expect(nextPollDelayMs(backoff(), bounds, { state: 'running', vendorStatus: 'x', percentComplete: 5 }, 600_000, 0)).toBe(60_000);
    // No percentage: the backoff.
    expect(nextPollDelayMs(backoff(), bounds, { state: 'pending', vendorStatus: 'x' }, 5_000, 0)).toBe(1_000);
    // The budget's pace wins over everything.
    expect(nextPollDelayMs(backoff(), bounds, { state: 'running', vendorStatus: 'x', percentComplete: 75 }, 30_000, 90_000)).toBe(90_000);
  });
});
