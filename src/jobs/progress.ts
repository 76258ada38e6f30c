/**
 * Progress lines for one job, at a rate a human can read: its status when it changes or every
 * interval (elapsed time since launch, the vendor's percentage and an ETA from it, which slice of
 * how many), its download every interval, and a last line when its result is read. Rates count
 * from the download's first byte, not from the launch: a job that ran an hour and downloaded in a
 * second did not read "14 records/s". With a live display, only the last line is logged.
 */
import { formatDuration } from '../core/durations.js';
import { jobStatusPhrase, slicePhrase, syncSlicePhrase, transferPhrase, type DownloadStanding, type JobStanding, type SlicePosition } from '../core/progress.js';
import { estimateRemainingMs } from './poll-cadence.js';
import type { StreamProgress } from './stream-progress.js';
import type { JobStatus } from './types.js';

/** Which slice a job is for: its key, its place in the stream's plan and (once begun) in the sync. */
export interface SliceLabel {
  key: string;
  index: number;
  syncIndex?: number;
}

export class JobProgress {
  private lastStatus = '';
  private lastStatusLogAt = 0;
  private lastTransferLogAt = 0;
  private readonly job: JobStanding;
  private download: DownloadStanding | undefined;

  constructor(
    private readonly stream: StreamProgress,
    private readonly slice: SliceLabel,
    jobId: string,
    /** Epoch ms the job was launched (by this sync or an earlier one). */
    launchedAt: number,
  ) {
    this.job = { id: jobId, status: 'launched', launchedAt };
  }

  /** Bytes of the result read so far (over every download of it). */
  get bytes(): number {
    return this.download?.bytes ?? 0;
  }

  status(status: JobStatus): void {
    const t = this.stream.now();
    const eta = estimateRemainingMs(status.percentComplete, t - this.job.launchedAt);
    this.job.status = status.vendorStatus;
    this.job.percent = status.percentComplete;
    this.job.etaAt = eta === undefined ? undefined : t + eta;
    const key = `${status.vendorStatus}|${status.state}`;
    if (!this.stream.live && (key !== this.lastStatus || t - this.lastStatusLogAt >= this.stream.intervalMs)) {
      this.lastStatus = key;
      this.lastStatusLogAt = t;
      const message = status.message ? ` (${status.message})` : '';
      this.stream.logger.info(`${this.label()}: ${jobStatusPhrase(this.job, t)}${message}, elapsed ${formatDuration(t - this.job.launchedAt)}`);
    }
    this.stream.jobChanged(this);
  }

  /**
   * The result's download began (its response arrived): rates count from here. A download that
   * broke off and is fetched again keeps counting from the first one.
   */
  downloadStarted(): void {
    const t = this.stream.now();
    this.download ??= { startedAt: t, records: 0, bytes: 0 };
    this.lastTransferLogAt = t;
    this.stream.jobChanged(this);
  }

  addBytes(n: number): void {
    this.downloading().bytes += n;
  }

  addRecords(n: number): void {
    this.downloading().records += n;
    this.stream.addRecords(n);
  }

  /** After each batch of records: the live line follows; a line every interval. */
  transfer(): void {
    const t = this.stream.now();
    if (!this.stream.live && t - this.lastTransferLogAt >= this.stream.intervalMs) {
      this.lastTransferLogAt = t;
      this.stream.logger.info(`${this.label()}: downloading, ${transferPhrase(this.downloading(), t)}, elapsed ${formatDuration(t - this.job.launchedAt)}`);
    }
    this.stream.jobChanged(this);
  }

  /** The job's result is read (or it had none): records, bytes, download time and rate, time since launch. */
  done(): void {
    const t = this.stream.now();
    const what = this.download === undefined ? 'done, no result to download' : `done, ${transferPhrase(this.download, t)}`;
    this.stream.logger.info(`${this.label()}: ${what}; elapsed ${formatDuration(t - this.job.launchedAt)} since launch`);
  }

  /** The slice, its job and its download, for the stream's live line. */
  standing(): { slice: SlicePosition; job: JobStanding; download?: DownloadStanding } {
    return { slice: this.position(), job: this.job, ...(this.download === undefined ? {} : { download: this.download }) };
  }

  private downloading(): DownloadStanding {
    return (this.download ??= { startedAt: this.stream.now(), records: 0, bytes: 0 });
  }

  private position(): SlicePosition {
    return this.stream.position(this.slice.index, this.slice.syncIndex);
  }

  /** e.g. `events job 42, slice 2 of 4 (alpha|2024-02-01..2024-02-29), slice 5 of 12 of the sync` */
  private label(): string {
    const position = this.position();
    const sync = syncSlicePhrase(position);
    return `${this.stream.name} job ${this.job.id}, ${slicePhrase(position)} (${this.slice.key})${sync === '' ? '' : `, ${sync}`}`;
  }
}
