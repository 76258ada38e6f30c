/**
 * Where connector code reports what it is doing. The protocol layer decides where lines go
 * (Airbyte LOG messages on stdout, Singer lines on stderr) and masks secrets before they leave.
 * Vendor, job and format code only ever see this interface.
 */
import type { ProgressDisplay } from './progress.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * Set when the front end shows progress live (Singer on a terminal): long-running code feeds it
   * its standing and logs no periodic progress lines, which would only scroll the live lines away.
   */
  progress?: ProgressDisplay;
}

/** A logger that drops everything; for unit tests and library use. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
