import { describe, expect, it } from 'vitest';
import { windowGrid, windowsToRead } from '../../jobs/windows.js';
import { planExportSlices } from './slices.js';
import type { SlicePlanInput } from './slices.js';

const input: SlicePlanInput = {
  portfolioType: 'ENTITY',
  portfolioIds: [101, 102],
  startDate: '2024-01-01',
  endDate: '2024-04-15',
  windowSize: 'month',
  lookbackDays: 0,
  includePartialWindow: false,
  parse: { format: 'csv' },
  params: (id, w) => ({ job_type: 'portfolio_view_results', parameters: { portfolio_id: String(id), start_date: w.start, end_date: w.end } }),
};

describe('planExportSlices', () => {
  it('plans portfolio × complete window in window order with stable keys, partitions and cursors', () => {
    const slices = planExportSlices(input, undefined);
    expect(slices.map((s) => s.key)).toEqual([
      'ENTITY:101|2024-01-01..2024-01-31',
      'ENTITY:102|2024-01-01..2024-01-31',
      'ENTITY:101|2024-02-01..2024-02-29',
      'ENTITY:102|2024-02-01..2024-02-29',
      'ENTITY:101|2024-03-01..2024-03-31',
      'ENTITY:102|2024-03-01..2024-03-31',
    ]);
    expect(slices[0]!.partition).toBe('ENTITY:101');
    expect(slices[0]!.cursor).toBe('2024-01-31');
    expect(slices[0]!.params.parameters).toEqual({ portfolio_id: '101', start_date: '2024-01-01', end_date: '2024-01-31' });
    expect(slices[0]!.params.window).toEqual({ start: '2024-01-01', end: '2024-01-31' });
  });

  it('with include_partial_window, reads the window in progress through end_date under its full bounds, and keeps the cursor before it', () => {
    const slices = planExportSlices({ ...input, portfolioIds: [101], includePartialWindow: true }, { partitions: { 'ENTITY:101': { cursor: '2024-03-31' } }, inflight: {} });
    expect(slices).toHaveLength(1);
    const april = slices[0]!;
    expect(april.key).toBe('ENTITY:101|2024-04-01..2024-04-30@2024-04-15');
    expect(april.params.window).toEqual({ start: '2024-04-01', end: '2024-04-30' });
    expect(april.params.asOf).toBe('2024-04-15');
    expect(april.params.parameters).toMatchObject({ start_date: '2024-04-01', end_date: '2024-04-15' });
    expect(april.cursor).toBe('2024-03-31');
    // The next day: the same window again (same record keys), read one day further.
    const next = planExportSlices({ ...input, portfolioIds: [101], includePartialWindow: true, endDate: '2024-04-16' }, { partitions: { 'ENTITY:101': { cursor: april.cursor } }, inflight: {} });
    expect(next.map((s) => [s.key, s.params.window.end, s.params.asOf])).toEqual([['ENTITY:101|2024-04-01..2024-04-30@2024-04-16', '2024-04-30', '2024-04-16']]);
  });

  it('continues each partition after its own cursor', () => {
    const slices = planExportSlices({ ...input, endDate: '2024-04-30' }, {
      partitions: { 'ENTITY:101': { cursor: '2024-02-29' }, 'ENTITY:102': { cursor: '2024-03-31' } },
      inflight: {},
    });
    expect(slices.map((s) => s.key)).toEqual(['ENTITY:101|2024-03-01..2024-03-31', 'ENTITY:101|2024-04-01..2024-04-30', 'ENTITY:102|2024-04-01..2024-04-30']);
  });

  it('re-reads whole windows that end within the lookback, with the same bounds (same primary keys)', () => {
    const slices = planExportSlices({ ...input, portfolioIds: [101], lookbackDays: 10, endDate: '2024-04-30' }, {
      partitions: { 'ENTITY:101': { cursor: '2024-03-31' } },
      inflight: {},
    });
    expect(slices.map((s) => s.key)).toEqual(['ENTITY:101|2024-03-01..2024-03-31', 'ENTITY:101|2024-04-01..2024-04-30']);
  });

  it('plans nothing once every window is read', () => {
    expect(windowsToRead(windowGrid('2024-01-01', '2024-01-31', 'month'), '2024-01-31', 0, true)).toEqual([]);
  });
});
