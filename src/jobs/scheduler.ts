/**
 * One scheduler per vendor account and sync: what the streams of a sync share.
 * - The account's job slots (`max_concurrent_jobs` is per account, across streams): a stream
 *   holds a slot for each job it launched (or adopted) until the job's result is read. Its next
 *   job waits in line for a slot; jobs behind it take one only when one is free and no other
 *   stream is waiting, so streams share the slots fairly and each keeps its slice order.
 * - The jobs in flight per adapter, so one poll round (a page of the vendor's job list) observes
 *   the jobs of every stream, and one observer per adapter that remembers what it saw.
 * - A few result readers: at most that many results are downloaded and parsed at once, whatever
 *   the number of streams, so memory stays bounded.
 * - The count of the sync's slices over every stream, for "slice 5 of 12 of the sync".
 */
import { FairSlots } from './job-slots.js';
import { JobObserver, type StatusSource } from './job-observer.js';
import { SyncSlices } from './sync-slices.js';

export interface SchedulerOptions {
  /** Jobs in flight at once across every stream of the account. */
  maxConcurrentJobs: number;
  /** Results read at once across streams. Default 3. */
  maxConcurrentReads?: number;
  /** Real ms a poll round must wait after the previous one, given the jobs in flight (the request budget's pace). */
  pollPaceMs?: (inflight: number) => number;
}

export class JobScheduler {
  readonly slots: FairSlots;
  readonly readers: FairSlots;
  readonly slices = new SyncSlices();
  private readonly inflight = new Map<StatusSource, Set<string>>();
  private readonly observers = new Map<StatusSource, JobObserver>();

  constructor(private readonly options: SchedulerOptions) {
    this.slots = new FairSlots(options.maxConcurrentJobs);
    this.readers = new FairSlots(options.maxConcurrentReads ?? 3);
  }

  /** The observer of every job run through this adapter in this sync. */
  observer(adapter: StatusSource): JobObserver {
    let observer = this.observers.get(adapter);
    if (observer === undefined) {
      const ids = (): string[] => [...(this.inflight.get(adapter) ?? [])];
      observer = new JobObserver(adapter, ids, () => this.options.pollPaceMs?.(ids().length) ?? 0);
      this.observers.set(adapter, observer);
    }
    return observer;
  }

  /** A job is in flight (launched, adopted or resumed) and is polled with the others. */
  track(adapter: StatusSource, jobId: string): void {
    let ids = this.inflight.get(adapter);
    if (ids === undefined) {
      ids = new Set();
      this.inflight.set(adapter, ids);
    }
    ids.add(jobId);
  }

  /** The job is read, replaced or left behind: no longer polled, and forgotten. */
  untrack(adapter: StatusSource, jobId: string): void {
    this.inflight.get(adapter)?.delete(jobId);
    this.observers.get(adapter)?.forget(jobId);
  }

  /** Jobs in flight across every stream and adapter. */
  inflightCount(): number {
    let n = 0;
    for (const ids of this.inflight.values()) n += ids.size;
    return n;
  }
}
