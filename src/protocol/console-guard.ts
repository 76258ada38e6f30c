/**
 * Keeps stdout clean: a stray console.log in a dependency or a vendor module would corrupt the
 * protocol stream, so every console method is redirected to the connector's logger (and so
 * through its secret masker) for the life of the CLI.
 */
import { format } from 'node:util';
import type { Logger } from '../core/logger.js';

type ConsoleMethod = 'log' | 'info' | 'debug' | 'warn' | 'error' | 'trace';

/** Redirects console output to `logger`; returns a function that restores the originals. */
export function guardConsole(logger: Logger): () => void {
  const saved: Partial<Record<ConsoleMethod, (...args: unknown[]) => void>> = {};
  const route: Record<ConsoleMethod, (message: string) => void> = {
    log: (m) => logger.info(m),
    info: (m) => logger.info(m),
    debug: (m) => logger.debug(m),
    warn: (m) => logger.warn(m),
    error: (m) => logger.error(m),
    trace: (m) => logger.debug(m),
  };
  for (const method of Object.keys(route) as ConsoleMethod[]) {
    // eslint-disable-next-line no-console -- this is the one place that replaces console methods
    saved[method] = console[method] as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]): void => route[method](format(...args));
  }
  return () => {
    for (const method of Object.keys(saved) as ConsoleMethod[]) {
      console[method] = saved[method] as (...args: unknown[]) => void;
    }
  };
}
