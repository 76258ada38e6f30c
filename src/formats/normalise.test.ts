import { describe, expect, it } from 'vitest';
import { dedupeHeaderNames, normaliseColumnName, normaliseColumnNames } from './normalise.js';

describe('normaliseColumnName', () => {
  it.each([
    ['Value', 'value'],
    ['Market Value (USD)', 'market_value_usd'],
    ['TWR %', 'twr_pct'],
    ['% of Portfolio', 'pct_of_portfolio'],
    ['PercentageComplete', 'percentage_complete'],
    ['TWRValue', 'twr_value'],
    ['ProgramId', 'program_id'],
    ['# of Shares', 'num_of_shares'],
    ['Cash & Equivalents', 'cash_and_equivalents'],
    ['Café Société', 'cafe_societe'],
    ['1Y Return', '_1y_return'],
    ['  spaced  out  ', 'spaced_out'],
    ['', 'column'],
    ['日本', 'column'],
    ['already_snake_case', 'already_snake_case'],
    ['__proto__', 'proto'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseColumnName(input)).toBe(expected);
  });

  it('limits names to 63 characters', () => {
    expect(normaliseColumnName('x'.repeat(100))).toHaveLength(63);
  });

  it('always gives a warehouse-safe identifier', () => {
    for (const name of ['9', '-', 'A-B-C', 'ÀÉÎ', 'x\ny', '%%', 'Ω']) {
      expect(normaliseColumnName(name)).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
    }
  });
});

describe('normaliseColumnNames', () => {
  it('resolves collisions first-come-first-served with numeric suffixes', () => {
    expect(normaliseColumnNames(['Value', 'value', 'VALUE', 'value_2', 'Value %', 'value_pct'])).toEqual([
      'value',
      'value_2',
      'value_3',
      'value_2_2',
      'value_pct',
      'value_pct_2',
    ]);
  });
});

describe('dedupeHeaderNames', () => {
  it('names empty headers by position and suffixes repeats, skipping names the header already uses', () => {
    expect(dedupeHeaderNames(['a', '', 'a', 'a_2', ' ', 'a'])).toEqual(['a', 'column_2', 'a_3', 'a_2', 'column_5', 'a_4']);
  });
});
