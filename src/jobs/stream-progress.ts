/**
 * One stream's progress through a sync: its slices done of those planned, its records, its
 * elapsed time, and the job it is waiting on. Every interval (and when it ends) a line says where
 * the stream stands, so a sync that runs for hours shows it is moving even while one job runs for
 * most of that time; with a live display the stream's line is redrawn instead. Its records per
 * slice also estimate the stream's rows for this sync, when its slices are alike in size.
 */
import type { Logger } from '../core/logger.js';
import { streamPhrase, type SlicePosition, type StreamStanding } from '../core/progress.js';
import type { JobProgress } from './progress.js';
import { SyncSlices } from './sync-slices.js';

/** How often a progress line repeats while nothing changes: readable, and still proof of life. */
export const PROGRESS_INTERVAL_MS = 10_000;

export class StreamProgress {
  readonly startedAt: number;
  records = 0;
  slicesDone = 0;
  /** Undefined until the stream's slices are planned. */
  slicesTotal: number | undefined;
  /** The job of the slice being read, while there is one. */
  private current: JobProgress | undefined;
  private lastLineAt: number;

  constructor(
    readonly name: string,
    readonly logger: Logger,
    private readonly sync: SyncSlices = new SyncSlices(),
    readonly intervalMs: number = PROGRESS_INTERVAL_MS,
    readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.lastLineAt = this.startedAt;
    sync.join(name);
  }

  /** A live display shows this stream: periodic lines would only scroll it away. */
  get live(): boolean {
    return this.logger.progress !== undefined;
  }

  planned(slices: number): void {
    this.slicesTotal = slices;
    this.sync.plan(this.name, slices);
    this.show();
  }

  /** A slice's reading begins: its place among the sync's slices. */
  beginSlice(): number {
    return this.sync.begin();
  }

  /** Where a slice stands, as of now: the sync's total may become known after the slice began. */
  position(index: number, syncIndex: number | undefined): SlicePosition {
    const syncTotal = this.sync.total();
    return {
      index,
      ...(this.slicesTotal === undefined ? {} : { total: this.slicesTotal }),
      ...(syncIndex === undefined || syncTotal === undefined ? {} : { sync: { index: syncIndex, total: syncTotal } }),
    };
  }

  /** The current job moved (a status, a batch of records): the live line follows, and a line every interval. */
  jobChanged(job: JobProgress): void {
    this.current = job;
    this.show();
    this.logPeriodically();
  }

  addRecords(n: number): void {
    this.records += n;
  }

  sliceDone(): void {
    this.slicesDone++;
    this.sync.finish();
    this.current = undefined;
    this.show();
    this.logPeriodically();
  }

  /**
   * The stream's rows this sync, from the rows per slice so far: only meaningful when its slices
   * are alike in size (the caller decides). Exact once every slice is done.
   */
  rowEstimate(): number | undefined {
    if (this.slicesTotal === undefined || this.slicesDone === 0) return undefined;
    return Math.round((this.records / this.slicesDone) * this.slicesTotal);
  }

  /** The stream stopped reading (done, failed or interrupted): a last line, and its live line goes. */
  finish(ok: boolean): void {
    this.current = undefined;
    // The live line goes first: the last line then scrolls up alone, not redrawn under the block.
    this.logger.progress?.end(this.name);
    this.logger.info(`${this.name}: ${ok ? 'finished' : 'stopped'}, ${streamPhrase(this.standing(), this.now())}`);
    this.sync.leave(this.name);
  }

  standing(): StreamStanding {
    const syncTotal = this.sync.total();
    const job = this.current?.standing();
    return {
      stream: this.name,
      startedAt: this.startedAt,
      records: this.records,
      slicesDone: this.slicesDone,
      ...(this.slicesTotal === undefined ? {} : { slicesTotal: this.slicesTotal }),
      ...(syncTotal === undefined ? {} : { sync: { done: this.sync.done, total: syncTotal } }),
      ...job,
    };
  }

  private show(): void {
    this.logger.progress?.show(this.standing());
  }

  private logPeriodically(): void {
    if (this.live || this.slicesTotal === undefined) return;
    const t = this.now();
    if (t - this.lastLineAt < this.intervalMs) return;
    this.lastLineAt = t;
    this.logger.info(`${this.name}: ${streamPhrase(this.standing(), t)}`);
  }
}
