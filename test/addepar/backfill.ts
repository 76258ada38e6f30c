/**
 * The 12-month Addepar backfill the rate-limit tests run (one view export, three portfolios: 36
 * jobs, more requests than one 15-minute window allows) and what its records must be.
 */
import { expectedViewRecords, ofType, type Json } from './harness.js';

export const MONTHS = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => {
  const start = `2024-${m}-01`;
  const end = new Date(Date.UTC(2024, Number(m), 0)).toISOString().slice(0, 10);
  return { start, end };
});
export const PORTFOLIOS = [101, 102, 103];
/** One view export, three portfolios, twelve monthly windows: 36 jobs, more requests than one 15-minute window allows. */
export const BACKFILL = {
  start_date: '2024-01-01',
  end_date: '2024-12-31',
  max_concurrent_jobs: 6,
  view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: PORTFOLIOS, output_type: 'CSV' }],
};

export function expectedBackfill(): Json[] {
  const out: Json[] = [];
  for (const id of PORTFOLIOS) for (const w of MONTHS) out.push(...expectedViewRecords(12, 'ENTITY', id, w));
  return out;
}

export function key(r: Json): string {
  return `${String(r.portfolio_id)}|${String(r.window_start)}|${String(r.window_end)}|${String(r.path)}`;
}

export function sortByKey(records: Json[]): Json[] {
  return [...records].sort((a, b) => key(a).localeCompare(key(b)));
}

export function logs(messages: Json[]): string[] {
  return ofType(messages, 'LOG').map((m) => String((m.log as Json).message));
}

export function errors(messages: Json[]): Json[] {
  return ofType(messages, 'TRACE')
    .map((m) => (m.trace as Json).error as Json | undefined)
    .filter((e): e is Json => e !== undefined);
}
