/**
 * How long to wait before looking at a running job again. Three things decide:
 * - the configured backoff (first interval, growing ×1.5 to the maximum);
 * - the job's own progress: with a vendor percentage, the time left is estimated from the time
 *   spent so far, and the next look is timed for about then (within the configured bounds);
 * - the request budget: a poll round may not come sooner than its pace allows.
 */
import type { PollBackoff } from './poll-backoff.js';
import type { JobStatus } from './types.js';

export interface CadenceBounds {
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

/** The delay before the next status poll of a job that is still pending or running. */
export function nextPollDelayMs(
  backoff: PollBackoff,
  bounds: CadenceBounds,
  status: JobStatus,
  runningForMs: number,
  paceWaitMs: number,
): number {
  let delay = backoff.nextDelayMs();
  const eta = estimateRemainingMs(status.percentComplete, runningForMs);
  if (eta !== undefined) delay = Math.min(bounds.maxPollIntervalMs, Math.max(bounds.pollIntervalMs, eta));
  return Math.max(delay, paceWaitMs);
}

/** Time left, from the share done so far and the time it took; undefined without a usable percentage. */
export function estimateRemainingMs(percentComplete: number | undefined, runningForMs: number): number | undefined {
  if (percentComplete === undefined || !(percentComplete > 0) || percentComplete >= 100 || runningForMs <= 0) return undefined;
  return (runningForMs * (100 - percentComplete)) / percentComplete;
}
