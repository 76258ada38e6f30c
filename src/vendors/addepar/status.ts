/**
 * Addepar job statuses → the engine's JobStatus.
 *
 * Every status of the Jobs API documentation is mapped; the docs spell some of them two ways
 * ("Canceled"/"Cancelled", and snake_case forms such as `waiting_for_capacity`,
 * `user_canceled` in the cancellation section), so statuses are compared in a normalised form.
 * An unknown status is an error that names it, never a silent wait.
 */
import { SystemError } from '../../core/errors.js';
import type { JobStatus } from '../../jobs/types.js';

export interface AddeparErrorObject {
  status?: string;
  title?: string;
  detail?: string;
}

export interface AddeparJobAttributes {
  job_type?: string;
  status?: string;
  percent_complete?: number | null;
  errors?: AddeparErrorObject[] | null;
  parameters?: Record<string, unknown>;
  created_at?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

/** "In Progress - Waiting For Capacity" → "in_progress_waiting_for_capacity"; "Canceled" → "cancelled". */
export function normaliseStatus(status: string): string {
  return status
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/canceled/g, 'cancelled');
}

function describeErrors(errors: AddeparErrorObject[] | null | undefined): string | undefined {
  if (!errors || errors.length === 0) return undefined;
  return errors
    .map((e) => [e.detail, e.title].find((s) => typeof s === 'string' && s.length > 0) ?? `error ${e.status ?? ''}`.trim())
    .join('; ');
}

/** Addepar reports progress as a fraction (1.0 = done); the engine wants 0..100. */
export function percentOf(value: number | null | undefined): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const pct = value <= 1 ? value * 100 : value;
  return Math.max(0, Math.min(100, Math.round(pct * 100) / 100));
}

export function mapAddeparStatus(jobId: string, attributes: AddeparJobAttributes): JobStatus {
  const vendorStatus = typeof attributes.status === 'string' ? attributes.status : '';
  const percentComplete = percentOf(attributes.percent_complete);
  const detail = describeErrors(attributes.errors);
  const base = { vendorStatus, ...(percentComplete === undefined ? {} : { percentComplete }) };
  switch (normaliseStatus(vendorStatus)) {
    case 'queued':
      return { ...base, state: 'pending', message: 'queued' };
    case 'in_progress_waiting_for_capacity':
    case 'waiting_for_capacity':
      return { ...base, state: 'pending', message: 'waiting for capacity on Addepar servers' };
    case 'picked_up_by_job_runner':
      return { ...base, state: 'running', message: 'picked up by a job runner' };
    case 'in_progress':
      return { ...base, state: 'running' };
    case 'completed':
      return { ...base, state: 'completed' };
    case 'timed_out':
      // Addepar deletes results 24 h after creation; the slice is launched again.
      return { ...base, state: 'expired', message: 'the job results expired and were deleted' };
    case 'rejected':
      return { ...base, state: 'failed', failure: 'relaunch', message: 'the job exceeds the maximum quota of the Addepar job queue' };
    case 'failed':
      return { ...base, state: 'failed', failure: 'transient', message: detail ?? 'the job failed on Addepar servers (no details given)' };
    case 'error_cancelled':
    case 'error': {
      // A 400 error object means the request itself is wrong (e.g. "Invalid portfolio: ENTITY 10").
      const isBadRequest = (attributes.errors ?? []).some((e) => String(e.status ?? '') === '400');
      return {
        ...base,
        state: 'failed',
        failure: isBadRequest ? 'config' : 'transient',
        message: detail ?? 'the job was cancelled by Addepar because of an error',
      };
    }
    case 'cancel_requested':
      // Not terminal: the job may still stop, or finish anyway (the cancel came too late). The
      // slice is relaunched only once the job has settled, so two jobs never run for one slice.
      return { ...base, state: 'running', message: 'cancel requested in Addepar; waiting for the job to settle' };
    case 'cancelled':
    case 'user_cancelled':
      return { ...base, state: 'cancelled', failure: 'transient', message: 'the job was cancelled in Addepar' };
    default:
      throw new SystemError(
        `Addepar returned an unknown status ${JSON.stringify(vendorStatus)} for job ${jobId}; jobtap does not know whether to wait for it. ` +
          'Please report this status so it can be mapped.',
      );
  }
}
