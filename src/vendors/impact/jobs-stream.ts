/**
 * The `jobs` stream: every partner job, incremental on CreatedDate.
 *
 * State (bounded, plain JSON):
 * - `cursor`: position ("<CreatedDate as UTC ISO>|<Id>") of the last job emitted; jobs at or before
 *   it are not emitted again, so jobs created in the same second as the cursor are told apart by id.
 * - `open_jobs`: jobs emitted while still QUEUED or RUNNING, with the status they had. A later sync
 *   re-lists their days and emits them again once their status changed, so the destination sees
 *   them finish. Entries older than OPEN_JOB_MAX_AGE_DAYS are dropped (with a log line).
 */
import type { Logger } from '../../core/logger.js';
import type { ReadRequest, Row, Stream, StreamEvent, StreamState } from '../../core/source.js';
import type { ImpactApi } from './api.js';
import type { ImpactSettings } from './config.js';
import { isFinal, jobPosition, type ImpactJob } from './job-record.js';
import { listJobWindows, todayUtc } from './job-listing.js';
import { loadImpactSchema } from './schemas.js';

export const OPEN_JOB_MAX_AGE_DAYS = 30;

export interface OpenJob {
  status: string;
  created: string;
}

export interface JobsStreamState {
  cursor?: string;
  open_jobs?: Record<string, OpenJob>;
}

function readState(raw: StreamState | undefined, logger: Logger): JobsStreamState {
  if (raw === undefined) return {};
  const out: JobsStreamState = {};
  if (typeof raw.cursor === 'string' && /^\d{4}-\d{2}-\d{2}T[^|]+\|.+$/.test(raw.cursor)) out.cursor = raw.cursor;
  else if (raw.cursor !== undefined) logger.warn('jobs: ignoring an unreadable cursor in state; reading from start_date');
  if (raw.open_jobs !== null && typeof raw.open_jobs === 'object' && !Array.isArray(raw.open_jobs)) {
    out.open_jobs = {};
    for (const [id, v] of Object.entries(raw.open_jobs as Record<string, unknown>)) {
      const entry = v as Partial<OpenJob> | null;
      if (entry && typeof entry.status === 'string' && typeof entry.created === 'string' && !Number.isNaN(Date.parse(entry.created))) {
        out.open_jobs[id] = { status: entry.status, created: entry.created };
      }
    }
  }
  return out;
}

/** Where listing starts: the cursor's day or the oldest open job's day, never before start_date. */
export function listingStart(state: JobsStreamState, startDate: string): string {
  const days = [state.cursor?.slice(0, 10), ...Object.values(state.open_jobs ?? {}).map((o) => o.created.slice(0, 10))].filter(
    (d): d is string => d !== undefined,
  );
  if (days.length === 0) return startDate;
  const earliest = days.sort()[0]!;
  return earliest < startDate ? startDate : earliest;
}

/**
 * Decides which listed jobs to emit and how the state moves. Pure: the stream feeds it one window
 * of jobs at a time (in creation order) and emits what it returns.
 */
export function selectJobs(state: JobsStreamState, jobs: ImpactJob[]): { emit: ImpactJob[]; state: JobsStreamState } {
  let cursor = state.cursor;
  const open = { ...state.open_jobs };
  const emit: ImpactJob[] = [];
  for (const job of jobs) {
    const position = jobPosition(job);
    const tracked = open[job.id];
    if (cursor === undefined || position > cursor) {
      emit.push(job);
      cursor = position;
    } else if (tracked !== undefined && tracked.status !== job.status) {
      emit.push(job);
    } else {
      continue;
    }
    if (isFinal(job.status)) delete open[job.id];
    else open[job.id] = { status: job.status, created: new Date(job.createdMs).toISOString() };
  }
  return { emit, state: { cursor, open_jobs: open } };
}

export function createJobsStream(api: ImpactApi, settings: ImpactSettings): Stream {
  let current: JobsStreamState = {};
  async function* read(request: ReadRequest): AsyncGenerator<StreamEvent> {
    const { logger, signal } = request;
    let state = readState(request.state, logger);
    const now = Date.now();
    const open = { ...state.open_jobs };
    for (const [id, o] of Object.entries(open)) {
      if (now - Date.parse(o.created) > OPEN_JOB_MAX_AGE_DAYS * 86_400_000) {
        logger.warn(`jobs: no longer following job ${id}, still ${o.status} ${OPEN_JOB_MAX_AGE_DAYS}+ days after it was created`);
        delete open[id];
      }
    }
    state = { ...state, open_jobs: open };
    current = state;
    const start = listingStart(state, settings.startDate);
    const end = todayUtc(now);
    const listedOpen = new Set<string>();
    let emitted = 0;
    for await (const { window, jobs } of listJobWindows(api, start, end, signal)) {
      for (const j of jobs) if (state.open_jobs?.[j.id]) listedOpen.add(j.id);
      const step = selectJobs(state, jobs);
      state = step.state;
      current = state;
      if (step.emit.length > 0) {
        emitted += step.emit.length;
        yield { type: 'records', records: step.emit.map((j): Row => j.record) };
      }
      logger.debug(`jobs: ${window.start}..${window.end}: ${jobs.length} listed, ${step.emit.length} emitted`);
      yield { type: 'state', state: { ...state } };
    }
    // The listing started at the oldest open job's day, so an open job it did not show is gone.
    const remaining = { ...state.open_jobs };
    for (const id of Object.keys(remaining)) {
      if (!listedOpen.has(id) && state.open_jobs?.[id] !== undefined && open[id] !== undefined) delete remaining[id];
    }
    state = { ...state, open_jobs: remaining };
    current = state;
    logger.info(`jobs: emitted ${emitted} job record(s) from ${start} to ${end}`);
    yield { type: 'state', state: { ...state } };
  }

  return {
    name: 'jobs',
    jsonSchema: loadImpactSchema('jobs'),
    supportedSyncModes: ['full_refresh', 'incremental'],
    sourceDefinedCursor: true,
    defaultCursorField: ['CreatedDate'],
    sourceDefinedPrimaryKey: [['Id']],
    // Incremental by CreatedDate, and a full refresh checkpoints per listed window too: an
    // interrupted one resumes from its last window (the core passes no state once it completed).
    isResumable: true,
    // StatusMessage is impact.com's own text, which may quote the request (and its credentials).
    carriesVendorText: true,
    read,
    checkpoint: () => ({ ...current }),
  };
}
