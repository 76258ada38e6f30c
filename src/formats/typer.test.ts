import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../core/json-schema.js';
import { createRowTyper, FileFormatError } from './index.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    value: { type: ['null', 'number'] },
    twr: { type: ['null', 'number'], 'x-original-name': 'Time Weighted Return' },
    active: { type: ['null', 'boolean'] },
    as_of: { type: ['null', 'string'], format: 'date' },
    updated_at: { type: ['null', 'string'], format: 'date-time' },
    name: { type: ['null', 'string'] },
    tags: { type: ['null', 'array'] },
  },
};

const typer = (onCastError: 'fail' | 'null' = 'fail') => createRowTyper({ schema, onCastError, fileName: 'export.csv' });

describe('createRowTyper', () => {
  it('maps raw keys to properties by normalised name or x-original-name and casts each cell', () => {
    const row = typer().type(
      {
        ID: '42',
        Value: '$1,234.56',
        'Time Weighted Return': '12.34%',
        Active: 'Yes',
        'As Of': '01/31/2024',
        'Updated At': '2024-01-31 13:05:00',
        Name: 'Apple',
        Tags: '["a","b"]',
      },
      1,
    );
    expect(row).toEqual({
      id: 42,
      value: 1234.56,
      twr: 0.1234,
      active: true,
      as_of: '2024-01-31',
      updated_at: '2024-01-31T13:05:00Z',
      name: 'Apple',
      tags: ['a', 'b'],
    });
  });

  it.each([
    ['1,234.56', 1234.56],
    ['-$5.00', -5],
    ['$-5.00', -5],
    ['(1,234.56)', -1234.56],
    ['($12)', -12],
    ['USD 1,234.56', 1234.56],
    ['1,234.56 EUR', 1234.56],
    ['€3.5', 3.5],
    ['12.5%', 0.125],
    ['-0.5%', -0.005],
    ['1e3', 1000],
    ['.5', 0.5],
    [' 7 ', 7],
    [3.25, 3.25],
  ])('number cell %j → %j', (input, expected) => {
    expect(typer().type({ value: input }, 1).value).toBe(expected);
  });

  it.each(['1,2', '12..5', 'abc', '--5', '(-5)', '1,234,56', 'NaN', 'Infinity', '5$5', true])(
    'number cell %j cannot be cast',
    (input) => {
      expect(() => typer().type({ value: input }, 3)).toThrow(FileFormatError);
    },
  );

  it('turns empty cells into null for every type', () => {
    const row = typer().type({ id: '', value: '  ', active: null, as_of: '', name: '', tags: undefined }, 1);
    expect(row).toEqual({ id: null, value: null, active: null, as_of: null, name: null, tags: null });
  });

  it('rejects fractional integers and impossible dates', () => {
    expect(() => typer().type({ id: '1.5' }, 1)).toThrow(/cannot cast "1.5" to integer/);
    expect(() => typer().type({ as_of: '2024-02-30' }, 1)).toThrow(FileFormatError);
    expect(() => typer().type({ as_of: '13/01/2024' }, 1)).toThrow(FileFormatError);
  });

  it('names file, row, column and value when a cell cannot be cast under the fail policy', () => {
    try {
      typer('fail').type({ 'Time Weighted Return': 'n/a' }, 17);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FileFormatError);
      const e = err as FileFormatError;
      expect(e.row).toBe(17);
      expect(e.column).toBe('Time Weighted Return');
      expect(e.message).toBe('export.csv, row 17, column "Time Weighted Return": cannot cast "n/a" to number');
    }
  });

  it('counts failures and writes null under the null policy', () => {
    const t = typer('null');
    expect(t.type({ value: 'n/a', id: '3' }, 1)).toEqual({ value: null, id: 3 });
    expect(t.type({ value: '--' }, 2)).toEqual({ value: null });
    expect(t.castFailures).toBe(2);
  });

  it('casts dates and date-times from ISO text and spreadsheet Date objects', () => {
    const t = typer();
    expect(t.type({ as_of: '2024-01-31T23:59:59Z', updated_at: '2024-01-31' }, 1)).toEqual({
      as_of: '2024-01-31',
      updated_at: '2024-01-31T00:00:00Z',
    });
    expect(t.type({ as_of: new Date(Date.UTC(2023, 11, 1)), updated_at: new Date(Date.UTC(2023, 11, 1, 8)) }, 2)).toEqual({
      as_of: '2023-12-01',
      updated_at: '2023-12-01T08:00:00.000Z',
    });
    expect(t.type({ updated_at: '2024-01-31T10:00:00+0530' }, 3)).toEqual({ updated_at: '2024-01-31T10:00:00+05:30' });
    expect(t.type({ updated_at: '1/2/2024 1:05 PM' }, 4)).toEqual({ updated_at: '2024-01-02T13:05:00Z' });
    expect(t.type({ updated_at: '2024-02-29T23:59:60Z' }, 5)).toEqual({ updated_at: '2024-02-29T23:59:60Z' });
    expect(() => t.type({ updated_at: '2023-02-29T10:00:00Z' }, 6)).toThrow(FileFormatError);
    expect(() => t.type({ updated_at: '2024-01-31T24:00:00Z' }, 7)).toThrow(FileFormatError);
  });

  it('casts booleans from words and 0/1', () => {
    const t = typer();
    expect(['TRUE', 'no', 'Y', 'f', '1', 0, false].map((v) => t.type({ active: v }, 1).active)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('keeps columns outside the schema under their normalised name with their raw value', () => {
    expect(typer().type({ 'Extra Column %': 5, 'Other Thing': '' }, 1)).toEqual({ extra_column_pct: 5, other_thing: null });
  });

  it('gives colliding raw keys distinct names, the first one keeping the property', () => {
    expect(typer().type({ Value: '1', value: '2' }, 1)).toEqual({ value: 1, value_2: '2' });
  });

  it('tries union types in order with string last', () => {
    const t = createRowTyper({
      schema: { properties: { v: { type: ['null', 'string', 'integer'] } } },
      onCastError: 'fail',
      fileName: 'f',
    });
    expect(t.type({ v: '12' }, 1).v).toBe(12);
    expect(t.type({ v: 'twelve' }, 2).v).toBe('twelve');
  });

  it('counts a cell that does not fit once when the row has other keys than the row before', () => {
    const schema: JsonSchema = { type: 'object', properties: { a: { type: ['null', 'integer'] }, b: { type: ['null', 'integer'] } } };
    const t = createRowTyper({ schema, onCastError: 'null', fileName: 'f.json' });
    t.type({ a: 1, b: 2 }, 1);
    // Same number of keys, another key set: the first shape must not cast "x" before seeing "c".
    expect(t.type({ a: 'x', c: 3 }, 2)).toEqual({ a: null, c: 3 });
    expect(t.castFailures).toBe(1);
  });
});
