/**
 * What the Airbyte and Singer front ends share: loading and validating config (installing the
 * secret masker before anything could echo a value), interrupt handling and log levels.
 */
import { assertValidConfig, readJsonFile } from '../core/config.js';
import { InterruptedError, SystemError } from '../core/errors.js';
import { LineWriter } from '../protocol/line-writer.js';
import type { Logger, LogLevel } from '../core/logger.js';
import { runRead, type ReadSink, type SelectedStream } from '../core/read-loop.js';
import { collectSecrets, SecretMasker } from '../core/secrets.js';
import type { Source, Stream, StreamState } from '../core/source.js';

export interface LoadedConfig<C> {
  config: C;
  masker: SecretMasker;
}

/**
 * Validates an already-parsed config object against the source's spec. `useMasker` is called
 * with the masker for the raw config before validation, so even a validation failure is masked.
 */
export function validateLoadedConfig<C>(
  source: Source<C>,
  raw: unknown,
  useMasker: (masker: SecretMasker) => void,
): LoadedConfig<C> {
  const schema = source.spec().connectionSpecification;
  const secrets = collectSecrets(schema, raw);
  useMasker(new SecretMasker(secrets));
  const config = assertValidConfig<C>(schema, raw);
  // The forms the secrets take on the wire (base64 of key:secret in a Basic header) leak as easily
  // as the secrets themselves when a vendor echoes a request: masked the same way.
  const masker = new SecretMasker([...secrets, ...(source.derivedSecrets?.(config) ?? [])]);
  useMasker(masker);
  return { config, masker };
}

export async function loadConfigFile<C>(
  source: Source<C>,
  file: string,
  useMasker: (masker: SecretMasker) => void,
): Promise<LoadedConfig<C>> {
  const raw = await readJsonFile(file, 'config file');
  return validateLoadedConfig(source, raw, useMasker);
}

/** `--debug` or LOG_LEVEL=debug turns on debug lines. */
export function logLevelFrom(debugFlag: boolean | undefined): LogLevel {
  if (debugFlag === true) return 'debug';
  const env = (process.env.LOG_LEVEL ?? '').toLowerCase();
  if (env === 'debug' || env === 'info' || env === 'warn' || env === 'error') return env;
  return 'info';
}

const SIGNAL_NUMBER: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

export interface InterruptHandle {
  signal: AbortSignal;
  /** The conventional 128+n exit code when a signal arrived. */
  exitCode(): number | undefined;
  /** Ends the sync with this error (the read loop reports it on the current stream). */
  fail(err: unknown): void;
  dispose(): void;
}

/**
 * SIGTERM/SIGINT abort the sync's signal (streams cancel their jobs) instead of killing the
 * process, so the front end can still report INCOMPLETE streams and flush its output.
 */
export function handleInterrupts(onInterrupt?: (signal: NodeJS.Signals) => void): InterruptHandle {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals): void => {
    if (received !== undefined) return;
    received = sig;
    controller.abort(new InterruptedError(sig));
    onInterrupt?.(sig);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    exitCode: () => (received === undefined ? undefined : 128 + (SIGNAL_NUMBER[received] ?? 1)),
    fail: (err) => controller.abort(err),
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

/**
 * After an interruption the output is flushed; if a stream left sockets or timers behind, do not
 * let them keep the process alive (the timer is unref'd, so a clean exit happens first).
 */
export function exitSoonIfStuck(code: number, afterMs = 3_000): void {
  setTimeout(() => process.exit(code), afterMs).unref();
}

/**
 * An error thrown outside the sync's promise chain (a stray callback, an unhandled rejection)
 * would otherwise kill the process with a raw stack on stderr and no protocol message. Report it
 * through the front end's writer (masked), then exit 1 once that output is flushed. During a sync
 * the error ends the sync instead, so the stream status and the error come out in order.
 */
export function reportCrashes(report: (err: unknown) => Promise<void>, activeSync: () => InterruptHandle | undefined): () => void {
  let crashed = false;
  const handler = (err: unknown): void => {
    if (crashed) return;
    crashed = true;
    process.exitCode = 1;
    const sync = activeSync();
    if (sync !== undefined) {
      // During a sync, end it through the read loop: the stream is reported INCOMPLETE with this error.
      sync.fail(err);
      exitSoonIfStuck(1, 10_000);
      return;
    }
    void report(err)
      .catch(() => undefined)
      .finally(() => process.exit(1));
  };
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
  return () => {
    process.off('uncaughtException', handler);
    process.off('unhandledRejection', handler);
  };
}

export interface SyncRun {
  streams: SelectedStream[];
  /** Selected streams the source does not offer. */
  unavailable?: string[];
  previousState: Map<string, StreamState>;
  checkpointInterval: number;
  logger: Logger;
  sink: ReadSink;
  /** Aborts the sync for reasons other than a signal (e.g. the consumer closed stdout). */
  stopSignal: AbortSignal;
  /** Flushes the protocol writer's buffered output. */
  flush(): Promise<void>;
  /** Tells the crash reporter which sync is running (undefined once it ended). */
  track(handle: InterruptHandle | undefined): void;
  /** What the sync asked of the vendor, logged at its end. */
  usage?(): string | undefined;
}

/**
 * Runs a sync for either protocol: SIGTERM/SIGINT end it cleanly (streams INCOMPLETE, output
 * flushed, exit 128+signal), a failed sync sets exit code 1.
 */
export async function runSyncUntilInterrupted(run: SyncRun): Promise<void> {
  const interrupts = handleInterrupts((sig) => run.logger.warn(`Received ${sig}: stopping the sync`));
  run.track(interrupts);
  try {
    const outcome = await runRead({
      streams: run.streams,
      unavailable: run.unavailable,
      previousState: run.previousState,
      checkpointInterval: run.checkpointInterval,
      logger: run.logger,
      signal: AbortSignal.any([interrupts.signal, run.stopSignal]),
      sink: run.sink,
    });
    run.logger.info(`Sync ${outcome.ok ? 'finished' : 'stopped'}: ${outcome.recordCount} records`);
    const usage = run.usage?.();
    if (usage !== undefined) run.logger.info(usage);
    if (!outcome.ok) process.exitCode = interrupts.exitCode() ?? 1;
  } finally {
    run.track(undefined);
    interrupts.dispose();
    if (interrupts.exitCode() !== undefined) {
      await run.flush();
      exitSoonIfStuck(interrupts.exitCode() ?? 1);
    }
  }
}

/** stdout as a protocol line writer; a consumer that goes away (EPIPE) aborts `gone`: nobody would receive the records. */
export function stdoutLines(): { lines: LineWriter; gone: AbortController } {
  const gone = new AbortController();
  const lines = new LineWriter(process.stdout, {
    onBroken: (err) => gone.abort(new SystemError(`stdout was closed by the consumer: ${err.message}`)),
  });
  return { lines, gone };
}

/** What discover lists: the streams that can be read; each one that cannot is named in a warning. */
export function usableStreams(streams: Stream[], logger: Logger): Stream[] {
  for (const s of streams) if (s.unusable !== undefined) logger.warn(`Stream "${s.name}" is left out of the catalog: ${s.unusable.message}`);
  return streams.filter((s) => s.unusable === undefined);
}
