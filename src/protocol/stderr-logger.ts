/**
 * Singer log lines on stderr, in the format of the Meltano Singer SDK (singer_sdk/logging.py,
 * DEFAULT_FORMAT "{asctime:23s} | {levelname:8s} | {name:30s} | {message}", SDK ≥ 0.50; the SDK's
 * docs still show the older 20-column name), so jobtap's taps read like every other tap in a
 * Meltano log:
 *
 *   2026-12-02 05:50:09,123 | INFO     | tap-example                    | Reading stream "events" ...
 *
 * Python level names (WARNING, not WARN). Times are UTC, not local as Python's asctime is: the
 * stamp carries no zone, Meltano stamps its own lines in UTC, and the vendor's job times and
 * jobtap's STATE are UTC, so one zone lets a person line them up. Every line passes the
 * SecretMasker. Also used for anything that must never reach stdout. On a terminal, progress is
 * shown live (live-progress.ts) and these lines are printed above it.
 */
import type { Logger, LogLevel } from '../core/logger.js';
import { noSecrets, type SecretMasker } from '../core/secrets.js';
import { LiveProgress, progressMode, type LiveOutput, type LiveProgressOptions } from './live-progress.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Python's level names, as the SDK writes them. */
export type SingerLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const SINGER_LEVEL: Record<LogLevel, SingerLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

export interface StderrLogOptions {
  /** The logger-name column: the tap's name. Default "jobtap". */
  name?: string;
  /** Show progress live below the log lines (a terminal); options for tests. */
  live?: boolean | Omit<LiveProgressOptions, 'mask'>;
  /** For tests. */
  clock?: () => Date;
}

/** "2026-12-02 05:50:09,123": Python's asctime layout, in UTC. */
export function asctime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

export class StderrLog {
  private masker: SecretMasker = noSecrets;
  private readonly name: string;
  private readonly clock: () => Date;
  private readonly live: LiveProgress | undefined;

  constructor(
    private readonly out: LiveOutput = process.stderr,
    private minLevel: LogLevel = 'info',
    options: StderrLogOptions = {},
  ) {
    this.name = options.name ?? 'jobtap';
    this.clock = options.clock ?? (() => new Date());
    if (options.live !== undefined && options.live !== false) {
      this.live = new LiveProgress(out, { ...(options.live === true ? {} : options.live), mask: (line) => this.masker.mask(line) });
    }
  }

  setMasker(masker: SecretMasker): void {
    this.masker = masker;
  }

  setLevel(level: LogLevel): void {
    this.minLevel = level;
  }

  /** Writes one log record; a multi-line message (a stack trace) carries the prefix on its first line only, as Python's does. */
  line(level: SingerLevel, message: string): void {
    const text = `${asctime(this.clock())} | ${level.padEnd(8)} | ${this.name.padEnd(30)} | ${this.masker.mask(message)}\n`;
    if (this.live !== undefined) this.live.print(text);
    else this.out.write(text);
  }

  /** Takes the live progress lines off the screen (the tap is exiting). */
  close(): void {
    this.live?.close();
  }

  logger(): Logger {
    const make =
      (level: LogLevel) =>
      (message: string): void => {
        if (LEVEL_RANK[level] < LEVEL_RANK[this.minLevel]) return;
        this.line(SINGER_LEVEL[level], message);
      };
    const logger: Logger = { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
    // Progress is shown live only to someone who asked for info lines.
    if (this.live !== undefined && LEVEL_RANK[this.minLevel] <= LEVEL_RANK.info) logger.progress = this.live;
    return logger;
  }
}

/**
 * The stderr log of a tap process: live progress when JOBTAP_PROGRESS and the terminal say so
 * (see progressMode), taken off the screen when the process exits however it ends.
 */
export function tapStderrLog(name: string, level: LogLevel, env: NodeJS.ProcessEnv = process.env): StderrLog {
  const log = new StderrLog(process.stderr, level, { name, live: progressMode(process.stderr, env) === 'tty' });
  process.once('exit', () => log.close());
  return log;
}
