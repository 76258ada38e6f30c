import { describe, expect, it } from 'vitest';
import { planExportSlices, windowsToRead } from './slices.js';
import type { SlicePlanInput } from './slices.js';

const input: SlicePlanInput = {
  portfolioType: 'ENTITY',
  portfolioIds: [101, 102],
  startDate: '2024-01-01',
  endDate: '2024-04-15',
  windowSize: 'month',
  lookbackDays: 0,
  parse: { format: 'csv' },
  params: (id, w) => ({ job_type: 'portfolio_view_results', parameters: { portfolio_id: String(id), start_date: w.start, end_date: w.end } }),
};

describe('planExportSlices', () => {
  it('plans portfolio × window in window order with stable keys, partitions and cursors', () => {
    const slices = planExportSlices(input, undefined);
    expect(slices.map((s) => s.key)).toEqual([
      'ENTITY:101|2024-01-01..2024-01-31',
      'ENTITY:102|2024-01-01..2024-01-31',
      'ENTITY:101|2024-02-01..2024-02-29',
      'ENTITY:102|2024-02-01..2024-02-29',
      'ENTITY:101|2024-03-01..2024-03-31',
      'ENTITY:102|2024-03-01..2024-03-31',
      'ENTITY:101|2024-04-01..2024-04-15',
      'ENTITY:102|2024-04-01..2024-04-15',
    ]);
    expect(slices[0]!.partition).toBe('ENTITY:101');
    expect(slices[0]!.cursor).toBe('2024-01-31');
    expect(slices[0]!.params.parameters).toEqual({ portfolio_id: '101', start_date: '2024-01-01', end_date: '2024-01-31' });
  });

  it('continues each partition after its own cursor', () => {
    const slices = planExportSlices(input, {
      partitions: { 'ENTITY:101': { cursor: '2024-02-29' }, 'ENTITY:102': { cursor: '2024-03-31' } },
      inflight: {},
    });
    expect(slices.map((s) => s.key)).toEqual([
      'ENTITY:101|2024-03-01..2024-03-31',
      'ENTITY:101|2024-04-01..2024-04-15',
      'ENTITY:102|2024-04-01..2024-04-15',
    ]);
  });

  it('re-reads whole windows that end within the lookback, with the same bounds (same primary keys)', () => {
    const slices = planExportSlices({ ...input, portfolioIds: [101], lookbackDays: 10 }, {
      partitions: { 'ENTITY:101': { cursor: '2024-03-31' } },
      inflight: {},
    });
    expect(slices.map((s) => s.key)).toEqual(['ENTITY:101|2024-03-01..2024-03-31', 'ENTITY:101|2024-04-01..2024-04-15']);
  });

  it('plans nothing once every window is read', () => {
    expect(windowsToRead([{ start: '2024-01-01', end: '2024-01-31' }], '2024-01-31', 0)).toEqual([]);
  });
});
