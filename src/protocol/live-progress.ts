/**
 * Live progress on a terminal: one line per running stream at the bottom of the screen, redrawn
 * in place, for a person who runs a tap by hand and would otherwise watch a status line scroll by
 * every few seconds for hours. Log lines (warnings, errors, milestones) are printed above the live
 * lines and scroll as usual. Only ever used for Singer's stderr: Airbyte progress is LOG messages.
 *
 * How the terminal is driven (plain ANSI, no dependency): the cursor rests on the line below the
 * live block; a redraw moves it up over the block (CSI n A), rewrites each line after clearing it
 * (CSI 2K) and clears whatever is left below (CSI J) when the block shrank. Lines are cut to the
 * terminal's width: a wrapped line would take two rows and throw the cursor-up count off.
 * Redraws are throttled (a busy download reports every batch of rows), and repeated every second
 * while streams run so their elapsed times keep moving between job polls.
 */
import { formatCount, formatDuration } from '../core/durations.js';
import { jobStatusPhrase, slicePhrase, streamPhrase, syncSlicePhrase, transferPhrase, type ProgressDisplay, type StreamStanding } from '../core/progress.js';

/**
 * JOBTAP_PROGRESS chooses how a Singer tap shows progress on stderr:
 * - `tty`: live lines redrawn in place, even when stderr is not a terminal (tests, recordings);
 * - `plain`: plain log lines, even on a terminal (e.g. to keep a scrollback of every status);
 * - unset or `auto`: live when stderr is a terminal (and TERM is not "dumb"), plain otherwise.
 */
export type ProgressMode = 'tty' | 'plain';

export function progressMode(out: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  const chosen = (env.JOBTAP_PROGRESS ?? '').trim().toLowerCase();
  if (chosen === 'tty' || chosen === 'plain') return chosen;
  return out.isTTY === true && env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/** What the display writes to: a terminal (its width in `columns`), or any stream in tests. */
export interface LiveOutput {
  write(chunk: string): unknown;
  columns?: number;
}

export interface LiveProgressOptions {
  /** Least time between two redraws. Default 300 ms. */
  redrawMs?: number;
  /** Redraw this often while nothing reports, so elapsed times move. Default 1 s. */
  heartbeatMs?: number;
  now?: () => number;
  /** Applied to every live line (secret masking). */
  mask?: (line: string) => string;
}

const CLEAR_LINE = '\x1b[2K';
const CLEAR_BELOW = '\x1b[J';
const up = (lines: number): string => (lines > 0 ? `\x1b[${lines}A` : '');

export class LiveProgress implements ProgressDisplay {
  /** Running streams, in the order they first reported: their lines keep their places. */
  private readonly standings = new Map<string, StreamStanding>();
  /** Rows of the live block now on screen. */
  private drawn = 0;
  private lastDrawAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Infinity;
  private readonly redrawMs: number;
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private readonly mask: (line: string) => string;

  constructor(
    private readonly out: LiveOutput,
    options: LiveProgressOptions = {},
  ) {
    this.redrawMs = options.redrawMs ?? 300;
    this.heartbeatMs = options.heartbeatMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.mask = options.mask ?? ((line) => line);
  }

  show(standing: StreamStanding): void {
    this.standings.set(standing.stream, standing);
    const wait = this.lastDrawAt + this.redrawMs - this.now();
    if (wait <= 0) this.draw();
    else this.schedule(wait);
  }

  end(stream: string): void {
    if (this.standings.delete(stream)) this.draw();
  }

  /** Log text (whole lines, each ending in \n): printed above the live block, which is drawn again below it. */
  print(text: string): void {
    if (this.drawn === 0 && this.standings.size === 0) {
      this.out.write(text);
      return;
    }
    this.out.write(`${up(this.drawn)}${CLEAR_BELOW}${text}${this.block()}`);
  }

  /** Takes the live block off the screen for good (the tap is exiting). */
  close(): void {
    this.cancelTimer();
    this.standings.clear();
    if (this.drawn > 0) this.out.write(`${up(this.drawn)}${CLEAR_BELOW}`);
    this.drawn = 0;
  }

  private draw(): void {
    this.cancelTimer();
    if (this.drawn === 0 && this.standings.size === 0) return;
    this.out.write(`${up(this.drawn)}${this.block()}${CLEAR_BELOW}`);
    if (this.standings.size > 0) this.schedule(this.heartbeatMs);
  }

  /** The live lines, each cleared before it is written; sets how many rows are on screen. */
  private block(): string {
    const t = this.now();
    this.lastDrawAt = t;
    const width = this.out.columns !== undefined && this.out.columns > 1 ? this.out.columns - 1 : undefined;
    const lines = [...this.standings.values()].map((s) => `${CLEAR_LINE}${fit(this.mask(liveLine(s, t)), width)}\n`);
    this.drawn = lines.length;
    return lines.join('');
  }

  private schedule(delayMs: number): void {
    const due = this.now() + delayMs;
    if (this.timer !== undefined && this.timerDueAt <= due) return;
    this.cancelTimer();
    this.timerDueAt = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = Infinity;
      this.draw();
    }, delayMs);
    // The display never keeps the process alive.
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Infinity;
  }
}

/**
 * One stream's live line, most telling first (it may be cut at the terminal's width):
 * `events: slice 2 of 4, slice 5 of 12 of the sync · job 42 In Progress 25%, ETA 45 s · 1,200 records · elapsed 2 min 10 s`
 */
export function liveLine(s: StreamStanding, now: number): string {
  const elapsed = `elapsed ${formatDuration(now - s.startedAt)}`;
  if (s.slicesTotal === undefined) return `${s.stream}: planning slices · ${elapsed}`;
  if (s.slice === undefined || s.job === undefined) return `${s.stream}: ${streamPhrase(s, now)}`;
  const sync = syncSlicePhrase(s.slice);
  const where = `${slicePhrase(s.slice)}${sync === '' ? '' : `, ${sync}`}`;
  const job = s.download === undefined ? `job ${s.job.id} ${jobStatusPhrase(s.job, now)}` : `job ${s.job.id} downloading ${transferPhrase(s.download, now)}`;
  return `${s.stream}: ${where} · ${job} · ${formatCount(s.records)} records · ${elapsed}`;
}

/** Cuts a line to the terminal's width (by code point; jobtap's lines carry no wide characters). */
function fit(line: string, width: number | undefined): string {
  if (width === undefined) return line;
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
}
