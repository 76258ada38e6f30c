/**
 * The contract between the vendor-neutral job engine and a vendor's job API.
 * A vendor adapter translates its own endpoints and statuses into these few shapes;
 * the engine does the launching, polling, timeouts, resume and download retries.
 */
import type { ResultBody, ParseOptions } from '../formats/types.js';

/** Every vendor status maps onto one of these. */
export type JobState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired';

export interface JobStatus {
  state: JobState;
  /** The vendor's own status string, for logs. */
  vendorStatus: string;
  /** 0..100 when the vendor reports progress. */
  percentComplete?: number;
  /** Human-readable detail (vendor error detail, status message). */
  message?: string;
  /**
   * For state 'failed' or 'cancelled': how the failure should surface.
   * - config: the request itself is wrong (e.g. "Invalid portfolio"); fail with config_error.
   * - relaunch: the vendor refused for capacity/quota (e.g. Addepar "Rejected"); back off and launch again.
   * - transient: a server-side failure; retry the slice up to the configured attempts.
   */
  failure?: 'config' | 'relaunch' | 'transient';
}

/** Outcome of a download attempt for a completed job. */
export type DownloadOutcome =
  | { kind: 'ready'; body: ResultBody; contentLength?: number }
  | { kind: 'not_ready'; status?: JobStatus }
  | { kind: 'expired' }
  /** The job has no result to read (the vendor says so, or the adapter skips it): zero records, the slice is done. */
  | { kind: 'empty'; why: string };

export interface JobAdapter<Params> {
  /** Creates a job for the slice's parameters and returns its id. */
  launch(params: Params, signal: AbortSignal): Promise<{ jobId: string }>;
  status(jobId: string, signal: AbortSignal): Promise<JobStatus>;
  /**
   * Statuses of several jobs in as few requests as the API allows (e.g. one page of a job list
   * observing many jobs). The adapter decides whether that is cheaper than polling each job; it
   * returns the statuses it observed, and the engine polls any job missing from the map itself.
   */
  statuses?(jobIds: string[], signal: AbortSignal): Promise<Map<string, JobStatus>>;
  download(jobId: string, signal: AbortSignal): Promise<DownloadOutcome>;
  /** Cancels a job where the API can; best effort. */
  cancel?(jobId: string): Promise<void>;
  /**
   * Finds a job launched for these parameters at or after `since` (ISO timestamp), if the API can
   * list jobs. A sync killed between a launch request and the STATE carrying the new job's id
   * left such a job behind; the engine adopts it instead of launching a duplicate. Adapters
   * should allow for clock skew between jobtap and the vendor when comparing with `since`.
   * When absent, that crash window can cause one duplicate launch.
   */
  findLaunched?(params: Params, since: string, signal: AbortSignal): Promise<{ jobId: string; launchedAt?: string } | undefined>;
}

/**
 * A daily request quota as the engine sees it when deciding whether to launch another job: a job
 * launched but never downloaded wastes requests and leaves work behind, so a sync stops launching
 * when what is left cannot carry the jobs in flight and one more through to their downloads.
 */
export interface LaunchBudget {
  /** Requests still available today for the kind of request a launch spends. */
  available(): number;
  /** Requests one new job needs on average from launch to download (launch, share of polls, download). */
  requestsPerJob: number;
  /** Requests a job already in flight still needs (its download and share of polls). */
  requestsPerInflightJob: number;
  /** e.g. "Addepar's daily request limit (1,000 per 24 h)". */
  describe(): string;
}

/** One unit of work: one job to run, download and parse. */
export interface JobSlice<Params> {
  /** Stable and unique within the stream, e.g. "portfolio=22|2024-01-01..2024-01-31". */
  key: string;
  /** Slices of one partition complete in order; the partition's cursor advances with them. */
  partition: string;
  /** The cursor value this slice brings its partition to when it completes, e.g. the window end. */
  cursor: string;
  params: Params;
  parse: ParseOptions;
  /**
   * An existing vendor job to read instead of launching one (impact.com lists jobs that already
   * ran). When set, the engine polls and downloads this job; `launch` is only called to relaunch
   * it (e.g. a replay) if the adapter supports that.
   */
  adoptJobId?: string;
}

/** Written to state before polling starts, so that a restarted sync adopts the job. */
export interface InflightJob {
  jobId: string;
  /** ISO timestamp of the launch; the job timeout and result retention count from it. */
  launchedAt: string;
  /** Records of this job's result already emitted (and covered by a STATE); skipped on resume. */
  emitted: number;
}

/** Generic state of a job-backed stream. */
export interface JobStreamState {
  /** Last completed cursor per partition. */
  partitions: Record<string, { cursor: string }>;
  /** Jobs launched but not fully emitted, by slice key. */
  inflight: Record<string, InflightJob>;
  /**
   * Launches requested but not yet confirmed with a job id, by slice key → ISO time of the request.
   * Written before the launch request when the adapter can `findLaunched`; absent when empty.
   */
  launching?: Record<string, string>;
  [key: string]: unknown;
}
