/**
 * Turns a Job object from the Partner Jobs API into a typed `jobs` record, and orders jobs for
 * cursors. impact.com has historically sent every field as a string ("100", "true", "" for unset
 * dates) while the OpenAPI document declares integers, booleans and date-times, so both shapes
 * are accepted and the record always follows the document.
 */
import { SystemError } from '../../core/errors.js';
import type { Row } from '../../core/source.js';

export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'CANCELLED', 'ERROR', 'FAILED'] as const;
export type ImpactStatus = (typeof JOB_STATUSES)[number];

const DATE_FIELDS = ['CreatedDate', 'StartedDate', 'CompletedDate', 'AbandonedDate', 'CancelledDate', 'FailedDate', 'LastProgressUpdateDate'] as const;
const INTEGER_FIELDS = ['RecordsProcessed', 'PercentageComplete'] as const;
const STRING_FIELDS = ['Type', 'ProgramId', 'CreatedBy', 'Status', 'StatusMessage', 'ResultUri'] as const;

/** A job with the fields the connector relies on, typed. */
export interface ImpactJob {
  id: string;
  type: string;
  status: ImpactStatus | string;
  createdMs: number;
  createdDate: string;
  completedMs?: number;
  replayable: boolean;
  programId?: string;
  record: Row;
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** RFC 3339 date-time with a zone (impact.com always sends one); without one it is read as UTC. */
export function parseDateTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(value.trim())) return undefined;
  const text = value.trim().replace(' ', 'T');
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function fail(jobId: string, field: string, value: unknown, expected: string): never {
  throw new SystemError(`impact.com job ${jobId}: field ${field} is not ${expected} (got ${value === undefined ? 'nothing' : String(JSON.stringify(value)).slice(0, 60)})`);
}

/**
 * Types one Job object. Unknown extra fields pass through unchanged (the schema allows them);
 * a value that cannot be read as its declared type is an error, or null when onCastError is 'null'.
 */
export function toJob(raw: unknown, onCastError: 'fail' | 'null' = 'fail'): ImpactJob {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SystemError('impact.com returned a job that is not an object');
  const src = raw as Record<string, unknown>;
  const id = blank(src.Id) ? fail('?', 'Id', src.Id, 'a job id') : String(src.Id);
  const castFail = (field: string, value: unknown, expected: string): null => {
    if (onCastError === 'null') return null;
    return fail(id, field, value, expected);
  };
  const record: Row = { ...src, Id: id };
  for (const f of STRING_FIELDS) record[f] = blank(src[f]) ? null : String(src[f]);
  for (const f of DATE_FIELDS) {
    const v = src[f];
    if (blank(v)) record[f] = null;
    else if (typeof v === 'string' && parseDateTime(v) !== undefined) record[f] = v.trim();
    else record[f] = castFail(f, v, 'a date-time');
  }
  for (const f of INTEGER_FIELDS) {
    const v = src[f];
    if (blank(v)) record[f] = null;
    else if (typeof v === 'number' && Number.isInteger(v)) record[f] = v;
    else if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) record[f] = Number(v.trim());
    else record[f] = castFail(f, v, 'an integer');
  }
  const replayable = src.Replayable;
  if (blank(replayable)) record.Replayable = null;
  else if (typeof replayable === 'boolean') record.Replayable = replayable;
  else if (typeof replayable === 'string' && /^(true|false)$/i.test(replayable.trim())) record.Replayable = replayable.trim().toLowerCase() === 'true';
  else record.Replayable = castFail('Replayable', replayable, 'a boolean');

  const createdDate = record.CreatedDate;
  if (typeof createdDate !== 'string') fail(id, 'CreatedDate', src.CreatedDate, 'a date-time');
  const completed = typeof record.CompletedDate === 'string' ? parseDateTime(record.CompletedDate) : undefined;
  return {
    id,
    type: typeof record.Type === 'string' ? record.Type : '',
    status: typeof record.Status === 'string' ? record.Status.toUpperCase() : '',
    createdMs: parseDateTime(createdDate)!,
    createdDate,
    completedMs: completed,
    replayable: record.Replayable === true,
    programId: typeof record.ProgramId === 'string' ? record.ProgramId : undefined,
    record,
  };
}

/**
 * A job's position in creation order, as a string that sorts like the order itself:
 * the UTC creation instant, then the id (jobs created in the same second are told apart).
 */
export function jobPosition(job: Pick<ImpactJob, 'createdMs' | 'id'>): string {
  return `${new Date(job.createdMs).toISOString()}|${job.id}`;
}

export function compareJobs(a: Pick<ImpactJob, 'createdMs' | 'id'>, b: Pick<ImpactJob, 'createdMs' | 'id'>): number {
  return a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function isFinal(status: string): boolean {
  return status === 'COMPLETED' || status === 'CANCELLED' || status === 'FAILED' || status === 'ERROR';
}
