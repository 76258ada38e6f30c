import { describe, expect, it } from 'vitest';
import { analyse, InvalidPortfolioError, walkTree, type AnalysisRequest } from './analysis.js';

const base: AnalysisRequest = {
  portfolioType: 'ENTITY',
  portfolioIds: [102],
  startDate: '2024-07-01',
  endDate: '2024-07-31',
  columns: ['value', 'weight', 'time_weighted_return'],
  groupings: ['asset_class', 'security'],
};

function paths(req: AnalysisRequest): string[] {
  return [...walkTree(analyse(req))].map((n) => n.path.join(' / ') || 'Total');
}

describe('sandbox analysis', () => {
  it('is deterministic and varies by window', () => {
    expect(analyse(base)).toEqual(analyse(base));
    expect(analyse(base).columns.value).not.toEqual(analyse({ ...base, startDate: '2024-08-01', endDate: '2024-08-31' }).columns.value);
  });

  it('includes a position only if held during the window; hide_previous_holdings drops those not held at the end', () => {
    // Apple was sold by portfolio 102 on 2024-06-28: not in July at all.
    expect(paths(base)).not.toContain('Equity / Apple Inc.');
    const june = { ...base, startDate: '2024-06-01', endDate: '2024-06-30' };
    expect(paths(june)).toContain('Equity / Apple Inc.');
    expect(paths({ ...june, hidePreviousHoldings: true })).not.toContain('Equity / Apple Inc.');
  });

  it('weights of the top level sum to 1 and children sum to their parent value', () => {
    const tree = analyse({ ...base, portfolioType: 'FIRM', portfolioIds: [1] });
    const weights = tree.children.map((c) => c.columns.weight as number);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    for (const c of tree.children) {
      expect(c.children.reduce((a, b) => a + (b.columns.value as number), 0)).toBeCloseTo(c.columns.value as number, 6);
    }
  });

  it('applies discrete include/exclude filters', () => {
    const only = paths({ ...base, portfolioIds: [101], filters: [{ attribute: 'asset_class', operator: 'include', values: ['Equity'] }] });
    expect(only.filter((p) => p.split(' / ').length === 1 && p !== 'Total')).toEqual(['Equity']);
    const without = paths({ ...base, portfolioIds: [101], filters: [{ attribute: 'security', operator: 'exclude', values: ['2001'] }] });
    expect(without).not.toContain('Equity / Apple Inc.');
  });

  it('names the unknown portfolio', () => {
    expect(() => analyse({ ...base, portfolioIds: [10] })).toThrow(InvalidPortfolioError);
    expect(() => analyse({ ...base, portfolioIds: [10] })).toThrow('Invalid portfolio: ENTITY 10');
  });

  it('serves synthetic portfolios of any size', () => {
    const tree = analyse({ ...base, portfolioIds: [1_000_050], groupings: ['security'] });
    expect(tree.children).toHaveLength(50);
    expect(tree.children.every((c) => c.entityId !== undefined)).toBe(true);
  });
});
