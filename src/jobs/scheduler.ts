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
 * - The jobs a failed stream left running: they keep their slots until the vendor says they ended.
 */
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { FairSlots, type Release } from './job-slots.js';
import { JobObserver, SETTLED, type StatusSource } from './job-observer.js';
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
  /** Stream reads under way; when none is left, nothing needs the slots watched jobs hold. */
  private reading = 0;
  private allReadsEnded = new AbortController();

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

  /** A stream's read begins; call the returned function when it ends (whatever the outcome). */
  enter(): () => void {
    if (this.reading === 0 && this.allReadsEnded.signal.aborted) this.allReadsEnded = new AbortController();
    this.reading++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.reading === 0) this.allReadsEnded.abort();
    };
  }

  /**
   * A failed stream's job still runs on the vendor (it stays in that stream's state for the next
   * sync), so it keeps its slot until the vendor reports it settled or `untilMs` passes (its job
   * timeout): `max_concurrent_jobs` holds across streams even after a failure. It stays among the
   * jobs in flight, so another stream's batched poll round observes it for free. The watch ends
   * when the last stream read of the scheduler ends (no one needs the slot any more) or the sync
   * stops; its pauses never keep the process alive.
   */
  watchUntilSettled(adapter: StatusSource, jobId: string, release: Release, watch: { pollMs: number; untilMs: number; signal: AbortSignal; logger: Logger }): void {
    const observer = this.observer(adapter);
    const signal = AbortSignal.any([watch.signal, this.allReadsEnded.signal]);
    void (async () => {
      try {
        while (!signal.aborted && Date.now() < watch.untilMs) {
          const status = await observer.statusOf(jobId, signal, watch.pollMs);
          if (SETTLED.has(status.state)) return;
          await unrefSleep(Math.max(watch.pollMs, observer.waitBeforeNextRoundMs()), signal);
        }
      } catch (err) {
        // Unknown from here on: the slot is let go rather than held on a guess.
        if (!signal.aborted) watch.logger.debug(`job ${jobId}: no longer watched for its slot (${messageOf(err)})`);
      } finally {
        release();
        this.untrack(adapter, jobId);
      }
    })();
  }

  /** Jobs in flight across every stream and adapter. */
  inflightCount(): number {
    let n = 0;
    for (const ids of this.inflight.values()) n += ids.size;
    return n;
  }
}

/** A pause that does not keep the process alive and ends early (quietly) when the signal aborts. */
function unrefSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
