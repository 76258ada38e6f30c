/**
 * What the Airbyte and Singer front ends share: loading and validating config (installing the
 * secret masker before anything could echo a value), interrupt handling and log levels.
 */
import { assertValidConfig, readJsonFile } from '../core/config.js';
import { TransientError } from '../core/errors.js';
import type { LogLevel } from '../core/logger.js';
import { collectSecrets, SecretMasker } from '../core/secrets.js';
import type { Source } from '../core/source.js';

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
  const masker = new SecretMasker(collectSecrets(schema, raw));
  useMasker(masker);
  const config = assertValidConfig<C>(schema, raw);
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
    controller.abort(
      new TransientError(`The sync was interrupted by ${sig} before it finished; the next sync resumes from the last state.`),
    );
    onInterrupt?.(sig);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    exitCode: () => (received === undefined ? undefined : 128 + (SIGNAL_NUMBER[received] ?? 1)),
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
