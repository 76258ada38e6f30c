/**
 * Reading a job stream's previous state defensively: state files are written by older versions,
 * edited by hand or come from another connector; anything that does not look like a partition
 * cursor or an in-flight job is ignored (with the reason) rather than trusted.
 */
import type { Logger } from '../core/logger.js';
import type { StreamState } from '../core/source.js';
import type { InflightJob, JobStreamState } from './types.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asInflight(v: unknown): InflightJob | undefined {
  if (!isRecord(v)) return undefined;
  const { jobId, launchedAt, emitted } = v;
  if (typeof jobId !== 'string' || jobId === '') return undefined;
  if (typeof launchedAt !== 'string' || Number.isNaN(Date.parse(launchedAt))) return undefined;
  const count = typeof emitted === 'number' && Number.isInteger(emitted) && emitted >= 0 ? emitted : 0;
  return { jobId, launchedAt, emitted: count };
}

/** The previous state as a JobStreamState, or undefined for a first sync. Extra keys are kept. */
export function readJobStreamState(raw: StreamState | undefined, logger: Logger): JobStreamState | undefined {
  if (raw === undefined || !isRecord(raw)) return undefined;
  const partitions: JobStreamState['partitions'] = {};
  if (isRecord(raw.partitions)) {
    for (const [name, value] of Object.entries(raw.partitions)) {
      if (isRecord(value) && typeof value.cursor === 'string') partitions[name] = { cursor: value.cursor };
      else logger.warn(`Ignoring unreadable state of partition ${JSON.stringify(name)}`);
    }
  }
  const inflight: JobStreamState['inflight'] = {};
  if (isRecord(raw.inflight)) {
    for (const [key, value] of Object.entries(raw.inflight)) {
      const job = asInflight(value);
      if (job) inflight[key] = job;
      else logger.warn(`Ignoring unreadable in-flight job of slice ${JSON.stringify(key)} in state`);
    }
  }
  const launching: Record<string, string> = {};
  if (isRecord(raw.launching)) {
    for (const [key, value] of Object.entries(raw.launching)) {
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) launching[key] = value;
      else logger.warn(`Ignoring unreadable launch mark of slice ${JSON.stringify(key)} in state`);
    }
  }
  const { launching: _dropped, ...rest } = raw;
  return { ...rest, partitions, inflight, ...(Object.keys(launching).length > 0 ? { launching } : {}) };
}

export function cloneState(state: JobStreamState): JobStreamState {
  return structuredClone(state);
}
