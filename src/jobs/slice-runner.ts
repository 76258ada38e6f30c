/**
 * The slice runner: everything that happens to one slice's job between "it needs a job" and "its
 * records are out". It launches the job (writing a launch mark first, and looking the job up by
 * its parameters when the launch's answer was lost), polls it at a cadence the job's progress and
 * the request budget decide, relaunches it when it failed, expired or outlived the job timeout
 * (cancelling it then), and hands its result to the result reader, downloading again when a
 * download broke off.
 */
import { ConfigError, ConnectorError, SystemError, TransientError, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StreamEvent } from '../core/source.js';
import type { JobObserver } from './job-observer.js';
import type { JobEngineSettings } from './job-stream.js';
import type { JobTracker, SliceRun } from './job-tracker.js';
import { PollBackoff } from './poll-backoff.js';
import { nextPollDelayMs } from './poll-cadence.js';
import { JobProgress } from './progress.js';
import type { ResultReader } from './result-reader.js';
import type { JobScheduler } from './scheduler.js';
import type { StreamProgress } from './stream-progress.js';
import type { JobAdapter, JobState, JobStatus } from './types.js';

/** Launch requests per slice when a failed launch is confirmed (through findLaunched) to have made no job. */
const LAUNCH_ATTEMPTS = 4;

const KNOWN_STATES = new Set<JobState>(['pending', 'running', 'completed', 'failed', 'cancelled', 'expired']);

export type SliceRunnerSettings = Pick<JobEngineSettings, 'pollIntervalMs' | 'maxPollIntervalMs' | 'jobTimeoutMs' | 'maxAttempts' | 'downloadRetries' | 'resultRetentionMs'>;

export interface SliceRunnerContext<P> {
  /** Stream name, for log lines and errors. */
  name: string;
  adapter: JobAdapter<P>;
  settings: SliceRunnerSettings;
  tracker: JobTracker<P>;
  observer: JobObserver;
  scheduler: JobScheduler;
  reader: ResultReader<P>;
  /** The stream's progress: each job's lines say which slice of how many it is for. */
  progress: StreamProgress;
  logger: Logger;
  signal: AbortSignal;
}

/** True when the error, or any error it wraps, says that trying again may work. */
export function isTransientFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof ConnectorError && e.failureType === 'transient_error') return true;
    e = e.cause;
  }
  return false;
}

export class SliceRunner<P> {
  constructor(private readonly ctx: SliceRunnerContext<P>) {}

  /**
   * Launches the slice's job and records it in flight; the caller yields the state next. With an
   * adapter that can find launched jobs, a launch mark is yielded first, so that a crash before the
   * job id reaches state leaves a mark the next sync resolves with findLaunched.
   */
  async *launch(run: SliceRun<P>, why: string): AsyncGenerator<StreamEvent> {
    const { adapter, tracker, logger, signal, settings, name } = this.ctx;
    const key = run.slice.key;
    if (adapter.findLaunched) {
      tracker.markLaunching(key);
      yield tracker.snapshot();
    }
    let jobId: string | undefined;
    for (let attempt = 1; jobId === undefined; attempt++) {
      try {
        ({ jobId } = await adapter.launch(run.slice.params, signal));
      } catch (err) {
        // The request may have created the job even though its answer was lost (a reset, a
        // timeout or a 5xx after the vendor accepted it): look before launching again.
        const since = tracker.launchMark(key);
        if (signal.aborted || !isTransientFailure(err) || since === undefined || !adapter.findLaunched) throw err;
        let found: { jobId: string } | undefined;
        try {
          found = await adapter.findLaunched(run.slice.params, since, signal);
        } catch (lookupErr) {
          // The launch mark stays in state, so the next sync looks again before launching.
          logger.warn(`${name}: could not look for the job of slice ${key} after a failed launch: ${messageOf(lookupErr)}`);
          throw err;
        }
        if (found !== undefined) {
          logger.warn(`${name}: launch of slice ${key} reported ${messageOf(err)}, but the vendor has job ${found.jobId} for it; using that job`);
          jobId = found.jobId;
          break;
        }
        // No job was made: launching again cannot duplicate one.
        if (attempt >= LAUNCH_ATTEMPTS) throw err;
        const delay = Math.min(settings.maxPollIntervalMs, settings.pollIntervalMs * 2 ** attempt);
        logger.warn(`${name}: launch of slice ${key} failed (${messageOf(err)}) and the vendor has no job for it; launching again in ${delay} ms (${attempt}/${LAUNCH_ATTEMPTS - 1})`);
        await sleepFor(delay, signal);
      }
    }
    tracker.launchedHere.add(jobId);
    run.firstStartedAt ??= Date.now();
    tracker.setJob(key, { jobId, launchedAt: new Date().toISOString(), emitted: 0 });
    tracker.clearLaunchMark(key);
    logger.info(`${name}: launched job ${jobId} for slice ${key}${why}`);
  }

  /** Adopts the job a crashed sync launched for this slice but never recorded, if the vendor lists it. */
  async recoverLaunch(run: SliceRun<P>): Promise<boolean> {
    const { adapter, tracker, logger, signal, name } = this.ctx;
    const since = tracker.launchMark(run.slice.key);
    if (since === undefined || !adapter.findLaunched) return false;
    const found = await adapter.findLaunched(run.slice.params, since, signal);
    tracker.clearLaunchMark(run.slice.key);
    if (!found) {
      logger.info(`${name}: no job was launched for slice ${run.slice.key} before the interruption; launching one`);
      return false;
    }
    // Replaces a job the interrupted sync was relaunching, if any: the mark is newer.
    tracker.setJob(run.slice.key, { jobId: found.jobId, launchedAt: found.launchedAt ?? since, emitted: 0 });
    run.firstStartedAt ??= Date.now();
    logger.info(`${name}: adopting job ${found.jobId} for slice ${run.slice.key}, launched by an interrupted sync`);
    return true;
  }

  async cancel(jobId: string): Promise<void> {
    const { adapter, logger, name } = this.ctx;
    if (!adapter.cancel) return;
    try {
      await adapter.cancel(jobId);
      logger.info(`${name}: cancelled job ${jobId}`);
    } catch (err) {
      logger.warn(`${name}: could not cancel job ${jobId}: ${messageOf(err)}`);
    }
  }

  /** Polls, downloads and emits the slice, relaunching its job when the rules allow. */
  async *run(run: SliceRun<P>): AsyncGenerator<StreamEvent> {
    const { adapter, tracker, observer, scheduler, reader, logger, signal, settings, name } = this.ctx;
    const { slice } = run;
    const job = (): NonNullable<ReturnType<JobTracker<P>['job']>> => tracker.job(slice.key)!;
    const poll = new PollBackoff(settings.pollIntervalMs, settings.maxPollIntervalMs);
    // The slice's place in the sync is taken once, when its reading begins (relaunches keep it).
    run.syncIndex ??= this.ctx.progress.beginSlice();
    const jobProgress = (): JobProgress =>
      new JobProgress(this.ctx.progress, { key: slice.key, index: run.index, syncIndex: run.syncIndex }, job().jobId, Date.parse(job().launchedAt));
    let progress = jobProgress();
    let downloadFailures = 0;
    run.firstStartedAt ??= Date.now();

    const launch = (why: string): AsyncGenerator<StreamEvent> => this.launch(run, why);
    /** Replaces the slice's job; `countsAttempt` false only for capacity refusals. */
    const relaunch = async function* (reason: string, countsAttempt: boolean): AsyncGenerator<StreamEvent> {
      const old = job();
      if (countsAttempt && run.attempts >= settings.maxAttempts) {
        throw new TransientError(`Job ${old.jobId} for slice ${slice.key} of stream ${name} ${reason}; giving up after ${run.attempts} attempt(s)`);
      }
      if (old.emitted > 0) {
        logger.warn(
          `${name}: slice ${slice.key}: ${old.emitted} records of job ${old.jobId} were already emitted; the new job's result is emitted in full, so they repeat (deduplicate by primary key)`,
        );
      }
      // Capacity refusals ("try again later") do not use up the attempts meant for real failures.
      if (countsAttempt) run.attempts++;
      yield* launch(` (relaunch: job ${old.jobId} ${reason})`);
      poll.reset();
      downloadFailures = 0;
      progress = jobProgress();
    };

    const timedOut = (): boolean => Date.now() - Date.parse(job().launchedAt) > settings.jobTimeoutMs;
    const cancelForTimeout = async (vendorStatus: string): Promise<string> => {
      const age = Date.now() - Date.parse(job().launchedAt);
      logger.warn(`${name}: job ${job().jobId} for slice ${slice.key} still ${vendorStatus} after ${Math.round(age / 1000)} s; cancelling`);
      await this.cancel(job().jobId);
      return `did not finish within ${settings.jobTimeoutMs} ms`;
    };

    const retention = settings.resultRetentionMs;
    if (retention !== undefined && Date.now() - Date.parse(job().launchedAt) > retention) {
      logger.warn(`${name}: job ${job().jobId} for slice ${slice.key} is older than the result retention; relaunching`);
      yield* relaunch('outlived the result retention', true);
      yield tracker.snapshot();
    }

    const pollDelay = (status: JobStatus): number =>
      nextPollDelayMs(poll, settings, status, Date.now() - Date.parse(job().launchedAt), observer.waitBeforeNextRoundMs());

    for (;;) {
      // Another stream's poll round may have seen this job a moment ago: that answer will do.
      const status = await observer.statusOf(job().jobId, signal, settings.pollIntervalMs);
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
            tracker.forgetJob(slice.key);
            yield tracker.snapshot();
            throw new ConfigError(`Job ${failedJob} for slice ${slice.key} of stream ${name} failed: ${status.message ?? status.vendorStatus}`);
          }
          if (status.failure === 'relaunch') {
            if (Date.now() - run.firstStartedAt! > settings.jobTimeoutMs) {
              throw new TransientError(`The vendor kept refusing jobs for slice ${slice.key} of stream ${name}: ${status.message ?? status.vendorStatus}`);
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
          logger.warn(`${name}: the result of job ${job().jobId} for slice ${slice.key} expired; relaunching`);
          break;
        case 'completed': {
          // At most a few results are read at once across streams: memory stays bounded.
          const releaseReader = await scheduler.readers.acquire(signal);
          try {
            const outcome = await adapter.download(job().jobId, signal);
            if (outcome.kind === 'not_ready') {
              releaseReader();
              // "Completed" but no result yet: the job timeout still bounds the wait.
              if (!timedOut()) {
                await sleepFor(poll.nextDelayMs(), signal);
                continue;
              }
              relaunchReason = await cancelForTimeout(`${status.vendorStatus}, result not ready`);
              break;
            }
            if (outcome.kind === 'empty') {
              logger.info(`${name}: job ${job().jobId} for slice ${slice.key} has no result (${outcome.why}): 0 records`);
              progress.done();
              return;
            }
            if (outcome.kind === 'expired') {
              logger.warn(`${name}: the result of job ${job().jobId} for slice ${slice.key} expired; relaunching`);
              relaunchReason = 'result expired';
              break;
            }
            try {
              progress.downloadStarted();
              yield* reader.read(outcome.body, run, progress);
              progress.done();
              return;
            } catch (err) {
              if (signal.aborted || !isTransientFailure(err) || downloadFailures >= settings.downloadRetries) throw err;
              downloadFailures++;
              logger.warn(
                `${name}: download of job ${job().jobId} broke off after ${job().emitted} rows (${messageOf(err)}); downloading again (${downloadFailures}/${settings.downloadRetries}), skipping the rows already emitted`,
              );
            }
          } finally {
            releaseReader();
          }
          await sleepFor(poll.nextDelayMs(), signal);
          continue;
        }
      }
      yield* relaunch(relaunchReason, countsAttempt);
      yield tracker.snapshot();
    }
  }
}

function checkStatus(status: JobStatus, jobId: string): void {
  if (!KNOWN_STATES.has(status.state)) {
    throw new SystemError(`Job ${jobId} reported a status jobtap cannot handle: ${JSON.stringify(status.vendorStatus)} (mapped to ${JSON.stringify(status.state)})`);
  }
}

export function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
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
