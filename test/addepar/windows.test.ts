/**
 * Daily syncs across a month boundary, through the real CLI: a window in progress is never read
 * under a key of its own (no stale copy per day). By default only complete windows are read; with
 * include_partial_window the current month is read every day under the month's own keys, the
 * cursor never moving past it until it is over. end_date stands in for "yesterday" on each day;
 * one test leaves it unset and reads through the real yesterday, as a nightly sync does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, nextState, recordsOf, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };
const FEB = { start: '2024-02-01', end: '2024-02-29' };
const DAYS = ['2024-01-30', '2024-01-31', '2024-02-01'];

function key(r: Json): string {
  return `${String(r.portfolio_id)}|${String(r.window_start)}|${String(r.window_end)}|${String(r.path)}`;
}

/** Three daily syncs, each from the state the previous one left; the records of each day. */
async function threeDays(partial: boolean): Promise<Json[][]> {
  const sb = await h.sandbox();
  const catalog = h.file('cat.json', await holdingsCatalog(h));
  const days: Json[][] = [];
  let state: Json[] | undefined;
  for (const [i, day] of DAYS.entries()) {
    const config = h.file(`c${i}.json`, baseConfig(sb, { start_date: JAN.start, end_date: day, include_partial_window: partial, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] }));
    const r = await airbyte(['read', '--config', config, '--catalog', catalog, ...(state ? ['--state', h.file(`s${i}.json`, state)] : [])]);
    expect(r.code, r.stderr).toBe(0);
    days.push(recordsOf(r.messages, 'holdings'));
    state = nextState(r.messages);
  }
  return days;
}

describe('windows in progress', () => {
  it('by default reads only complete windows: January once it is over, February not yet', async () => {
    const [day1, day2, day3] = await threeDays(false);
    expect(day1).toEqual([]);
    expect(withoutEntityId(day2!)).toEqual(expectedViewRecords(12, 'ENTITY', 101, JAN));
    expect(day3).toEqual([]);
  });

  it('with include_partial_window reads the month in progress every day under the same keys: no stale rows, no duplicate keys', async () => {
    const days = await threeDays(true);
    // Every record carries the window's calendar bounds; only as_of says how far its data reaches.
    expect(new Set(days.flat().map((r) => `${String(r.window_start)}..${String(r.window_end)}`))).toEqual(new Set(['2024-01-01..2024-01-31', '2024-02-01..2024-02-29']));
    expect(days.map((d) => [...new Set(d.map((r) => String(r.as_of)))])).toEqual([['2024-01-30'], ['2024-01-31'], ['2024-02-01']]);
    // What a destination that deduplicates by key keeps (the latest version of each key).
    const latest = new Map<string, Json>();
    for (const r of days.flat()) latest.set(key(r), r);
    const monthSoFar = (w: { start: string; end: string }, through: string) =>
      expectedViewRecords(12, 'ENTITY', 101, { start: w.start, end: through }).map((r) => ({ ...r, window_end: w.end, as_of: through }));
    const expected = [...expectedViewRecords(12, 'ENTITY', 101, JAN), ...monthSoFar(FEB, '2024-02-01')];
    expect(withoutEntityId([...latest.values()]).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
    // Day 1's January rows were all replaced on day 2: no key of a window in progress is left over.
    expect(latest.size).toBe(expected.length);
    expect([...latest.values()].every((r) => r.window_end === '2024-01-31' ? r.as_of === '2024-01-31' : true)).toBe(true);
  });

  it('with end_date unset (as a nightly sync runs), reads through yesterday: last month, and this month only with include_partial_window', async () => {
    const day = (d: Date): string => d.toISOString().slice(0, 10);
    const now = new Date();
    const yesterday = day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1)));
    const lastMonth = { start: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))), end: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0))) };
    const thisMonth = { start: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), end: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0))) };
    const sb = await h.sandbox();
    const catalog = h.file('cat.json', await holdingsCatalog(h));
    const windowsRead = async (partial: boolean): Promise<string[]> => {
      const config = h.file(`c-${partial}.json`, baseConfig(sb, { start_date: lastMonth.start, end_date: undefined, include_partial_window: partial, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] }));
      const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
      expect(r.code, r.stderr).toBe(0);
      return [...new Set(recordsOf(r.messages, 'holdings').map((x) => `${String(x.window_start)}..${String(x.window_end)} as of ${String(x.as_of ?? x.window_end)}`))];
    };
    expect(await windowsRead(false)).toEqual([`${lastMonth.start}..${lastMonth.end} as of ${lastMonth.end}`]);
    // On the 1st, this month has no complete day yet.
    const inProgress = yesterday >= thisMonth.start ? [`${thisMonth.start}..${thisMonth.end} as of ${yesterday}`] : [];
    expect(await windowsRead(true)).toEqual([`${lastMonth.start}..${lastMonth.end} as of ${lastMonth.end}`, ...inProgress]);
  });
});
