/**
 * The sandbox's job catalogue: which partner jobs exist, when they were scheduled, how their
 * status moves, and what their result file holds. A job's status is a function of how often it
 * was looked at ("touches": status polls and download attempts), so a test can drive
 * QUEUED → RUNNING → COMPLETED as fast as it polls, without sleeping.
 */
import {
  actionsForDay,
  addDays,
  clicksForDay,
  formatImpactDateTime,
  hashString,
  performanceForDay,
  PROGRAMS,
  termModificationResult,
  uploadAdsResult,
  daysBetween,
  type ExportRow,
} from './dataset.js';
import type { SandboxFileFormat } from './files.js';

export const JOB_TYPES = ['DownloadReport', 'ApiReport', 'UploadAds', 'TermModification', 'ClickExport'] as const;
export type ImpactJobType = (typeof JOB_TYPES)[number];
export type ImpactJobStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'ERROR' | 'FAILED';

export type ResultKind = 'actions' | 'clicks' | 'performance' | 'upload' | 'terms';

export interface ResultSpec {
  kind: ResultKind;
  /** Inclusive YYYY-MM-DD window the rows come from (actions, clicks, performance). */
  start: string;
  end: string;
  format: SandboxFileFormat;
  /** Optional program (SUBAID) filter of a report export. */
  programId?: string;
  /** Seed of upload/terms rows. */
  seed: string;
}

export interface SimJob {
  id: string;
  type: ImpactJobType;
  programId?: string;
  createdBy: string;
  createdMs: number;
  replayable: boolean;
  /** The job refuses a replay with 403 although its type is replayable (e.g. cancelled by a user). */
  refuseReplay: boolean;
  /** A finished status that never changes, or undefined while the job progresses by touches. */
  finalStatus?: Exclude<ImpactJobStatus, 'QUEUED' | 'RUNNING'>;
  statusMessage?: string;
  /** Touches (status polls and download attempts) since the job was (re)queued. */
  touches: number;
  touchesToRunning: number;
  touchesToCompleted: number;
  /** Download attempts answered 202 after the status already reads COMPLETED (file still being written). */
  finalisingDownloads: number;
  startedMs?: number;
  completedMs?: number;
  failedMs?: number;
  cancelledMs?: number;
  result?: ResultSpec;
  replays: number;
}

export function jobUuid(account: string, createdMs: number, salt: string): string {
  const hex = [0, 1, 2, 3].map((i) => hashString(`${account}|${createdMs}|${salt}|${i}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function jobStatus(job: SimJob): ImpactJobStatus {
  if (job.finalStatus !== undefined) return job.finalStatus;
  if (job.touches < job.touchesToRunning) return 'QUEUED';
  if (job.touches < job.touchesToCompleted) return 'RUNNING';
  return 'COMPLETED';
}

/** Columns of each result kind, in file order. */
export const RESULT_COLUMNS: Record<ResultKind, string[]> = {
  actions: ['Action Id', 'Campaign Id', 'Campaign', 'Action Tracker', 'Event Date', 'Status', 'Sale Amount', 'Payout', 'Currency', 'Promo Code'],
  clicks: ['Click Id', 'Campaign Id', 'Event Date', 'Ad Id', 'Device', 'Country', 'Referring Domain', 'Unique'],
  performance: ['Date', 'Clicks', 'Actions', 'Sale Amount', 'Payout'],
  upload: ['Line Number', 'Ad Id', 'Result', 'Message'],
  terms: ['Campaign Id', 'Campaign', 'Payout Before', 'Payout After', 'Effective Date'],
};

export function resultRows(account: string, spec: ResultSpec, volume = 1): ExportRow[] {
  switch (spec.kind) {
    case 'actions': {
      const rows = daysBetween(spec.start, spec.end).flatMap((d) => actionsForDay(account, d, volume));
      return spec.programId === undefined ? rows : rows.filter((r) => String(r['Campaign Id']) === spec.programId);
    }
    case 'clicks':
      return daysBetween(spec.start, spec.end).flatMap((d) => clicksForDay(account, d, volume));
    case 'performance':
      return daysBetween(spec.start, spec.end).map((d) => performanceForDay(account, d, volume));
    case 'upload':
      return uploadAdsResult(account, spec.seed);
    case 'terms':
      return termModificationResult(account, spec.seed);
  }
}

interface JobPlan {
  /** Milliseconds before the anchor (or before the start of the anchor's UTC day when dayAligned). */
  agoMs: number;
  /** Measured from the anchor's day start, so jobs meant to share a day do, whatever the anchor's hour. */
  dayAligned?: boolean;
  type: ImpactJobType;
  format: SandboxFileFormat;
  status?: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'RUNNING';
  message?: string;
  refuseReplay?: boolean;
  finalisingDownloads?: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** What each job type's result holds; results cover the day before the job ran. */
function resultFor(type: ImpactJobType, createdMs: number, format: SandboxFileFormat): ResultSpec {
  const day = new Date(createdMs).toISOString().slice(0, 10);
  const previous = addDays(day, -1);
  const seed = `${day}|${createdMs}`;
  switch (type) {
    case 'DownloadReport':
    case 'ApiReport':
      return { kind: 'actions', start: previous, end: previous, format, seed };
    case 'ClickExport':
      return { kind: 'clicks', start: previous, end: previous, format, seed };
    case 'UploadAds':
      return { kind: 'upload', start: day, end: day, format, seed };
    case 'TermModification':
      return { kind: 'terms', start: day, end: day, format, seed };
  }
}

/**
 * The schedule of historical jobs, relative to the anchor: regular reports over 120 days (so some
 * results are past the 90-day retention), one job of each failure kind, a trio exporting the same
 * window as CSV, XLSX and JSON, a job still running, and a batch from the last day that stays
 * hidden until the clock moves on.
 */
function schedule(): JobPlan[] {
  const plans: JobPlan[] = [];
  for (let daysBack = 120; daysBack >= 2; daysBack--) {
    const base = daysBack * DAY;
    if (daysBack % 3 === 0) plans.push({ agoMs: base - 6 * HOUR, type: 'DownloadReport', format: daysBack % 2 === 0 ? 'XLSX' : 'CSV' });
    if (daysBack % 7 === 1) plans.push({ agoMs: base - 7 * HOUR, type: 'ApiReport', format: 'JSON' });
    if (daysBack % 10 === 5) plans.push({ agoMs: base - 8 * HOUR, type: 'ClickExport', format: 'CSV' });
    if (daysBack % 15 === 4) plans.push({ agoMs: base - 9 * HOUR, type: 'UploadAds', format: 'CSV' });
    if (daysBack % 20 === 6) plans.push({ agoMs: base - 10 * HOUR, type: 'TermModification', format: 'XLSX' });
  }
  // The same window exported three ways: the typed records must come out identical.
  plans.push({ agoMs: 11 * DAY - 9 * HOUR, dayAligned: true, type: 'DownloadReport', format: 'CSV' });
  plans.push({ agoMs: 11 * DAY - 10 * HOUR, dayAligned: true, type: 'DownloadReport', format: 'XLSX' });
  plans.push({ agoMs: 11 * DAY - 11 * HOUR, dayAligned: true, type: 'ApiReport', format: 'JSON' });
  plans.push({ agoMs: 9 * DAY - 13 * HOUR, dayAligned: true, type: 'ApiReport', format: 'JSON', status: 'FAILED', message: 'Report generation timed out' });
  plans.push({ agoMs: 8 * DAY - 14 * HOUR, dayAligned: true, type: 'DownloadReport', format: 'CSV', status: 'CANCELLED', message: 'Cancelled by user', refuseReplay: true });
  plans.push({ agoMs: 30 * HOUR, type: 'DownloadReport', format: 'CSV', status: 'RUNNING', finalisingDownloads: 1 });
  // Hidden until the sandbox clock passes the anchor: what a second sync should find.
  plans.push({ agoMs: 20 * HOUR, type: 'ClickExport', format: 'CSV' });
  plans.push({ agoMs: 12 * HOUR, type: 'DownloadReport', format: 'CSV' });
  plans.push({ agoMs: 3 * HOUR, type: 'ApiReport', format: 'JSON' });
  return plans;
}

export function buildCatalogue(account: string, anchorMs: number): SimJob[] {
  // Ordered by creation (ties by id) when listed; the catalogue itself needs no order.
  const dayStart = anchorMs - (anchorMs % DAY);
  return schedule().map((plan) => {
    const createdMs = (plan.dayAligned ? dayStart : anchorMs) - plan.agoMs;
    const program = PROGRAMS[hashString(`${account}|${createdMs}`) % PROGRAMS.length]!;
    const status = plan.status ?? 'COMPLETED';
    const replayable = plan.type === 'DownloadReport' || plan.type === 'ApiReport' || plan.type === 'ClickExport';
    const job: SimJob = {
      id: jobUuid(account, createdMs, plan.type),
      type: plan.type,
      programId: plan.type === 'ClickExport' || plan.type === 'UploadAds' ? program.id : undefined,
      createdBy: account,
      createdMs,
      replayable,
      refuseReplay: plan.refuseReplay ?? false,
      statusMessage: plan.message,
      touches: 0,
      touchesToRunning: 0,
      touchesToCompleted: status === 'RUNNING' ? 2 : 0,
      finalisingDownloads: plan.finalisingDownloads ?? 0,
      startedMs: createdMs + 60_000,
      replays: 0,
      result: resultFor(plan.type, createdMs, plan.format),
    };
    if (status === 'COMPLETED') {
      job.finalStatus = 'COMPLETED';
      job.completedMs = createdMs + 4 * 60_000;
    } else if (status === 'FAILED') {
      job.finalStatus = 'FAILED';
      job.failedMs = createdMs + 9 * 60_000;
    } else if (status === 'CANCELLED') {
      job.finalStatus = 'CANCELLED';
      job.cancelledMs = createdMs + 2 * 60_000;
    }
    return job;
  });
}

/**
 * The only job of a sandbox that serves a file from disk (the `resultFile` option): a completed
 * DownloadReport whose id depends on the file name alone, so it is the same in every run.
 */
export function fileJob(account: string, createdMs: number, fileName: string): SimJob {
  return {
    id: jobUuid(account, 0, `file|${fileName}`),
    type: 'DownloadReport',
    createdBy: account,
    createdMs,
    replayable: false,
    refuseReplay: false,
    finalStatus: 'COMPLETED',
    touches: 0,
    touchesToRunning: 0,
    touchesToCompleted: 0,
    finalisingDownloads: 0,
    startedMs: createdMs + 60_000,
    completedMs: createdMs + 4 * 60_000,
    replays: 0,
  };
}

/** A job as the Partner Jobs API returns it (the seed's Job schema; unset dates left out). */
export function jobJson(job: SimJob, account: string, volume = 1): Record<string, unknown> {
  const status = jobStatus(job);
  const out: Record<string, unknown> = {
    Id: job.id,
    Type: job.type,
    CreatedBy: job.createdBy,
    CreatedDate: formatImpactDateTime(job.createdMs),
    Status: status,
    StatusMessage: job.statusMessage ?? '',
    RecordsProcessed: status === 'COMPLETED' ? expectedRowCount(job, account, volume) : 0,
    PercentageComplete: status === 'COMPLETED' ? 100 : status === 'RUNNING' ? 50 : 0,
    Replayable: job.replayable,
    ResultUri: `/Mediapartners/${account}/Jobs/${job.id}/Download`,
  };
  if (job.programId !== undefined) out.ProgramId = job.programId;
  const dates: [string, number | undefined][] = [
    ['StartedDate', status === 'QUEUED' ? undefined : job.startedMs],
    ['CompletedDate', status === 'COMPLETED' ? job.completedMs : undefined],
    ['FailedDate', job.failedMs],
    ['CancelledDate', job.cancelledMs],
    ['LastProgressUpdateDate', job.completedMs ?? job.failedMs ?? job.cancelledMs ?? job.startedMs],
  ];
  for (const [name, ms] of dates) if (ms !== undefined) out[name] = formatImpactDateTime(ms);
  return out;
}

function expectedRowCount(job: SimJob, account: string, volume: number): number {
  return job.result === undefined ? 0 : resultRows(account, job.result, volume).length;
}
