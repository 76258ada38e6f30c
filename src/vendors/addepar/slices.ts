/**
 * Slicing an export into jobs: one slice per portfolio and date window.
 *
 * Windows come from one fixed calendar grid (windowGrid from start_date through end_date,
 * default yesterday), each with its full calendar bounds, so a window has the same bounds — and
 * its records the same primary keys — in every sync, also while it is in progress. Only complete
 * windows are read unless `include_partial_window` asks for the one in progress too (its job reads
 * through end_date; its cursor stays before it, so it is read again until it is over). An
 * incremental sync resumes each portfolio (its own partition) after its cursor, the end of its
 * last complete window, and re-reads every window ending within `lookback_days` before it.
 */
import type { ParseOptions } from '../../formats/types.js';
import type { JobSlice, JobStreamState } from '../../jobs/types.js';
import { cursorAfter, windowGrid, windowSliceKey, windowsToRead, type DateWindow, type PlannedWindow, type WindowSize } from '../../jobs/windows.js';
import type { AddeparJobParams } from './api.js';
import type { PortfolioType } from './config.js';

/** A slice's job parameters, with the window its records are keyed by and how far its data reaches. */
export type AddeparSliceParams = AddeparJobParams & {
  /** Calendar bounds of the window: the records' window_start and window_end. */
  window: DateWindow;
  /** The job's end date: the window's end, or the last day read of a window in progress. */
  asOf: string;
};

export interface SlicePlanInput {
  portfolioType: PortfolioType;
  portfolioIds: number[];
  startDate: string;
  endDate: string;
  windowSize: WindowSize;
  lookbackDays: number;
  includePartialWindow: boolean;
  parse: ParseOptions;
  /** The job for one portfolio and the days it reads (the window, or its part so far). */
  params(portfolioId: number, days: DateWindow): AddeparJobParams;
}

export function partitionOf(portfolioType: string, portfolioId: number): string {
  return `${portfolioType}:${portfolioId}`;
}

/**
 * Slices in execution order: window by window, each window across the portfolios, so that with
 * several jobs in flight every portfolio advances together and state stays small.
 */
export function planExportSlices(input: SlicePlanInput, previous: JobStreamState | undefined): JobSlice<AddeparSliceParams>[] {
  const grid = windowGrid(input.startDate, input.endDate, input.windowSize);
  const perPortfolio = input.portfolioIds.map((id) => {
    const partition = partitionOf(input.portfolioType, id);
    const read = windowsToRead(grid, previous?.partitions[partition]?.cursor, input.lookbackDays, input.includePartialWindow);
    return { id, partition, starts: new Set(read.map((w) => w.window.start)) };
  });
  const slices: JobSlice<AddeparSliceParams>[] = [];
  for (const w of grid) {
    for (const p of perPortfolio) {
      if (!p.starts.has(w.window.start)) continue;
      slices.push({
        key: windowSliceKey(p.partition, w),
        partition: p.partition,
        cursor: cursorAfter(w),
        params: { ...input.params(p.id, { start: w.window.start, end: w.through }), window: w.window, asOf: w.through },
        parse: input.parse,
      });
    }
  }
  return slices;
}

export type { PlannedWindow };
