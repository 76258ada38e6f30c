/**
 * Plain-text logging on stderr ("LEVEL message"), the Singer convention; every line passes the
 * SecretMasker. Also used for anything that must never reach stdout.
 */
import type { Logger, LogLevel } from '../core/logger.js';
import { noSecrets, type SecretMasker } from '../core/secrets.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export class StderrLog {
  private masker: SecretMasker = noSecrets;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stderr,
    private minLevel: LogLevel = 'info',
  ) {}

  setMasker(masker: SecretMasker): void {
    this.masker = masker;
  }

  setLevel(level: LogLevel): void {
    this.minLevel = level;
  }

  /** Writes `LEVEL message`; a multi-line message keeps the level on its first line only. */
  line(level: string, message: string): void {
    this.out.write(`${level} ${this.masker.mask(message)}\n`);
  }

  logger(): Logger {
    const make =
      (level: LogLevel) =>
      (message: string): void => {
        if (LEVEL_RANK[level] < LEVEL_RANK[this.minLevel]) return;
        this.line(level.toUpperCase(), message);
      };
    return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
  }
}
