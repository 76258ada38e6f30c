import { describe, expect, it } from 'vitest';
import { createRowTyper, inferSchema } from './index.js';

describe('inferSchema', () => {
  const rows = [
    { ID: '1', 'Market Value': '$1,000.50', 'TWR %': '12.5%', Active: 'true', 'As Of': '2024-01-31', Stamp: '2024-01-31T10:00:00Z', Zip: '02134', Note: 'x', Empty: '', Mixed: '1' },
    { ID: '2', 'Market Value': '20', 'TWR %': '', Active: 'FALSE', 'As Of': '01/02/2024', Stamp: '2024-02-01', Zip: '10001', Note: '5', Empty: '', Mixed: 'a' },
    { ID: 3, 'Market Value': 7.25, Nested: { a: 1 }, List: [1] },
  ];

  it('infers nullable types keyed by normalised name with the original name kept', () => {
    expect(inferSchema(rows)).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: true,
      properties: {
        id: { type: ['null', 'integer'], 'x-original-name': 'ID' },
        market_value: { type: ['null', 'number'], 'x-original-name': 'Market Value' },
        twr_pct: { type: ['null', 'number'], 'x-original-name': 'TWR %' },
        active: { type: ['null', 'boolean'], 'x-original-name': 'Active' },
        as_of: { type: ['null', 'string'], format: 'date', 'x-original-name': 'As Of' },
        stamp: { type: ['null', 'string'], format: 'date-time', 'x-original-name': 'Stamp' },
        zip: { type: ['null', 'string'], 'x-original-name': 'Zip' },
        note: { type: ['null', 'string'], 'x-original-name': 'Note' },
        empty: { type: ['null', 'string'], 'x-original-name': 'Empty' },
        mixed: { type: ['null', 'string'], 'x-original-name': 'Mixed' },
        nested: { type: ['null', 'object'], 'x-original-name': 'Nested' },
        list: { type: ['null', 'array'], 'x-original-name': 'List' },
      },
    });
  });

  it('looks only at the sample', () => {
    const schema = inferSchema([{ a: '1' }, { a: 'x' }], { sampleSize: 1 });
    expect(schema.properties!.a.type).toEqual(['null', 'integer']);
  });

  it('gives a schema the row typer can cast every sampled row with', () => {
    const schema = inferSchema(rows);
    const typer = createRowTyper({ schema, onCastError: 'fail', fileName: 'sample' });
    const typed = rows.map((r, i) => typer.type(r, i + 1));
    expect(typed[0]).toMatchObject({ id: 1, market_value: 1000.5, twr_pct: 0.125, active: true, as_of: '2024-01-31', zip: '02134' });
    expect(typed[1]).toMatchObject({ as_of: '2024-01-02', stamp: '2024-02-01T00:00:00Z', mixed: 'a', twr_pct: null });
  });
});
