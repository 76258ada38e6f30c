/**
 * The sandbox's job store: creation, the documented status progression, cancellation,
 * expiry and the injectable faults. Status advances on each status poll (fast tests) and/or
 * with time on the sandbox clock (realistic demo), whichever is further along.
 */

export type AddeparJobStatus =
  | 'Queued'
  | 'In Progress - Waiting For Capacity'
  | 'Picked Up By Job Runner'
  | 'In Progress'
  | 'Completed'
  | 'Canceled'
  | 'Timed Out'
  | 'Failed'
  | 'Rejected'
  | 'Error Cancelled'
  | 'Cancel Requested'
  | 'User Cancelled';

export interface JobErrorObject {
  status: string;
  title: string;
  detail: string;
}

/** What the job will do when it runs; decided at creation from the request and the faults. */
export type JobFate =
  | { kind: 'complete' }
  | { kind: 'reject' }
  | { kind: 'stuck' }
  | { kind: 'fail'; error?: JobErrorObject }
  | { kind: 'error'; error: JobErrorObject }
  /**
   * Someone cancels the job in Addepar while it runs: it shows "Cancel Requested" for a few
   * observations, then settles as User Cancelled, or as Completed when the cancel came too late.
   */
  | { kind: 'cancelled_by_user'; settlesAs: 'User Cancelled' | 'Completed' };

export interface SandboxJob {
  id: string;
  jobType: string;
  /** Parameters as echoed back in the job resource. */
  parameters: Record<string, unknown>;
  status: AddeparJobStatus;
  percentComplete: number;
  errors?: JobErrorObject[];
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  fate: JobFate;
  /** Status polls (GET /v1/jobs/:id) received. */
  polls: number;
  /** Download requests received (any outcome). */
  downloads: number;
  /** DELETE requests received. */
  cancelRequests: number;
  /** Times the job was seen in a GET /v1/jobs page while active (observations, like polls). */
  listed: number;
  /** Completes, but has no results: its download answers 404 (a portfolio with nothing in the window). */
  noResults: boolean;
  creatorId: string;
  /** Observations (polls + listings) when someone else's cancel request began (fate cancelled_by_user). */
  cancelRequestedAt?: number;
}

/** Observations a job cancelled by someone in Addepar stays "Cancel Requested" before it settles. */
export const CANCEL_SETTLE_OBSERVATIONS = 3;

/** Progress stages of a healthy job, in order; the last is Completed. */
const STAGES: readonly { status: AddeparJobStatus; percent: number }[] = [
  { status: 'Queued', percent: 0 },
  { status: 'In Progress - Waiting For Capacity', percent: 0 },
  { status: 'Picked Up By Job Runner', percent: 0 },
  { status: 'In Progress', percent: 25 },
  { status: 'In Progress', percent: 50 },
  { status: 'In Progress', percent: 75 },
  { status: 'Completed', percent: 100 },
];

const STUCK_STAGE = 4;
const FAIL_STAGE = 3;
const ERROR_STAGE = 1;

export interface ProgressionOptions {
  /**
   * Status observations (a GET of the job, or a job list page showing it) per stage; 0 disables
   * observation-driven progress. Default 1 (a job completes on its 6th observation).
   */
  pollsPerStage: number;
  /** Sandbox-clock milliseconds per stage; 0 disables time-driven progress. Default 0. */
  msPerStage: number;
}

export const TERMINAL: ReadonlySet<AddeparJobStatus> = new Set<AddeparJobStatus>([
  'Completed',
  'Canceled',
  'Timed Out',
  'Failed',
  'Rejected',
  'Error Cancelled',
  'User Cancelled',
]);

export function isActive(job: SandboxJob): boolean {
  return !TERMINAL.has(job.status) && job.status !== 'Cancel Requested';
}

/** Not settled yet: what a status poll or a job list page still counts as an observation. */
export function isUnsettled(job: SandboxJob): boolean {
  return !TERMINAL.has(job.status);
}

function observations(job: SandboxJob): number {
  return job.polls + job.listed;
}

function stageIndex(job: SandboxJob, now: number, p: ProgressionOptions): number {
  const byPolls = p.pollsPerStage > 0 ? Math.floor(observations(job) / p.pollsPerStage) : 0;
  const byTime = p.msPerStage > 0 ? Math.floor((now - job.createdAt) / p.msPerStage) : 0;
  return Math.min(STAGES.length - 1, Math.max(byPolls, byTime));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export { iso as isoSeconds };

/** Brings a job's status up to date with its fate, poll count, the clock and the result retention. */
export function advance(job: SandboxJob, now: number, p: ProgressionOptions, retentionMs: number): void {
  if (job.status === 'Cancel Requested') {
    if (job.cancelRequestedAt !== undefined) {
      // Someone else's cancel: it takes a while, and may come too late to stop the job.
      if (observations(job) - job.cancelRequestedAt < CANCEL_SETTLE_OBSERVATIONS) return;
      job.status = job.fate.kind === 'cancelled_by_user' ? job.fate.settlesAs : 'User Cancelled';
      if (job.status === 'Completed') job.percentComplete = 100;
      job.completedAt = now;
      return;
    }
    job.status = 'User Cancelled';
    job.completedAt = now;
    return;
  }
  if (job.status === 'Completed' && now - job.createdAt >= retentionMs) {
    job.status = 'Timed Out';
    return;
  }
  if (TERMINAL.has(job.status)) return;
  let stage = stageIndex(job, now, p);
  const fate = job.fate;
  if (fate.kind === 'stuck') stage = Math.min(stage, STUCK_STAGE);
  if (fate.kind === 'error' && stage >= ERROR_STAGE) {
    job.status = 'Error Cancelled';
    job.errors = [fate.error];
    job.completedAt = now;
    return;
  }
  if (fate.kind === 'cancelled_by_user' && stage >= FAIL_STAGE) {
    job.status = 'Cancel Requested';
    job.cancelRequestedAt = observations(job);
    job.startedAt ??= now;
    return;
  }
  if (fate.kind === 'fail' && stage >= FAIL_STAGE) {
    job.status = 'Failed';
    if (fate.error !== undefined) job.errors = [fate.error];
    job.startedAt ??= now;
    job.completedAt = now;
    return;
  }
  const s = STAGES[stage]!;
  job.status = s.status;
  job.percentComplete = s.percent;
  if (stage >= 2) job.startedAt ??= now;
  if (s.status === 'Completed') {
    job.completedAt = now;
    if (now - job.createdAt >= retentionMs) job.status = 'Timed Out';
  }
}

/** Applies a DELETE as documented: waiting/queued/completed jobs end at once, running ones go through Cancel Requested. */
export function requestCancel(job: SandboxJob, now: number): void {
  job.cancelRequests += 1;
  if (job.status === 'In Progress' || job.status === 'Picked Up By Job Runner') {
    job.status = 'Cancel Requested';
    return;
  }
  if (TERMINAL.has(job.status) && job.status !== 'Completed') return;
  job.status = 'User Cancelled';
  job.completedAt = now;
}

/** Deterministic UUID-shaped ids, like the ones in Addepar's documentation. */
export function jobIdFor(sequence: number): string {
  const hex = sequence.toString(16).padStart(12, '0');
  return `b6c1b9da-4387-11ef-8636-${hex}`;
}

export function jobResource(job: SandboxJob): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    job_type: job.jobType,
    parameters: job.parameters,
    status: job.status,
    percent_complete: job.percentComplete / 100,
    created_at: iso(job.createdAt),
  };
  if (job.startedAt !== undefined) attributes.started_at = iso(job.startedAt);
  if (job.completedAt !== undefined) attributes.completed_at = iso(job.completedAt);
  if (job.errors) attributes.errors = job.errors;
  return {
    id: job.id,
    type: 'jobs',
    attributes,
    relationships: {
      creator: {
        links: { self: `/v1/jobs/${job.id}/relationships/creator`, related: `/v1/jobs/${job.id}/creator` },
        data: { type: 'users', id: job.creatorId },
      },
    },
    links: { self: `/v1/jobs/${job.id}` },
  };
}
