import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { createRecordBuilder, recordSchema, tabularMapping, type ResultShape } from './records.js';
import { queryShape, viewShape, fieldTypeOfOutputType } from './shapes.js';

const shape: ResultShape = viewShape({
  id: '12',
  columns: [
    { key: 'value', display_name: 'Value', output_type: 'Financial' },
    { key: 'time_weighted_return', display_name: 'TWR', output_type: 'Percent' },
    { key: 'inception_date', display_name: 'Inception Date', output_type: 'Date' },
    { key: 'path', display_name: 'Path', output_type: 'Word' },
  ],
  groupings: [
    { key: 'asset_class', display_name: 'Asset Class' },
    { key: 'security', display_name: 'Security' },
  ],
});
const context = { portfolioType: 'ENTITY', portfolioId: 22, window: { start: '2024-01-01', end: '2024-01-31' }, asOf: '2024-01-31' };
const job = { jobId: 'j1', firstRowNumber: 1 };

describe('view shape', () => {
  it('names fields after display names, never colliding with the record frame', () => {
    expect(shape.columns.map((c) => c.field)).toEqual(['value', 'twr', 'inception_date', 'path_2']);
    expect(shape.columns.map((c) => c.type)).toEqual(['number', 'number', 'date', 'string']);
  });

  it('types unknown output types as text', () => {
    expect(fieldTypeOfOutputType('Something New')).toBe('string');
    expect(fieldTypeOfOutputType(undefined)).toBe('string');
  });

  it('schema declares the frame, the columns and their original names', () => {
    const schema = recordSchema(shape, 't');
    expect(schema.properties?.twr).toMatchObject({ type: ['null', 'number'], 'x-original-name': 'TWR', 'x-addepar-key': 'time_weighted_return' });
    expect(schema.properties?.window_end).toMatchObject({ type: 'string', format: 'date' });
  });
});

describe('record builder', () => {
  it('tabular rows and tree rows of the same node give the same record (entity id only from JSON)', () => {
    const tabular = createRecordBuilder(shape, 'tabular', 'fail');
    const tree = createRecordBuilder(shape, 'tree', 'fail');
    const fromCsv = tabular.toRecords(
      [
        { 'Asset Class': 'Total', Security: '', Value: '$1,234.50', TWR: '1.25%', 'Inception Date': '03/15/2019', Path: 'x' },
        { 'Asset Class': 'Equity', Security: '', Value: '-$10.00', TWR: '-0.50%', 'Inception Date': '', Path: '' },
        { 'Asset Class': 'Equity', Security: 'Apple Inc.', Value: '$5.00', TWR: '0.00%', 'Inception Date': '01/02/2020', Path: 'y' },
      ],
      context,
      job,
    );
    const fromJson = tree.toRecords(
      [
        { _path: 'Total', _depth: 0, _name: 'Total', _grouping: null, _entity_id: null, value: 1234.5, time_weighted_return: 0.0125, inception_date: '2019-03-15', path: 'x' },
        { _path: 'Total / Equity', _depth: 1, _name: 'Equity', _grouping: 'asset_class', _entity_id: null, value: -10, time_weighted_return: -0.005 },
        { _path: 'Total / Equity / Apple Inc.', _depth: 2, _name: 'Apple Inc.', _grouping: 'security', _entity_id: 2001, value: 5, time_weighted_return: 0, inception_date: '2020-01-02', path: 'y' },
      ],
      context,
      job,
    );
    expect(fromCsv[0]).toEqual({
      portfolio_type: 'ENTITY',
      portfolio_id: 22,
      window_start: '2024-01-01',
      window_end: '2024-01-31',
      as_of: '2024-01-31',
      path: 'Total',
      depth: 0,
      name: 'Total',
      grouping: null,
      entity_id: null,
      value: 1234.5,
      twr: 0.0125,
      inception_date: '2019-03-15',
      path_2: 'x',
    });
    expect(fromJson.map((r) => ({ ...r, entity_id: null }))).toEqual(fromCsv);
    expect(fromCsv[2]).toMatchObject({ path: 'Total / Equity / Apple Inc.', depth: 2, grouping: 'security', name: 'Apple Inc.' });
    expect(fromJson[2]!.entity_id).toBe(2001);
  });

  it('a cell that does not fit its type fails with the file named, by default', () => {
    const b = createRecordBuilder(shape, 'tabular', 'fail');
    expect(() => b.toRecords([{ 'Asset Class': 'Total', Security: '', Value: 'n/a' }], context, job)).toThrow(/Addepar job j1/);
  });

  it('with on_cast_error=null the cell becomes null and the batch logs one warning', () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const b = createRecordBuilder(shape, 'tabular', 'null', logger);
    const rows = [
      { 'Asset Class': 'Total', Security: '', Value: 'n/a' },
      { 'Asset Class': 'Equity', Security: '', Value: 'n/a', TWR: '??' },
    ];
    const recs = b.toRecords(rows, context, job);
    expect(recs.map((r) => r.value)).toEqual([null, null]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Addepar job j1 result: 3 cell\(s\) in rows 1-2 .*on_cast_error=null/);
    b.toRecords([{ 'Asset Class': 'Equity', Security: 'X', Value: '$1.00' }], context, { jobId: 'j1', firstRowNumber: 3 });
    expect(warnings).toHaveLength(1);
  });
});

describe('query shape', () => {
  it('types known attributes, honours configured names and types, rejects duplicate keys', () => {
    const s = queryShape({
      name: 'q',
      columns: [{ key: 'value' }, { key: 'inception_date' }, { key: 'custom_attr_1', name: 'Risk Bucket' }, { key: 'units', type: 'integer' }],
      groupings: [{ key: 'asset_class' }],
      portfolio_type: 'ENTITY',
      portfolio_ids: [1],
    });
    expect(s.columns.map((c) => [c.field, c.type])).toEqual([
      ['value', 'number'],
      ['inception_date', 'date'],
      ['risk_bucket', 'string'],
      ['units', 'integer'],
    ]);
    expect(() =>
      queryShape({ name: 'q', columns: [{ key: 'value' }, { key: 'value', arguments: { time_point: '2024-01-01' } }], groupings: [], portfolio_type: 'ENTITY', portfolio_ids: [1] }),
    ).toThrow(/column "value" twice/);
  });
});

describe('tabular total row', () => {
  it('only the first row of a file is the total; a later group called "Total" is a group', () => {
    const b = createRecordBuilder(shape, 'tabular', 'fail');
    const rows = [
      { 'Asset Class': 'Total', Security: '' },
      { 'Asset Class': 'Total', Security: '' },
    ];
    const recs = b.toRecords(rows, context, job);
    expect(recs.map((r) => [r.path, r.depth, r.grouping])).toEqual([
      ['Total', 0, null],
      ['Total / Total', 1, 'asset_class'],
    ]);
    // Resuming mid-file (a later sync, a new builder): the batch starts at row 3, so its first row is not the total.
    const resumed = createRecordBuilder(shape, 'tabular', 'fail').toRecords([{ 'Asset Class': 'Total', Security: '' }], context, { jobId: 'j1', firstRowNumber: 3 });
    expect(resumed[0]!.depth).toBe(1);
  });

  it('two rows of one result with the same path (one primary key) are an error naming both rows, never merged', () => {
    const b = createRecordBuilder(shape, 'tabular', 'fail');
    const rows = [
      { 'Asset Class': 'Total', Security: '' },
      { 'Asset Class': 'Equity', Security: 'Soci\u00e9t\u00e9 G\u00e9n\u00e9rale' },
      { 'Asset Class': 'Equity', Security: 'Apple Inc.' },
    ];
    expect(b.toRecords(rows, context, job)).toHaveLength(3);
    expect(() => b.toRecords([{ 'Asset Class': 'Equity', Security: 'Apple Inc.' }], context, { jobId: 'j1', firstRowNumber: 4 })).toThrow(
      /Addepar job j1 result, rows 3 and 4: both have the path "Total \/ Equity \/ Apple Inc\.", so they would share one primary key/,
    );
    // Another job's result starts over.
    expect(b.toRecords(rows, context, { jobId: 'j2', firstRowNumber: 1 })).toHaveLength(3);
  });
});

describe('tabular header mapping', () => {
  it('matches by name, also when a row leaves out empty cells', () => {
    expect(tabularMapping(['Asset Class', 'Security', 'Value'], shape, 'f')).toEqual({
      levels: ['Asset Class', 'Security'],
      columns: ['Value', 'TWR', 'Inception Date', 'Path'],
    });
  });

  it('falls back to positions when the view renamed its headers', () => {
    const renamed = ['Class', 'Holding', 'Market Value', 'Return', 'Since', 'P'];
    const m = tabularMapping(renamed, shape, 'f');
    expect(m).toEqual({ levels: ['Class', 'Holding'], columns: ['Market Value', 'Return', 'Since', 'P'] });
    const b = createRecordBuilder(shape, 'tabular', 'fail');
    const [rec] = b.toRecords([{ Class: 'Equity', Holding: '', 'Market Value': '$2.00', Return: '1.00%', Since: '', P: '' }], context, job);
    expect(rec).toMatchObject({ path: 'Total / Equity', value: 2, twr: 0.01 });
  });

  it('refuses a file whose columns belong to another view', () => {
    expect(() => tabularMapping(['Foo', 'Bar'], shape, 'Addepar job 9 result')).toThrow(/Addepar job 9 result has the columns.*run discover again/);
  });
});
