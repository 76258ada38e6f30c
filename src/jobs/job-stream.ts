/**
 * The vendor-neutral job engine, one stream's side: turns "launch job → poll → download → parse"
 * into a resumable record stream. Vendors supply an adapter (their endpoints and statuses), the
 * slices to run and how rows become records. The roles, one per file:
 * - the scheduler (scheduler.ts), shared by the streams of a sync: the vendor account's job slots,
 *   the jobs in flight, one status observer per adapter, a few result readers;
 * - the job tracker (job-tracker.ts): this stream's state, the slots its jobs hold;
 * - the slice runner (slice-runner.ts): launch, poll, relaunch, time out one slice's job;
 * - the result reader (result-reader.ts): download, parse, skip rows already emitted;
 * - this orchestrator: which slice gets a slot and a job when, in slice order, and how the
 *   stream ends (done, failed, interrupted, or stopped by the day's request quota).
 *
 * Ordering and state: a stream's slices are read strictly in the order planned, so each
 * partition's cursor stays exact. Its next slice waits in line for one of the account's slots; the
 * slices behind it get jobs only while slots are free and no other stream waits, so streams share
 * the slots fairly while the vendor runs their jobs side by side. Every launch is followed by a
 * `state` event carrying the job id, before any polling, so a restarted sync adopts the job instead
 * of launching a duplicate. `emitted` counts the result rows of a job already yielded; a resumed or
 * re-downloaded job skips that many rows.
 */
import { ConfigError, TransientError } from '../core/errors.js';
import type { EncodedRecords, ReadRequest, Row, Stream, StreamEvent, StreamInfo } from '../core/source.js';
import { parseResult, parseResultBatches, type CellBatch } from '../formats/index.js';
import type { ParseOptions, RawRow, ResultBody } from '../formats/types.js';
import { RequestBudgetExhausted } from '../http/request-budget.js';
import { JobTracker, type SliceRun } from './job-tracker.js';
import { ResultReader, type RecordContext } from './result-reader.js';
import { JobScheduler } from './scheduler.js';
import { SliceRunner } from './slice-runner.js';
import { cloneState, readJobStreamState } from './state.js';
import { StreamProgress } from './stream-progress.js';
import type { JobAdapter, JobSlice, JobStreamState, LaunchBudget } from './types.js';

export type { RecordContext } from './result-reader.js';

export interface JobEngineSettings {
  /** Jobs launched ahead and in flight at once (≥1); with a shared scheduler, its slots decide. */
  maxConcurrentJobs: number;
  /** First poll delay. */
  pollIntervalMs: number;
  /** Backoff cap (the poll delay grows ×1.5 with jitter). */
  maxPollIntervalMs: number;
  /** From launch; Addepar's own limit is 4 h. */
  jobTimeoutMs: number;
  /** Launches per slice on timeout/transient failure before failing with transient_error. */
  maxAttempts: number;
  /** Re-downloads of a result after a truncated/reset body. */
  downloadRetries: number;
  /** Results older than this (from launchedAt) are treated as expired → relaunch. */
  resultRetentionMs?: number;
  /**
   * Download each result completely to a temporary file before parsing it, so the download does
   * not wait on the destination (vendors that cancel long requests). XLSX is spooled by its reader.
   */
  spoolDownloads?: boolean;
  /** A daily request quota: no job is launched that the rest of the day's requests cannot finish. */
  launchBudget?: LaunchBudget;
  /**
   * Real ms a poll round must wait after the previous one, given how many jobs are in flight
   * (a round may observe them all). 0 when the request budget has room. Default: no pacing.
   * Used when the stream has no shared scheduler (the scheduler's own pace applies otherwise).
   */
  pollPaceMs?: (inflight: number) => number;
  /** Text results that are not valid UTF-8 and declare no charset: read as Windows-1252 (default) or refused. */
  onInvalidUtf8?: 'windows-1252' | 'fail';
  /**
   * When the sync is interrupted (SIGTERM/SIGINT), cancel the jobs this sync launched. Default
   * false: they keep running and stay in state, so the next sync adopts them (an Addepar job may
   * have run for hours). Jobs that outlive the job timeout are cancelled either way.
   */
  cancelOnStop?: boolean;
}

export interface JobStreamOptions<P> {
  /** name, schema, keys, cursor. */
  info: StreamInfo;
  adapter: JobAdapter<P>;
  planSlices(previous: JobStreamState | undefined): JobSlice<P>[] | Promise<JobSlice<P>[]>;
  toRecords(rows: RawRow[], slice: JobSlice<P>, ctx: RecordContext): Row[];
  /**
   * The fast path of CSV/TSV/JSON results, used when the front end writes encoded records as they are:
   * the rows of a batch of cells written as JSON records straight from the file's bytes — exactly
   * the records toRecords would give for the same rows — or undefined to have them go through
   * toRecords after all.
   */
  toEncodedRecords?(runs: readonly CellBatch[], slice: JobSlice<P>, ctx: RecordContext): EncodedRecords | undefined;
  /** Default: parseResult from src/formats/index.js (and no fast path when given). */
  parse?(body: ResultBody, options: ParseOptions): AsyncIterable<RawRow[]>;
  engine: JobEngineSettings;
  /**
   * The vendor account's scheduler, shared by every stream of the sync (slots, polls, readers).
   * Default: one of the stream's own, with `engine.maxConcurrentJobs` slots.
   */
  scheduler?: JobScheduler;
  /**
   * The planned slices are alike in size (e.g. one account over one month each), so the rows of
   * the slices read so far, per slice, times the slices planned estimate the stream's rows this
   * sync: an `estimate` event follows completed slices. Leave it off when slice sizes vary widely
   * (e.g. one slice per existing vendor job): such an estimate would mislead.
   */
  estimateRows?: boolean;
}

/** An estimate is repeated only when it moved by at least this share, or is the final (exact) one. */
const ESTIMATE_CHANGE = 0.01;

export function createJobStream<P>(options: JobStreamOptions<P>): Stream {
  const settings = validateSettings(options.engine);
  const parse = options.parse ?? parseResult;
  const name = options.info.name;
  const scheduler =
    options.scheduler ?? new JobScheduler({ maxConcurrentJobs: settings.maxConcurrentJobs, ...(settings.pollPaceMs ? { pollPaceMs: settings.pollPaceMs } : {}) });
  let tracker: JobTracker<P> | undefined;

  async function* read(request: ReadRequest): AsyncGenerator<StreamEvent> {
    // Created before planning's first await: the streams the read loop starts together all join
    // the sync's slice count before any of them has planned, so its total is never reported short.
    const progress = new StreamProgress(name, request.logger, scheduler.slices);
    const leave = scheduler.enter();
    let ok = false;
    try {
      yield* readSlices(request, progress);
      ok = true;
    } finally {
      progress.finish(ok);
      leave();
    }
  }

  async function* readSlices(request: ReadRequest, progress: StreamProgress): AsyncGenerator<StreamEvent> {
    const { logger, signal } = request;
    const previous = readJobStreamState(request.state, logger);
    const track = new JobTracker(name, options.adapter, scheduler, previous);
    tracker = track;
    const slices = await options.planSlices(previous ? cloneState(previous) : undefined);
    const runs = track.planRuns(slices, previous, logger);
    progress.planned(runs.length);
    let lastEstimate: number | undefined;
    /** The stream's estimated rows when worth saying: the first, the final (exact) one, or one that moved. */
    const rowEstimate = (final: boolean): number | undefined => {
      const rows = options.estimateRows === true ? progress.rowEstimate() : undefined;
      if (rows === undefined || rows === lastEstimate) return undefined;
      const moved = lastEstimate === undefined || Math.abs(rows - lastEstimate) >= ESTIMATE_CHANGE * lastEstimate;
      if (!moved && !final) return undefined;
      lastEstimate = rows;
      return rows;
    };
    const toEncodedRecords = options.toEncodedRecords;
    const encoded =
      request.encodedRecords === true && toEncodedRecords !== undefined && options.parse === undefined
        ? { parse: parseResultBatches, toEncodedRecords: (runs: readonly CellBatch[], slice: JobSlice<P>, ctx: RecordContext) => toEncodedRecords(runs, slice, ctx) }
        : undefined;
    const reader = new ResultReader<P>(
      {
        name,
        logger,
        parse,
        toRecords: options.toRecords,
        ...(encoded === undefined ? {} : { encoded }),
        spool: settings.spoolDownloads === true,
        onInvalidUtf8: settings.onInvalidUtf8 ?? 'windows-1252',
      },
      track,
    );
    const runner = new SliceRunner<P>({
      name,
      adapter: options.adapter,
      settings,
      tracker: track,
      observer: scheduler.observer(options.adapter),
      scheduler,
      reader,
      progress,
      logger,
      signal,
    });
    const lookahead = Math.min(settings.maxConcurrentJobs, scheduler.slots.capacity);
    const progressNote = (): string => `${track.completed} of ${runs.length} jobs of stream ${name} done this sync`;

    /** Set when the daily quota cannot carry another job: nothing more is launched this sync. */
    let quotaStop: { quota: string; left: number } | undefined;
    const launchAllowed = (): boolean => {
      const gate = settings.launchBudget;
      if (quotaStop !== undefined) return false;
      if (gate === undefined) return true;
      // Every stream of the account spends the same quota: reserve for all of their jobs in flight.
      const inflight = scheduler.inflightCount();
      const left = gate.available();
      if (left >= inflight * gate.requestsPerInflightJob + gate.requestsPerJob) return true;
      quotaStop = { quota: gate.describe(), left };
      logger.warn(
        `${name}: ${quotaStop.quota} is nearly used up (${left} request(s) left, not enough for another job besides the ${inflight} in flight); launching no more jobs this sync`,
      );
      return false;
    };

    /** A stopped sync leaves its jobs running (in state for the next sync), or cancels them when configured. */
    const leaveOrCancelOnStop = async (): Promise<void> => {
      const unfinished = track.inflightJobIds().filter((id) => track.launchedHere.has(id));
      if (settings.cancelOnStop === true) {
        for (const id of unfinished) await runner.cancel(id);
      } else if (unfinished.length > 0) {
        logger.info(`${name}: leaving ${unfinished.length} job(s) running on the vendor; they are in the state, and the next sync reads them`);
      }
    };

    /** Gives the slice a job (adopted, recovered or launched) once it holds a slot; false when the quota says no. */
    const startSlice = async function* (run: SliceRun<P>): AsyncGenerator<StreamEvent, boolean> {
      if (await runner.recoverLaunch(run)) {
        yield track.snapshot();
        return true;
      }
      if (track.job(run.slice.key) !== undefined) return true;
      if (run.slice.adoptJobId !== undefined) {
        track.setJob(run.slice.key, { jobId: run.slice.adoptJobId, launchedAt: new Date().toISOString(), emitted: 0 });
        run.firstStartedAt ??= Date.now();
        logger.info(`${name}: reading existing job ${run.slice.adoptJobId} for slice ${run.slice.key}`);
      } else {
        if (!launchAllowed()) return false;
        run.attempts++;
        yield* runner.launch(run, '');
      }
      yield track.snapshot();
      return true;
    };

    try {
      for (let head = 0; head < runs.length; head++) {
        // The next slice waits its turn for a slot; the ones behind it get ahead while slots are free.
        for (let i = head; i < Math.min(runs.length, head + lookahead); i++) {
          const run = runs[i]!;
          if (!(await track.takeSlot(run.slice.key, i === head, signal))) break;
          if (!(yield* startSlice(run))) {
            track.releaseSlot(run.slice.key);
            break;
          }
        }
        const run = runs[head]!;
        if (track.job(run.slice.key) === undefined && quotaStop !== undefined) {
          throw new TransientError(`${quotaStop.quota} is used up: ${progressNote()} (${quotaStop.left} request(s) were left, too few for another job); the next sync continues from here.`);
        }
        yield* runner.run(run);
        track.finish(run.slice);
        progress.sliceDone();
        yield track.snapshot();
        const estimate = rowEstimate(head === runs.length - 1);
        if (estimate !== undefined) yield { type: 'estimate', rowEstimate: estimate };
      }
    } catch (caught) {
      // A request the day's budget could not carry: say how far this stream got.
      const err = caught instanceof RequestBudgetExhausted && !signal.aborted ? new TransientError(`${caught.message} (${progressNote()}.)`, { cause: caught }) : caught;
      if (!signal.aborted) {
        // This stream ends; the others go on while its jobs still run on the vendor.
        track.handOverRunningJobs((job, release) =>
          scheduler.watchUntilSettled(options.adapter, job.jobId, release, {
            pollMs: settings.maxPollIntervalMs,
            untilMs: Date.parse(job.launchedAt) + settings.jobTimeoutMs,
            signal,
            logger,
          }),
        );
      }
      throw err;
    } finally {
      // Also when the read loop closes this stream without an error reaching it (a stop that
      // came while the stream waited for stdout to drain): a stop is handled either way.
      if (signal.aborted) await leaveOrCancelOnStop();
      track.close();
    }
  }

  return {
    ...options.info,
    read,
    checkpoint: () => cloneState(tracker?.state ?? { partitions: {}, inflight: {} }),
  };
}

function validateSettings(s: JobEngineSettings): JobEngineSettings {
  const positive = (key: keyof JobEngineSettings, min: number): void => {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new ConfigError(`Job engine setting ${key} must be a number ≥ ${min}, got ${String(v)}`);
  };
  positive('maxConcurrentJobs', 1);
  positive('pollIntervalMs', 1);
  positive('maxPollIntervalMs', 1);
  positive('jobTimeoutMs', 1);
  positive('maxAttempts', 1);
  positive('downloadRetries', 0);
  if (s.resultRetentionMs !== undefined) positive('resultRetentionMs', 1);
  return { ...s, maxConcurrentJobs: Math.floor(s.maxConcurrentJobs), maxPollIntervalMs: Math.max(s.pollIntervalMs, s.maxPollIntervalMs) };
}
