/**
 * The vendor-neutral job engine: turns "launch job → poll → download → parse" into a resumable
 * record stream. Vendors supply an adapter (their endpoints and statuses), the slices to run
 * and how rows become records; the engine owns ordering, concurrency, timeouts, relaunches,
 * download retries and the state that lets a killed sync continue the same jobs.
 *
 * Ordering and state: slices are processed strictly in the order planned. Up to
 * maxConcurrentJobs slices are launched ahead (the vendor runs them while we wait for the head);
 * every launch is followed by a `state` event carrying the job id, before any polling, so a
 * restarted sync adopts the job instead of launching a duplicate. `emitted` counts the result rows
 * of the current job already yielded; a resumed or re-downloaded job skips that many rows.
 */
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import { ConfigError, ConnectorError, SystemError, TransientError, messageOf } from '../core/errors.js';
import { RequestBudgetExhausted } from '../http/request-budget.js';
import type { Logger } from '../core/logger.js';
import type { ReadRequest, Row, Stream, StreamEvent, StreamInfo } from '../core/source.js';
import { parseResult } from '../formats/index.js';
import type { ParseOptions, RawRow, ResultBody } from '../formats/types.js';
import { JobObserver } from './job-observer.js';
import { PollBackoff } from './poll-backoff.js';
import { nextPollDelayMs } from './poll-cadence.js';
import { JobProgress } from './progress.js';
import { spoolBody } from './spool.js';
import { cloneState, readJobStreamState } from './state.js';
import type { InflightJob, JobAdapter, JobSlice, JobState, JobStatus, JobStreamState, LaunchBudget } from './types.js';

export interface JobEngineSettings {
  /** Jobs launched ahead and running at once (≥1). */
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
   */
  pollPaceMs?: (inflight: number) => number;
}

export interface RecordContext {
  jobId: string;
  /** 1-based number, within the job's result, of the first row of the batch (header not counted). */
  firstRowNumber: number;
}

export interface JobStreamOptions<P> {
  /** name, schema, keys, cursor. */
  info: StreamInfo;
  adapter: JobAdapter<P>;
  planSlices(previous: JobStreamState | undefined): JobSlice<P>[] | Promise<JobSlice<P>[]>;
  toRecords(rows: RawRow[], slice: JobSlice<P>, ctx: RecordContext): Row[];
  /** Default: parseResult from src/formats/index.js. */
  parse?(body: ResultBody, options: ParseOptions): AsyncIterable<RawRow[]>;
  engine: JobEngineSettings;
}

/** Launch requests per slice when a failed launch is confirmed (through findLaunched) to have made no job. */
const LAUNCH_ATTEMPTS = 4;

const KNOWN_STATES = new Set<JobState>(['pending', 'running', 'completed', 'failed', 'cancelled', 'expired']);


/** True when the error, or any error it wraps, says that trying again may work. */
function isTransientFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof ConnectorError && e.failureType === 'transient_error') return true;
    e = e.cause;
  }
  return false;
}

/** Counts bytes flowing from the download to the parser, for progress lines. */
function countingStream(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

/** Per-slice bookkeeping of one read. */
interface SliceRun<P> {
  slice: JobSlice<P>;
  /** Launches of this slice by this read (resumed or adopted jobs are not counted); bounded by maxAttempts. */
  attempts: number;
  /** When this read first launched or adopted the slice; bounds capacity refusals. */
  firstStartedAt?: number;
}

export function createJobStream<P>(options: JobStreamOptions<P>): Stream {
  const settings = validateSettings(options.engine);
  const parse = options.parse ?? parseResult;
  let current: JobStreamState = { partitions: {}, inflight: {} };

  async function* read(request: ReadRequest): AsyncGenerator<StreamEvent> {
    const { logger, signal } = request;
    const previous = readJobStreamState(request.state, logger);
    current = { ...(previous ? cloneState(previous) : {}), partitions: { ...previous?.partitions }, inflight: {} };
    delete current.launching;
    const slices = await options.planSlices(previous ? cloneState(previous) : undefined);
    const runs = planRuns(slices, previous, logger);
    const launchedHere = new Set<string>();
    const snapshot = (): StreamEvent => ({ type: 'state', state: cloneState(current) });
    const inflightIds = (): string[] => Object.values(current.inflight).map((j) => j.jobId);
    const observer = new JobObserver(options.adapter, inflightIds, () => settings.pollPaceMs?.(inflightIds().length) ?? 0);
    let completedHere = 0;
    /** Set when the daily quota cannot carry another job: nothing more is launched this sync. */
    let quotaStop: { quota: string; left: number } | undefined;
    const progressNote = (): string => `${completedHere} of ${runs.length} jobs of stream ${options.info.name} done this sync`;
    const launchAllowed = (): boolean => {
      const gate = settings.launchBudget;
      if (quotaStop !== undefined) return false;
      if (gate === undefined) return true;
      const inflight = Object.keys(current.inflight).length;
      const left = gate.available();
      if (left >= inflight * gate.requestsPerInflightJob + gate.requestsPerJob) return true;
      quotaStop = { quota: gate.describe(), left };
      logger.warn(
        `${options.info.name}: ${quotaStop.quota} is nearly used up (${left} request(s) left, not enough for another job besides the ${inflight} in flight); launching no more jobs this sync`,
      );
      return false;
    };
    /**
     * Launches the slice's job and records it in `inflight`; the caller yields the state next.
     * With an adapter that can find launched jobs, a launch mark is yielded first, so that a crash
     * before the job id reaches state leaves a mark the next sync resolves with findLaunched.
     */
    const launch = async function* (run: SliceRun<P>, why: string): AsyncGenerator<StreamEvent> {
      const key = run.slice.key;
      if (options.adapter.findLaunched) {
        current.launching = { ...current.launching, [key]: new Date().toISOString() };
        yield snapshot();
      }
      let jobId: string | undefined;
      for (let attempt = 1; jobId === undefined; attempt++) {
        try {
          ({ jobId } = await options.adapter.launch(run.slice.params, signal));
        } catch (err) {
          // The request may have created the job even though its answer was lost (a reset, a
          // timeout or a 5xx after the vendor accepted it): look before launching again.
          const since = current.launching?.[key];
          if (signal.aborted || !isTransientFailure(err) || since === undefined || !options.adapter.findLaunched) throw err;
          let found: { jobId: string } | undefined;
          try {
            found = await options.adapter.findLaunched(run.slice.params, since, signal);
          } catch (lookupErr) {
            // The launch mark stays in state, so the next sync looks again before launching.
            logger.warn(`${options.info.name}: could not look for the job of slice ${key} after a failed launch: ${messageOf(lookupErr)}`);
            throw err;
          }
          if (found !== undefined) {
            logger.warn(`${options.info.name}: launch of slice ${key} reported ${messageOf(err)}, but the vendor has job ${found.jobId} for it; using that job`);
            jobId = found.jobId;
            break;
          }
          // No job was made: launching again cannot duplicate one.
          if (attempt >= LAUNCH_ATTEMPTS) throw err;
          const delay = Math.min(settings.maxPollIntervalMs, settings.pollIntervalMs * 2 ** attempt);
          logger.warn(`${options.info.name}: launch of slice ${key} failed (${messageOf(err)}) and the vendor has no job for it; launching again in ${delay} ms (${attempt}/${LAUNCH_ATTEMPTS - 1})`);
          await sleepFor(delay, signal);
        }
      }
      launchedHere.add(jobId);
      run.firstStartedAt ??= Date.now();
      current.inflight[key] = { jobId, launchedAt: new Date().toISOString(), emitted: 0 };
      clearLaunchMark(key);
      logger.info(`${options.info.name}: launched job ${jobId} for slice ${key}${why}`);
    };

    /** Adopts the job a crashed sync launched for this slice but never recorded, if the vendor lists it. */
    const recoverLaunch = async (run: SliceRun<P>): Promise<boolean> => {
      const since = current.launching?.[run.slice.key];
      if (since === undefined || !options.adapter.findLaunched) return false;
      const found = await options.adapter.findLaunched(run.slice.params, since, signal);
      clearLaunchMark(run.slice.key);
      if (!found) {
        logger.info(`${options.info.name}: no job was launched for slice ${run.slice.key} before the interruption; launching one`);
        return false;
      }
      // Replaces a job the interrupted sync was relaunching, if any: the mark is newer.
      current.inflight[run.slice.key] = { jobId: found.jobId, launchedAt: found.launchedAt ?? since, emitted: 0 };
      run.firstStartedAt ??= Date.now();
      logger.info(`${options.info.name}: adopting job ${found.jobId} for slice ${run.slice.key}, launched by an interrupted sync`);
      return true;
    };

    try {
      for (let head = 0; head < runs.length; head++) {
        // Keep the launch window full: the vendor works on these while we wait for the head.
        for (let i = head; i < Math.min(runs.length, head + settings.maxConcurrentJobs); i++) {
          const run = runs[i]!;
          if (await recoverLaunch(run)) {
            yield snapshot();
            continue;
          }
          if (current.inflight[run.slice.key] !== undefined) continue;
          if (run.slice.adoptJobId !== undefined) {
            current.inflight[run.slice.key] = { jobId: run.slice.adoptJobId, launchedAt: new Date().toISOString(), emitted: 0 };
            run.firstStartedAt ??= Date.now();
            logger.info(`${options.info.name}: reading existing job ${run.slice.adoptJobId} for slice ${run.slice.key}`);
          } else {
            if (!launchAllowed()) break;
            run.attempts++;
            yield* launch(run, '');
          }
          yield snapshot();
        }
        if (current.inflight[runs[head]!.slice.key] === undefined && quotaStop !== undefined) {
          throw new TransientError(`${quotaStop.quota} is used up: ${progressNote()} (${quotaStop.left} request(s) were left, too few for another job); the next sync continues from here.`);
        }
        yield* runSlice(runs[head]!, request, launch, snapshot, observer);
        const { slice } = runs[head]!;
        current.partitions[slice.partition] = { cursor: slice.cursor };
        observer.forget(current.inflight[slice.key]!.jobId);
        delete current.inflight[slice.key];
        completedHere++;
        yield snapshot();
      }
    } catch (caught) {
      // A request the day's budget could not carry: say how far this stream got.
      const err = caught instanceof RequestBudgetExhausted && !signal.aborted ? new TransientError(`${caught.message} (${progressNote()}.)`, { cause: caught }) : caught;
      if (signal.aborted) {
        // Jobs this run launched and did not finish would otherwise keep the vendor busy; jobs
        // adopted from state are left alone (another attempt may still want them).
        const unfinished = Object.values(current.inflight).map((j) => j.jobId).filter((id) => launchedHere.has(id));
        for (const id of unfinished) await cancelJob(id, logger);
      }
      throw err;
    }
  }

  function clearLaunchMark(key: string): void {
    if (current.launching === undefined) return;
    delete current.launching[key];
    if (Object.keys(current.launching).length === 0) delete current.launching;
  }

  async function cancelJob(jobId: string, logger: Logger): Promise<void> {
    if (!options.adapter.cancel) return;
    try {
      await options.adapter.cancel(jobId);
      logger.info(`${options.info.name}: cancelled job ${jobId}`);
    } catch (err) {
      logger.warn(`${options.info.name}: could not cancel job ${jobId}: ${messageOf(err)}`);
    }
  }

  /** Which planned slices resume a job from the previous state, and which previous jobs are dropped. */
  function planRuns(slices: JobSlice<P>[], previous: JobStreamState | undefined, logger: Logger): SliceRun<P>[] {
    const seen = new Set<string>();
    for (const s of slices) {
      if (seen.has(s.key)) throw new SystemError(`Stream ${options.info.name} planned slice ${s.key} twice`);
      seen.add(s.key);
    }
    for (const [key, job] of Object.entries(previous?.inflight ?? {})) {
      if (seen.has(key)) {
        current.inflight[key] = { ...job };
        logger.info(`${options.info.name}: resuming job ${job.jobId} for slice ${key} (${job.emitted} rows already emitted)`);
      } else {
        logger.info(`${options.info.name}: dropping job ${job.jobId} of slice ${key} from state: the slice is no longer planned`);
      }
    }
    for (const [key, since] of Object.entries(previous?.launching ?? {})) {
      // A mark stays in state until this sync resolves it (a crash before that must not lose it).
      if (seen.has(key)) current.launching = { ...current.launching, [key]: since };
      else logger.info(`${options.info.name}: dropping the launch mark of slice ${key}: the slice is no longer planned`);
    }
    return slices.map((slice) => ({ slice, attempts: 0 }));
  }

  /** Polls, downloads and emits the head slice, relaunching its job when the rules allow. */
  async function* runSlice(
    run: SliceRun<P>,
    request: ReadRequest,
    launch: (run: SliceRun<P>, why: string) => AsyncGenerator<StreamEvent>,
    snapshot: () => StreamEvent,
    observer: JobObserver<P>,
  ): AsyncGenerator<StreamEvent> {
    const { logger, signal } = request;
    const { slice } = run;
    const job = (): InflightJob => current.inflight[slice.key]!;
    const poll = new PollBackoff(settings.pollIntervalMs, settings.maxPollIntervalMs);
    let progress = new JobProgress(logger, `${options.info.name} job ${job().jobId} (slice ${slice.key})`);
    let downloadFailures = 0;
    run.firstStartedAt ??= Date.now();

    /** Replaces the slice's job; `countsAttempt` false only for capacity refusals. */
    async function* relaunch(reason: string, countsAttempt: boolean): AsyncGenerator<StreamEvent> {
      const old = job();
      if (countsAttempt && run.attempts >= settings.maxAttempts) {
        throw new TransientError(
          `Job ${old.jobId} for slice ${slice.key} of stream ${options.info.name} ${reason}; giving up after ${run.attempts} attempt(s)`,
        );
      }
      if (old.emitted > 0) {
        logger.warn(
          `${options.info.name}: slice ${slice.key}: ${old.emitted} records of job ${old.jobId} were already emitted; the new job's result is emitted in full, so they repeat (deduplicate by primary key)`,
        );
      }
      // Capacity refusals ("try again later") do not use up the attempts meant for real failures.
      if (countsAttempt) run.attempts++;
      observer.forget(old.jobId);
      yield* launch(run, ` (relaunch: job ${old.jobId} ${reason})`);
      poll.reset();
      downloadFailures = 0;
      progress = new JobProgress(logger, `${options.info.name} job ${job().jobId} (slice ${slice.key})`);
    }

    const timedOut = (): boolean => Date.now() - Date.parse(job().launchedAt) > settings.jobTimeoutMs;
    const cancelForTimeout = async (vendorStatus: string): Promise<string> => {
      const age = Date.now() - Date.parse(job().launchedAt);
      logger.warn(`${options.info.name}: job ${job().jobId} for slice ${slice.key} still ${vendorStatus} after ${Math.round(age / 1000)} s; cancelling`);
      await cancelJob(job().jobId, logger);
      return `did not finish within ${settings.jobTimeoutMs} ms`;
    };

    const retention = settings.resultRetentionMs;
    if (retention !== undefined && Date.now() - Date.parse(job().launchedAt) > retention) {
      logger.warn(`${options.info.name}: job ${job().jobId} for slice ${slice.key} is older than the result retention; relaunching`);
      yield* relaunch('outlived the result retention', true);
      yield snapshot();
    }

    const pollDelay = (status: JobStatus): number =>
      nextPollDelayMs(poll, settings, status, Date.now() - Date.parse(job().launchedAt), observer.waitBeforeNextRoundMs());

    for (;;) {
      const status = await observer.statusOf(job().jobId, signal);
      checkStatus(status, job().jobId);
      progress.status(status);
      let relaunchReason: string | undefined;
      let countsAttempt = true;
      switch (status.state) {
        case 'pending':
        case 'running': {
          if (!timedOut()) {
            await sleepFor(pollDelay(status), signal);
            continue;
          }
          relaunchReason = await cancelForTimeout(status.vendorStatus);
          break;
        }
        case 'failed':
          if (status.failure === 'config') {
            const failedJob = job().jobId;
            // The failed job must not be resumed by the next sync (after the user fixed the config).
            delete current.inflight[slice.key];
            yield snapshot();
            throw new ConfigError(`Job ${failedJob} for slice ${slice.key} of stream ${options.info.name} failed: ${status.message ?? status.vendorStatus}`);
          }
          if (status.failure === 'relaunch') {
            if (Date.now() - run.firstStartedAt! > settings.jobTimeoutMs) {
              throw new TransientError(`The vendor kept refusing jobs for slice ${slice.key} of stream ${options.info.name}: ${status.message ?? status.vendorStatus}`);
            }
            await sleepFor(poll.nextDelayMs(), signal);
            countsAttempt = false;
          }
          relaunchReason = `failed (${status.vendorStatus}${status.message ? `: ${status.message}` : ''})`;
          break;
        case 'cancelled':
          relaunchReason = `was cancelled (${status.vendorStatus})`;
          break;
        case 'expired':
          relaunchReason = 'result expired';
          logger.warn(`${options.info.name}: the result of job ${job().jobId} for slice ${slice.key} expired; relaunching`);
          break;
        case 'completed': {
          const outcome = await options.adapter.download(job().jobId, signal);
          if (outcome.kind === 'not_ready') {
            // "Completed" but no result yet: the job timeout still bounds the wait.
            if (!timedOut()) {
              await sleepFor(poll.nextDelayMs(), signal);
              continue;
            }
            relaunchReason = await cancelForTimeout(`${status.vendorStatus}, result not ready`);
            break;
          }
          if (outcome.kind === 'expired') {
            logger.warn(`${options.info.name}: the result of job ${job().jobId} for slice ${slice.key} expired; relaunching`);
            relaunchReason = 'result expired';
            break;
          }
          try {
            // XLSX bodies are spooled by their reader; everything else here when the vendor asks for it.
            const body = settings.spoolDownloads === true && slice.parse.format !== 'xlsx' ? await spoolBody(outcome.body) : outcome.body;
            yield* emitResult(body, run, progress);
            progress.done();
            return;
          } catch (err) {
            if (signal.aborted || !isTransientFailure(err) || downloadFailures >= settings.downloadRetries) throw err;
            downloadFailures++;
            logger.warn(
              `${options.info.name}: download of job ${job().jobId} broke off after ${job().emitted} rows (${messageOf(err)}); downloading again (${downloadFailures}/${settings.downloadRetries}), skipping the rows already emitted`,
            );
            await sleepFor(poll.nextDelayMs(), signal);
            continue;
          }
        }
      }
      yield* relaunch(relaunchReason, countsAttempt);
      yield snapshot();
    }
  }

  /** Parses one download of the job's result and yields its records, skipping rows already emitted. */
  async function* emitResult(body: ResultBody, run: SliceRun<P>, progress: JobProgress): AsyncGenerator<StreamEvent> {
    const job = current.inflight[run.slice.key]!;
    const skip = job.emitted;
    const counted = countingStream((n) => (progress.bytes += n));
    // pipeline forwards a download error (truncation, reset) into the stream the parser reads.
    pipeline(body.stream, counted, () => undefined);
    let rowIndex = 0;
    try {
      for await (const rows of parse({ ...body, stream: counted }, run.slice.parse)) {
        const batchStart = rowIndex;
        rowIndex += rows.length;
        if (rowIndex <= skip) continue;
        const fresh = batchStart < skip ? rows.slice(skip - batchStart) : rows;
        const firstRowNumber = Math.max(batchStart, skip) + 1;
        const records = options.toRecords(fresh, run.slice, { jobId: job.jobId, firstRowNumber });
        // Counted before the yield: the read loop may checkpoint while we are suspended there.
        job.emitted += fresh.length;
        progress.records += records.length;
        if (records.length > 0) yield { type: 'records', records };
        progress.transfer();
      }
    } finally {
      body.stream.destroy();
      counted.destroy();
    }
    if (rowIndex < skip) {
      throw new SystemError(
        `The result of job ${job.jobId} for slice ${run.slice.key} has ${rowIndex} rows, but ${skip} were already emitted from it; the vendor changed a finished result`,
      );
    }
  }

  return {
    ...options.info,
    read,
    checkpoint: () => cloneState(current),
  };
}

function checkStatus(status: JobStatus, jobId: string): void {
  if (!KNOWN_STATES.has(status.state)) {
    throw new SystemError(`Job ${jobId} reported a status jobtap cannot handle: ${JSON.stringify(status.vendorStatus)} (mapped to ${JSON.stringify(status.state)})`);
  }
}

function validateSettings(s: JobEngineSettings): JobEngineSettings {
  const positive = (name: keyof JobEngineSettings, min: number): void => {
    const v = s[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new ConfigError(`Job engine setting ${name} must be a number ≥ ${min}, got ${String(v)}`);
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

function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (): void => reject(signal.reason instanceof Error ? signal.reason : new TransientError('Sync interrupted'));
    if (signal.aborted) return fail();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      fail();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
