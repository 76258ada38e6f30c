import { describe, expect, it } from 'vitest';
import type { ResolvedReport } from './config.js';
import { planReportSlices } from './report-streams.js';

const report: ResolvedReport = {
  name: 'r',
  reportId: 'mp_action_listing_fast',
  startDate: '2026-03-01',
  window: 'day',
  resultFormat: 'JSON',
  lookbackDays: 1,
  programId: '10306',
  includePartialWindow: false,
};

describe('planReportSlices', () => {
  it('plans one export per complete window from start_date through yesterday on a first sync', () => {
    const slices = planReportSlices(report, undefined, '2026-03-04');
    expect(slices.map((s) => s.key)).toEqual(['mp_action_listing_fast|2026-03-01..2026-03-01', 'mp_action_listing_fast|2026-03-02..2026-03-02', 'mp_action_listing_fast|2026-03-03..2026-03-03']);
    expect(slices[0]!.params).toEqual({
      kind: 'export',
      request: { reportId: 'mp_action_listing_fast', startDate: '2026-03-01', endDate: '2026-03-01', resultFormat: 'JSON', programId: '10306' },
      window: { start: '2026-03-01', end: '2026-03-01' },
      asOf: '2026-03-01',
    });
    expect(slices.map((s) => s.cursor)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  it('restarts after the cursor, minus the lookback, always on the fixed grid (same bounds, same keys)', () => {
    const previous = { partitions: { mp_action_listing_fast: { cursor: '2026-03-03' } }, inflight: {} };
    expect(planReportSlices(report, previous, '2026-03-06').map((s) => s.cursor)).toEqual(['2026-03-03', '2026-03-04', '2026-03-05']);
    // A lookback reaching into a month re-exports the whole month, never a clipped part of it.
    const monthly = { ...report, window: 'month' as const, lookbackDays: 2 };
    expect(planReportSlices(monthly, { partitions: { mp_action_listing_fast: { cursor: '2026-03-31' } }, inflight: {} }, '2026-05-02').map((s) => s.key)).toEqual([
      'mp_action_listing_fast|2026-03-01..2026-03-31',
      'mp_action_listing_fast|2026-04-01..2026-04-30',
    ]);
  });

  it('with include_partial_window, exports the window in progress through yesterday under its full bounds, cursor before it', () => {
    const weekly = { ...report, window: 'week' as const, startDate: '2026-11-30', includePartialWindow: true };
    const [week] = planReportSlices(weekly, undefined, '2026-12-03');
    expect(week!.key).toBe('mp_action_listing_fast|2026-11-30..2026-12-06@2026-12-02');
    expect(week!.params).toMatchObject({ request: { startDate: '2026-11-30', endDate: '2026-12-02' }, window: { start: '2026-11-30', end: '2026-12-06' }, asOf: '2026-12-02' });
    expect(week!.cursor).toBe('2026-11-29');
    // Without the setting the week is exported once it is over.
    expect(planReportSlices({ ...weekly, includePartialWindow: false }, undefined, '2026-12-03')).toEqual([]);
  });
});
