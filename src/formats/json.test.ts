import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { parseResult } from './index.js';
import type { JsonLayout } from './types.js';
import { bodyOf, collectRows, fileFormatFailure } from './test-bodies.js';
import { MAX_VALUE_CHARS } from './json.js';

const json = (content: string | Buffer, jsonLayout: JsonLayout = 'auto', chunkSize = 5) =>
  collectRows(parseResult(bodyOf(content, { chunkSize, fileName: 'result.json' }), { format: 'json', jsonLayout }));

const failure = fileFormatFailure;

/** The shape of Addepar's portfolio query response, as published in its API docs. */
const portfolioTree = JSON.stringify({
  meta: {
    columns: [{ key: 'value', display_name: 'Value (USD)', output_type: 'Number', currency: 'USD' }],
    groupings: [{ key: 'holding_account', display_name: 'Holding Account' }],
  },
  data: {
    type: 'portfolio_views',
    attributes: {
      total: {
        name: 'Total',
        columns: { value: 100.5, time_weighted_return: 0.0239 },
        children: [
          {
            entity_id: 2260636,
            name: 'Adam Smith IRA',
            grouping: 'holding_account',
            columns: { value: 60, time_weighted_return: null },
            children: [
              { entity_id: 2260640, name: 'Pershing', grouping: 'holding_account', columns: { value: 40 }, children: [] },
              { name: 'Directly Owned', grouping: 'holding_account', columns: { value: 20 }, children: [] },
            ],
          },
          { entity_id: 260654, name: 'Manager C', grouping: 'holding_account', columns: { value: 40.5 }, children: [] },
        ],
      },
    },
  },
  included: [],
});

describe('JSON parsing', () => {
  it('reads a top-level array of objects, across tiny chunks', async () => {
    const doc = '[{"a": 1, "b": "x"}, {"a": 2.5, "b": null, "c": {"d": [1, true]}}]';
    for (const chunkSize of [1, 3, 1000]) {
      expect(await json(doc, 'array', chunkSize)).toEqual([
        { a: 1, b: 'x' },
        { a: 2.5, b: null, c: { d: [1, true] } },
      ]);
    }
  });

  it('keeps a hostile "__proto__" key as a property and lets a repeated key win like JSON.parse', async () => {
    const [row, second] = await json('[{"__proto__": {"polluted": true}, "a": 1}, {"a": 1, "a": 2}]');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(second).toEqual({ a: 2 });
  });

  it('keeps integers beyond 2^53 as exact digit strings', async () => {
    expect(await json('[{"id": 12345678901234567890, "n": 9007199254740991}]')).toEqual([
      { id: '12345678901234567890', n: 9007199254740991 },
    ]);
  });

  it('merges JSON:API attributes with the id and skips meta, links and included', async () => {
    const doc = JSON.stringify({
      meta: { count: 2 },
      data: [
        { id: '7', type: 'jobs', attributes: { status: 'Completed', percent_complete: 1 }, links: { self: '/x' } },
        { id: '8', type: 'jobs', attributes: { status: 'Error' } },
      ],
      links: { next: null },
      included: [{ id: 'x' }],
    });
    expect(await json(doc, 'jsonapi')).toEqual([
      { id: '7', status: 'Completed', percent_complete: 1 },
      { id: '8', status: 'Error' },
    ]);
    expect(await json(doc, 'auto')).toHaveLength(2);
    expect(await json('{"data": null, "meta": {}}', 'jsonapi')).toEqual([]);
    expect(await json('{"data": {"id": "9", "type": "jobs", "attributes": {"status": "Queued"}}}', 'jsonapi')).toEqual([
      { id: '9', status: 'Queued' },
    ]);
  });

  it('flattens a portfolio tree into one row per node, total first, with path and depth', async () => {
    const rows = await json(portfolioTree, 'addepar_tree', 3);
    expect(rows).toEqual([
      { _path: 'Total', _depth: 0, _name: 'Total', _grouping: null, _entity_id: null, value: 100.5, time_weighted_return: 0.0239 },
      {
        _path: 'Total / Adam Smith IRA',
        _depth: 1,
        _name: 'Adam Smith IRA',
        _grouping: 'holding_account',
        _entity_id: 2260636,
        value: 60,
        time_weighted_return: null,
      },
      {
        _path: 'Total / Adam Smith IRA / Pershing',
        _depth: 2,
        _name: 'Pershing',
        _grouping: 'holding_account',
        _entity_id: 2260640,
        value: 40,
      },
      {
        _path: 'Total / Adam Smith IRA / Directly Owned',
        _depth: 2,
        _name: 'Directly Owned',
        _grouping: 'holding_account',
        _entity_id: null,
        value: 20,
      },
      { _path: 'Total / Manager C', _depth: 1, _name: 'Manager C', _grouping: 'holding_account', _entity_id: 260654, value: 40.5 },
    ]);
    expect(await json(portfolioTree, 'auto')).toEqual(rows);
  });

  it('rejects a tree node whose fields come after its children instead of losing them', async () => {
    const doc = '{"data":{"attributes":{"total":{"name":"T","children":[],"columns":{"v":1}}}}}';
    const err = await failure(json(doc, 'addepar_tree'));
    expect(err.message).toMatch(/"columns" after "children"/);
  });

  it('drops a BOM and reads gzip', async () => {
    expect(await json(gzipSync(Buffer.from('\uFEFF[{"a":1}]')))).toEqual([{ a: 1 }]);
  });

  it('names the byte range of a syntax error', async () => {
    const good = `[${Array.from({ length: 200 }, (_, i) => `{"i": ${i}}`).join(', ')}`;
    const badAt = Buffer.byteLength(good) + 2;
    const err = await failure(json(`${good}, {"i": x}]`, 'array', 64));
    expect(err.message).toContain('result.json');
    expect(err.byteOffset).toBeLessThanOrEqual(badAt);
    const range = /between bytes (\d+) and (\d+)/.exec(err.message);
    expect(range).not.toBeNull();
    expect(Number(range![1])).toBeLessThanOrEqual(badAt + 7);
    expect(Number(range![2])).toBeGreaterThanOrEqual(badAt + 7);
    expect(Number(range![2]) - Number(range![1])).toBeLessThanOrEqual(1024 * 4);
  });

  it('refuses a single value longer than the limit instead of buffering the rest of the file', async () => {
    const err = await failure(json(`[{"a": "${'x'.repeat(MAX_VALUE_CHARS + 2048)}`, 'array', 1 << 20));
    expect(err.message).toMatch(/longer than/);
  });

  it('reports a truncated document', async () => {
    const err = await failure(json('[{"a": 1}, {"a": 2'));
    expect(err.message).toMatch(/ends early|truncated/);
  });

  it('names the row of an array element that is not an object', async () => {
    const err = await failure(json('[{"a":1}, 5]', 'array'));
    expect(err.row).toBe(2);
  });

  it('says what was missing when the layout does not match', async () => {
    expect((await failure(json('{"meta": {}}'))).message).toMatch(/no rows/);
    expect((await failure(json('[{"a":1}]', 'addepar_tree'))).message).toMatch(/is an array/);
    expect((await failure(json('{"data": []}', 'array'))).message).toMatch(/expected a top-level JSON array/);
  });

  it('rejects a CSV body when JSON was requested', async () => {
    const err = await failure(json('a,b\n1,2\n'));
    expect(err.message).toMatch(/expected a JSON file but got text/);
  });
});
