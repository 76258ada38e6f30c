/**
 * The `job_results` stream: the result files of the partner's jobs, one slice per job, run by the
 * vendor-neutral job engine (poll → download → parse) with the job adopted rather than launched.
 *
 * Order and state: jobs are planned in creation order ((CreatedDate, Id)); the engine completes
 * slices in plan order and moves the single partition's cursor to the job's position, so the state
 * is one position string (plus the engine's in-flight job, if a sync stopped mid-file). A job at or
 * before the cursor was fully read and is never read again.
 *
 * What is read: jobs of the configured types that are COMPLETED (result within the 90-day
 * retention), or still QUEUED/RUNNING (the engine polls them to completion). FAILED, ERROR and
 * CANCELLED jobs, and results past retention, are replayed when `replay` is on and the job is
 * replayable; otherwise they are skipped with a log line (their slice completes empty, so the
 * cursor moves past them and they are not reconsidered).
 */
import type { Logger } from '../../core/logger.js';
import type { Row, Stream } from '../../core/source.js';
import type { RequestBudget } from '../../http/request-budget.js';
import { createJobStream, type JobEngineSettings } from '../../jobs/job-stream.js';
import type { JobScheduler } from '../../jobs/scheduler.js';
import type { JobSlice, JobStreamState } from '../../jobs/types.js';
import { ImpactJobAdapter, type ImpactJobParams } from './adapter.js';
import type { ImpactApi } from './api.js';
import type { ImpactSettings } from './config.js';
import { jobPosition, type ImpactJob } from './job-record.js';
import { listJobWindows, todayUtc } from './job-listing.js';
import { FileRowTyper, type EnvelopeFields } from './result-typing.js';
import { loadImpactSchema } from './schemas.js';

export const RESULT_RETENTION_MS = 90 * 86_400_000;
const PARTITION = 'jobs';

/** What a job_results slice carries besides the engine's params: the job's envelope fields. */
export interface ResultJobMeta {
  jobId: string;
  jobType: string;
  programId: string | null;
  createdDate: string;
}

export type ResultSliceParams = ImpactJobParams & { meta: ResultJobMeta };

export type PlanDecision =
  | { action: 'adopt' }
  | { action: 'replay'; why: string }
  | { action: 'skip'; why: string };

/** What to do with one listed job (pure; `now` injectable for tests). */
export function decide(job: ImpactJob, settings: Pick<ImpactSettings, 'replay'>, now: number = Date.now()): PlanDecision {
  const canReplay = settings.replay && job.replayable;
  switch (job.status) {
    case 'QUEUED':
    case 'RUNNING':
      return { action: 'adopt' };
    case 'COMPLETED': {
      const completed = job.completedMs ?? job.createdMs;
      if (now - completed <= RESULT_RETENTION_MS) return { action: 'adopt' };
      const why = `its result (completed ${new Date(completed).toISOString().slice(0, 10)}) is older than the 90 days impact.com keeps results`;
      return canReplay ? { action: 'replay', why } : { action: 'skip', why };
    }
    case 'FAILED':
    case 'ERROR':
    case 'CANCELLED': {
      const why = `it is ${job.status} and has no result`;
      if (canReplay) return { action: 'replay', why };
      return { action: 'skip', why: `${why}${settings.replay ? ' (its type is not replayable)' : ' (replay is off)'}` };
    }
    default:
      return { action: 'skip', why: `its status ${JSON.stringify(job.status)} is unknown to jobtap` };
  }
}

/** What every record of a job's result carries besides the row: the job. */
function envelopeFields(meta: ResultJobMeta): EnvelopeFields {
  return [
    ['job_id', meta.jobId],
    ['job_type', meta.jobType],
    ['program_id', meta.programId],
    ['job_created_date', meta.createdDate],
  ];
}

export function createJobResultsStream(api: ImpactApi, settings: ImpactSettings, logger: Logger, scheduler?: JobScheduler): Stream {
  const adapter = new ImpactJobAdapter(api, { replay: settings.replay, streamName: 'job_results', logger });
  const typers = new Map<string, FileRowTyper>();
  /** One typer per result file (the job's): its schema is inferred from the file's first rows. */
  const typerFor = (meta: ResultJobMeta, jobId: string): FileRowTyper => {
    let typer = typers.get(jobId);
    if (typer === undefined) {
      typers.clear();
      typer = new FileRowTyper(`job ${jobId} (${meta.jobType}) result`, settings.onCastError);
      typers.set(jobId, typer);
    }
    return typer;
  };
  /** The current read's signal: planning lists jobs and must stop when the sync is interrupted. */
  let readSignal: AbortSignal | undefined;

  async function planSlices(previous: JobStreamState | undefined): Promise<JobSlice<ResultSliceParams>[]> {
    const cursor = previous?.partitions[PARTITION]?.cursor;
    const start = cursor !== undefined && cursor.slice(0, 10) > settings.startDate ? cursor.slice(0, 10) : settings.startDate;
    const slices: JobSlice<ResultSliceParams>[] = [];
    const now = Date.now();
    const counts = { adopt: 0, replay: 0, skip: 0, otherTypes: 0 };
    const signal = readSignal ?? new AbortController().signal;
    for await (const { jobs } of listJobWindows(api, start, todayUtc(now), signal)) {
      for (const job of jobs) {
        const position = jobPosition(job);
        if (cursor !== undefined && position <= cursor) continue;
        if (!(settings.jobTypes as ReadonlySet<string>).has(job.type)) {
          counts.otherTypes++;
          continue;
        }
        const decision = decide(job, settings, now);
        const meta: ResultJobMeta = { jobId: job.id, jobType: job.type, programId: job.programId ?? null, createdDate: job.createdDate };
        const base = { key: `job=${job.id}`, partition: PARTITION, cursor: position, parse: { format: 'auto' as const } };
        const params: ResultSliceParams = { kind: 'existing', jobId: job.id, replayable: job.replayable, meta };
        counts[decision.action]++;
        if (decision.action === 'adopt') slices.push({ ...base, params, adoptJobId: job.id });
        else if (decision.action === 'replay') slices.push({ ...base, params: { ...params, why: decision.why } });
        else {
          // Still a slice: it completes empty without a request, and the cursor moves past the job.
          adapter.skipWithoutReading(job.id, decision.why);
          slices.push({ ...base, params, adoptJobId: job.id });
        }
      }
    }
    logger.info(
      `job_results: ${counts.adopt} job(s) to read, ${counts.replay} to replay, ${counts.skip} skipped, ${counts.otherTypes} of other types, since ${start}`,
    );
    return slices;
  }

  const stream = createJobStream<ResultSliceParams>({
    info: {
      name: 'job_results',
      jsonSchema: loadImpactSchema('job_results'),
      supportedSyncModes: ['full_refresh', 'incremental'],
      sourceDefinedCursor: true,
      defaultCursorField: ['job_created_date'],
      sourceDefinedPrimaryKey: [['job_id'], ['row_number']],
      isResumable: true,
    },
    adapter,
    planSlices,
    toRecords(rows, slice, ctx) {
      const typer = typerFor(slice.params.meta, ctx.jobId);
      const records = typer.toRecords(rows, ctx.firstRowNumber, envelopeFields(slice.params.meta));
      typer.reportCastFailures(logger);
      return records;
    },
    toEncodedRecords(runs, slice, ctx) {
      const typer = typerFor(slice.params.meta, ctx.jobId);
      const records = typer.encode(runs, ctx.firstRowNumber, envelopeFields(slice.params.meta));
      typer.reportCastFailures(logger);
      return records;
    },
    engine: engineSettings(settings, api.budget),
    ...(scheduler === undefined ? {} : { scheduler }),
  });
  return {
    ...stream,
    read: (request) => {
      readSignal = request.signal;
      return stream.read(request);
    },
  };
}

export function engineSettings(settings: ImpactSettings, budget: RequestBudget): JobEngineSettings {
  return {
    maxConcurrentJobs: settings.maxConcurrentDownloads,
    pollIntervalMs: settings.pollIntervalMs,
    maxPollIntervalMs: settings.pollIntervalMs * 8,
    jobTimeoutMs: settings.jobTimeoutMs,
    maxAttempts: 3,
    downloadRetries: 3,
    pollPaceMs: (inflight) => budget.pollPaceMs(inflight),
    onInvalidUtf8: settings.onInvalidUtf8,
  };
}
