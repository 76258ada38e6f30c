/**
 * Date windows for incremental job slices: a date range cut into days, ISO weeks (Monday to
 * Sunday) or calendar months, in UTC date arithmetic only (no local time zone can shift a day).
 */
import { ConfigError } from '../core/errors.js';

export type WindowSize = 'day' | 'week' | 'month';

/** Inclusive YYYY-MM-DD bounds. */
export interface DateWindow {
  start: string;
  end: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a YYYY-MM-DD date; throws ConfigError on anything else. */
export function toEpochDay(date: string): number {
  const m = DATE.exec(date);
  if (!m) throw new ConfigError(`Invalid date "${date}": expected YYYY-MM-DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March; a real calendar date round-trips.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new ConfigError(`Invalid date "${date}": no such calendar day`);
  }
  return ms / DAY_MS;
}

export function fromEpochDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Last day of the window that starts on or contains `day`. */
function windowEnd(day: number, size: WindowSize): number {
  switch (size) {
    case 'day':
      return day;
    case 'week': {
      // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
      const weekday = (((day + 3) % 7) + 7) % 7;
      return day + (6 - weekday);
    }
    case 'month': {
      const d = new Date(day * DAY_MS);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0) / DAY_MS;
    }
  }
}

/**
 * Cuts [start, end] into consecutive windows aligned to the calendar (weeks start on Monday,
 * months on the 1st); the first and last windows are clipped to the range. Empty when start > end.
 */
export function dateWindows(start: string, end: string, size: WindowSize): DateWindow[] {
  const first = toEpochDay(start);
  const last = toEpochDay(end);
  const windows: DateWindow[] = [];
  for (let day = first; day <= last; ) {
    const stop = Math.min(windowEnd(day, size), last);
    windows.push({ start: fromEpochDay(day), end: fromEpochDay(stop) });
    day = stop + 1;
  }
  return windows;
}

/** A window of a stream's fixed calendar grid, and how far into it a job may read today. */
export interface PlannedWindow {
  /** Calendar bounds (the first window starts at the grid's start date): the record keys. */
  window: DateWindow;
  /** The window is over: its last day is on or before the day the grid is read through. */
  complete: boolean;
  /** The last day a job for this window asks for: the window's end, or for the window in progress, the grid's end. */
  through: string;
}

/** Today's date in UTC (YYYY-MM-DD). */
export function todayUtc(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The last day that is over (yesterday, UTC): what a default end date reads through. */
export function yesterdayUtc(now: number = Date.now()): string {
  return addDays(todayUtc(now), -1);
}

/**
 * The fixed calendar grid from `start` up to the window that contains `through`. Every window has
 * its full calendar bounds (only the first one is clipped, to `start`), so a window has the same
 * bounds, and its records the same keys, in every sync — also while it is still in progress.
 * Empty when start > through.
 */
export function windowGrid(start: string, through: string, size: WindowSize): PlannedWindow[] {
  const first = toEpochDay(start);
  const last = toEpochDay(through);
  const windows: PlannedWindow[] = [];
  for (let day = first; day <= last; ) {
    const end = windowEnd(day, size);
    windows.push({ window: { start: fromEpochDay(day), end: fromEpochDay(end) }, complete: end <= last, through: fromEpochDay(Math.min(end, last)) });
    day = end + 1;
  }
  return windows;
}

/**
 * The windows of the grid a partition reads this sync: those ending after its cursor moved back by
 * `lookbackDays`; the window still in progress only when `includePartial` (a partial read is never
 * the cursor's last word: see cursorAfter).
 */
export function windowsToRead(grid: PlannedWindow[], cursor: string | undefined, lookbackDays: number, includePartial: boolean): PlannedWindow[] {
  const threshold = cursor === undefined ? undefined : addDays(cursor.slice(0, 10), -lookbackDays);
  return grid.filter((w) => (w.complete || includePartial) && (threshold === undefined || w.window.end > threshold));
}

/** The cursor a read window leaves its partition at: its end when complete, else the day before it (it is read again). */
export function cursorAfter(w: PlannedWindow): string {
  return w.complete ? w.window.end : addDays(w.window.start, -1);
}

/**
 * The slice key of a window: its bounds, plus how far a partial read reached, so a job of
 * yesterday's partial read is never taken for today's (it is dropped from state instead).
 */
export function windowSliceKey(partition: string, w: PlannedWindow): string {
  return `${partition}|${w.window.start}..${w.window.end}${w.complete ? '' : `@${w.through}`}`;
}

/**
 * Where the next sync's windows start: the day after the cursor (the last completed window end),
 * moved back by `lookbackDays` to re-read late-arriving data, never before `startDate`.
 * Without a cursor it is `startDate`. The cursor may be a date or an ISO date-time.
 */
export function windowStartAfterCursor(cursor: string | undefined, startDate: string, lookbackDays: number): string {
  const floor = toEpochDay(startDate);
  if (cursor === undefined || cursor === '') return fromEpochDay(floor);
  if (!Number.isInteger(lookbackDays) || lookbackDays < 0) throw new ConfigError(`Invalid lookback of ${lookbackDays} days: expected a whole number ≥ 0`);
  const cursorDay = toEpochDay(cursor.slice(0, 10));
  return fromEpochDay(Math.max(floor, cursorDay + 1 - lookbackDays));
}
