/**
 * Slicing an export into jobs: one slice per portfolio and date window.
 *
 * Windows come from one fixed calendar grid (dateWindows from start_date to end_date), so a
 * window has the same bounds — and its records the same primary keys — in every sync. An
 * incremental sync resumes each portfolio (its own partition) after its cursor, the end of its
 * last completed window, and re-reads every window ending within `lookback_days` before it.
 */
import type { ParseOptions } from '../../formats/types.js';
import type { JobSlice, JobStreamState } from '../../jobs/types.js';
import { addDays, dateWindows, type DateWindow, type WindowSize } from '../../jobs/windows.js';
import type { AddeparJobParams } from './api.js';
import type { PortfolioType } from './config.js';

export interface SlicePlanInput {
  portfolioType: PortfolioType;
  portfolioIds: number[];
  startDate: string;
  endDate: string;
  windowSize: WindowSize;
  lookbackDays: number;
  parse: ParseOptions;
  /** The job for one portfolio and window. */
  params(portfolioId: number, window: DateWindow): AddeparJobParams;
}

export function partitionOf(portfolioType: string, portfolioId: number): string {
  return `${portfolioType}:${portfolioId}`;
}

export function sliceKeyOf(partition: string, window: DateWindow): string {
  return `${partition}|${window.start}..${window.end}`;
}

/** Windows of the grid a partition still has to read, given its cursor and the lookback. */
export function windowsToRead(grid: DateWindow[], cursor: string | undefined, lookbackDays: number): DateWindow[] {
  if (cursor === undefined) return grid;
  const threshold = addDays(cursor.slice(0, 10), -lookbackDays);
  return grid.filter((w) => w.end > threshold);
}

/**
 * Slices in execution order: window by window, each window across the portfolios, so that with
 * several jobs in flight every portfolio advances together and state stays small.
 */
export function planExportSlices(input: SlicePlanInput, previous: JobStreamState | undefined): JobSlice<AddeparJobParams>[] {
  const grid = dateWindows(input.startDate, input.endDate, input.windowSize);
  const perPortfolio = input.portfolioIds.map((id) => {
    const partition = partitionOf(input.portfolioType, id);
    return { id, partition, windows: windowsToRead(grid, previous?.partitions[partition]?.cursor, input.lookbackDays) };
  });
  const slices: JobSlice<AddeparJobParams>[] = [];
  for (const window of grid) {
    for (const p of perPortfolio) {
      if (!p.windows.some((w) => w.start === window.start)) continue;
      slices.push({
        key: sliceKeyOf(p.partition, window),
        partition: p.partition,
        cursor: window.end,
        params: input.params(p.id, window),
        parse: input.parse,
      });
    }
  }
  return slices;
}
