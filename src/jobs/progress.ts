/**
 * Progress lines for long jobs, at a rate a human can read: a job's status when it changes or
 * every `intervalMs`, and download/emit throughput every `intervalMs` plus once at the end.
 */
import type { Logger } from '../core/logger.js';
import type { JobStatus } from './types.js';

export const PROGRESS_INTERVAL_MS = 10_000;

export class JobProgress {
  private lastStatus = '';
  private lastStatusLogAt = 0;
  private lastTransferLogAt = 0;
  private readonly startedAt: number;
  bytes = 0;
  records = 0;

  constructor(
    private readonly logger: Logger,
    /** e.g. `job 42 (slice portfolio=1|2024-01)` */
    private readonly label: string,
    private readonly intervalMs: number = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.lastTransferLogAt = this.startedAt;
  }

  status(status: JobStatus): void {
    const key = `${status.vendorStatus}|${status.state}`;
    const t = this.now();
    if (key === this.lastStatus && t - this.lastStatusLogAt < this.intervalMs) return;
    this.lastStatus = key;
    this.lastStatusLogAt = t;
    const percent = status.percentComplete === undefined ? '' : ` ${Math.round(status.percentComplete)}%`;
    const message = status.message ? ` (${status.message})` : '';
    this.logger.info(`${this.label}: ${status.vendorStatus}${percent}${message}`);
  }

  transfer(): void {
    const t = this.now();
    if (t - this.lastTransferLogAt < this.intervalMs) return;
    this.lastTransferLogAt = t;
    this.logger.info(`${this.label}: ${this.describeTransfer(t)}`);
  }

  done(): void {
    this.logger.info(`${this.label}: done, ${this.describeTransfer(this.now())}`);
  }

  private describeTransfer(t: number): string {
    const seconds = Math.max(0.001, (t - this.startedAt) / 1000);
    return `${this.bytes} bytes downloaded, ${this.records} records emitted (${Math.round(this.records / seconds)} records/s)`;
  }
}
