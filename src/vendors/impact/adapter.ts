/**
 * impact.com's side of the job engine contract. Two kinds of slice run through it:
 * - an existing job from the job list (job_results): adopted as is; "launching" it again means a
 *   replay when replays are on and the job is replayable, and otherwise skipping it (the engine
 *   then sees an empty result) — a job we may not replay is logged, never fatal;
 * - a report export (report streams): launched with ReportExport, which hands back a job.
 */
import { TransientError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DownloadOutcome, JobAdapter, JobStatus } from '../../jobs/types.js';
import type { DateWindow } from '../../jobs/windows.js';
import type { ImpactApi, ReportExportRequest } from './api.js';
import type { ImpactJob } from './job-record.js';

export type ImpactJobParams =
  | { kind: 'existing'; jobId: string; replayable: boolean; why?: string }
  | {
      kind: 'export';
      request: ReportExportRequest;
      /** Calendar bounds of the window (the records' keys); the request may stop earlier (a window in progress). */
      window: DateWindow;
      /** The request's last day: the window's end, or the last day read of a window in progress. */
      asOf: string;
    };

export function mapStatus(job: ImpactJob): JobStatus {
  const base = {
    vendorStatus: job.status,
    percentComplete: typeof job.record.PercentageComplete === 'number' ? job.record.PercentageComplete : undefined,
    message: typeof job.record.StatusMessage === 'string' && job.record.StatusMessage !== '' ? job.record.StatusMessage : undefined,
  };
  switch (job.status) {
    case 'QUEUED':
      return { ...base, state: 'pending' };
    case 'RUNNING':
      return { ...base, state: 'running' };
    case 'COMPLETED':
      return { ...base, state: 'completed' };
    case 'FAILED':
    case 'ERROR':
      // A replay may succeed where the run failed; the engine relaunches (= replays) transient failures.
      return { ...base, state: 'failed', failure: 'transient' };
    case 'CANCELLED':
      return { ...base, state: 'cancelled' };
    default:
      // Handed to the engine as is: it rejects states it does not know with a clear system error.
      return { ...base, state: job.status as JobStatus['state'] };
  }
}

/** No result: how a skipped job passes through the engine without records. */
function skippedResult(why: string): DownloadOutcome {
  return { kind: 'empty', why: `skipped: ${why}` };
}

/**
 * What a 410 says, and no more: results past the 90-day retention are never asked for (the
 * listing skips them), so a 410 means impact.com no longer has a result it should still keep.
 */
const GONE = 'impact.com answered its download with 410 Gone (the result is no longer available)';

export class ImpactJobAdapter implements JobAdapter<ImpactJobParams> {
  /** Jobs this read decided not to download, with the reason. */
  private readonly skipped = new Map<string, string>();
  /** Jobs whose download answered 410, so a replay (or a refusal) names that reason. */
  private readonly gone = new Set<string>();

  constructor(
    private readonly api: ImpactApi,
    private readonly options: { replay: boolean; streamName: string; logger: Logger },
  ) {}

  async launch(params: ImpactJobParams, signal: AbortSignal): Promise<{ jobId: string }> {
    if (params.kind === 'export') return { jobId: await this.launchExport(params.request, signal) };
    const { jobId } = params;
    const why = this.gone.has(jobId) ? GONE : (params.why ?? 'it has no downloadable result');
    if (!this.options.replay || !params.replayable) {
      const reason = !this.options.replay ? 'replay is off' : 'its job type cannot be replayed';
      this.skip(jobId, `${why} and ${reason}`);
      return { jobId };
    }
    const result = await this.api.replay(jobId, signal);
    if (result.kind === 'refused') {
      this.skip(jobId, `${why} and impact.com refused to replay it (HTTP 403: ${result.reason})`);
      return { jobId };
    }
    this.skipped.delete(jobId);
    this.options.logger.info(`${this.options.streamName}: replaying job ${jobId} (${why}); it is ${result.job.status} again`);
    return { jobId: result.job.id };
  }

  async status(jobId: string, signal: AbortSignal): Promise<JobStatus> {
    if (this.skipped.has(jobId)) return { state: 'completed', vendorStatus: 'SKIPPED' };
    return mapStatus(await this.api.getJob(jobId, signal));
  }

  async download(jobId: string, signal: AbortSignal): Promise<DownloadOutcome> {
    const why = this.skipped.get(jobId);
    if (why !== undefined) return skippedResult(why);
    const result = await this.api.download(jobId, signal);
    switch (result.kind) {
      case 'file':
        return { kind: 'ready', body: result.body, contentLength: result.contentLength };
      case 'not_ready':
        this.options.logger.debug(`${this.options.streamName}: job ${jobId} result not ready yet (HTTP 202, ${result.job.status})`);
        return { kind: 'not_ready', status: mapStatus(result.job) };
      case 'expired':
        this.gone.add(jobId);
        // With replay on, the engine launches the slice again, which replays the job.
        if (this.options.replay) return { kind: 'expired' };
        this.skip(jobId, `${GONE} and replay is off`);
        return skippedResult(GONE);
    }
  }

  /** Marks a listed job as skipped before the engine reaches it: its slice completes empty, without a request. */
  skipWithoutReading(jobId: string, why: string): void {
    this.skip(jobId, why);
  }

  private skip(jobId: string, why: string): void {
    this.skipped.set(jobId, why);
    this.options.logger.warn(`${this.options.streamName}: skipping job ${jobId}: ${why}`);
  }

  /**
   * impact.com answers a repeated export request with the job it already made for the same
   * parameters; when that job failed or was cancelled, it is replayed instead of read.
   */
  private async launchExport(request: ReportExportRequest, signal: AbortSignal): Promise<string> {
    const jobId = await this.api.exportReport(request, signal);
    const job = await this.api.getJob(jobId, signal);
    if (job.status !== 'FAILED' && job.status !== 'ERROR' && job.status !== 'CANCELLED') return jobId;
    const replay = await this.api.replay(jobId, signal);
    if (replay.kind === 'refused') {
      throw new TransientError(
        `Report export ${request.reportId} ${request.startDate}..${request.endDate} returned job ${jobId}, which is ${job.status} and cannot be replayed (${replay.reason})`,
      );
    }
    this.options.logger.info(`${this.options.streamName}: export job ${jobId} was ${job.status}; replayed it`);
    return replay.job.id;
  }
}
