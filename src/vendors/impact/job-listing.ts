/**
 * Walks the job list in weekly creation-date windows. The API takes whole days (CreatedAfter /
 * CreatedBefore, YYYY-MM-DD) and does not say whether the bounds are inclusive or in which time
 * zone it reads them, so each request asks for one extra day on both sides and the jobs are then
 * kept by their exact CreatedDate instant in [window start 00:00Z, window end + 1 day 00:00Z).
 * Every job therefore lands in exactly one window, whatever the API's reading of the bounds.
 */
import { addDays, dateWindows, type DateWindow, type WindowSize } from '../../jobs/windows.js';
import type { ImpactApi } from './api.js';
import { compareJobs, type ImpactJob } from './job-record.js';

export const LIST_WINDOW: WindowSize = 'week';

export function todayUtc(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export interface ListedWindow {
  window: DateWindow;
  /** Jobs created in the window, in creation order. */
  jobs: ImpactJob[];
}

export async function* listJobWindows(api: ImpactApi, startDay: string, endDay: string, signal: AbortSignal): AsyncGenerator<ListedWindow> {
  for (const window of dateWindows(startDay, endDay, LIST_WINDOW)) {
    const from = Date.parse(`${window.start}T00:00:00Z`);
    const to = Date.parse(`${addDays(window.end, 1)}T00:00:00Z`);
    const listed = await api.listJobs(addDays(window.start, -1), addDays(window.end, 2), signal);
    const seen = new Set<string>();
    const jobs = listed
      .filter((j) => j.createdMs >= from && j.createdMs < to && !seen.has(j.id) && seen.add(j.id))
      .sort(compareJobs);
    yield { window, jobs };
  }
}
