import { describe, expect, it } from 'vitest';
import type { ResolvedReport } from './config.js';
import { planReportSlices } from './report-streams.js';

const report: ResolvedReport = { name: 'r', reportId: 'mp_action_listing_fast', startDate: '2026-03-01', window: 'day', resultFormat: 'JSON', lookbackDays: 1, programId: '10306' };

describe('planReportSlices', () => {
  it('plans one export per window from start_date to today on a first sync', () => {
    const slices = planReportSlices(report, undefined, '2026-03-03');
    expect(slices.map((s) => s.key)).toEqual(['mp_action_listing_fast|2026-03-01..2026-03-01', 'mp_action_listing_fast|2026-03-02..2026-03-02', 'mp_action_listing_fast|2026-03-03..2026-03-03']);
    expect(slices[0]!.params).toEqual({
      kind: 'export',
      request: { reportId: 'mp_action_listing_fast', startDate: '2026-03-01', endDate: '2026-03-01', resultFormat: 'JSON', programId: '10306' },
    });
    expect(slices.map((s) => s.cursor)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  it('restarts after the cursor, minus the lookback', () => {
    const previous = { partitions: { mp_action_listing_fast: { cursor: '2026-03-03' } }, inflight: {} };
    expect(planReportSlices(report, previous, '2026-03-05').map((s) => s.cursor)).toEqual(['2026-03-03', '2026-03-04', '2026-03-05']);
    expect(planReportSlices({ ...report, lookbackDays: 0, window: 'month' }, previous, '2026-04-02').map((s) => s.key)).toEqual([
      'mp_action_listing_fast|2026-03-04..2026-03-31',
      'mp_action_listing_fast|2026-04-01..2026-04-02',
    ]);
  });
});
