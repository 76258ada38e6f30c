/**
 * The same portfolio view exported as CSV, TSV, XLSX and JSON gives the same typed records
 * through the built CLI; downloads redirected (303) to the file host never carry credentials.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/sandbox/framework/faults.js';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, ofType, recordsOf, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterAll(() => h.close());

const WINDOW = { start: '2024-06-01', end: '2024-06-30' };

async function readView(outputType: string, redirect: boolean): Promise<{ records: Json[]; fileHostAuth: unknown[]; apiAuth: number }> {
  const sb = await h.sandbox({ redirectDownloads: redirect });
  const config = h.file(`c-${outputType}.json`, {
    ...baseConfig(sb, { start_date: WINDOW.start, end_date: WINDOW.end }),
    // Portfolio 102 sold a holding in this window: a zero-value row and a Word/Date mix.
    view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [102, 101], output_type: outputType }],
  });
  const r = await airbyte(['read', '--config', config, '--catalog', h.file(`cat-${outputType}.json`, await holdingsCatalog(h))]);
  expect(r.code).toBe(0);
  return {
    records: recordsOf(r.messages, 'holdings'),
    fileHostAuth: sb.fileHostRequests.map((q) => q.headers.authorization),
    apiAuth: sb.requests.filter((q) => q.headers.authorization !== undefined).length,
  };
}

describe('output types', () => {
  const expected = [...expectedViewRecords(12, 'ENTITY', 102, WINDOW), ...expectedViewRecords(12, 'ENTITY', 101, WINDOW)];

  it.each(['CSV', 'TSV', 'XLSX'])('%s export gives the exact expected records', async (outputType) => {
    const { records } = await readView(outputType, false);
    expect(withoutEntityId(records)).toEqual(expected);
  });

  it('JSON export gives the same records, plus entity ids of securities', async () => {
    const { records } = await readView('JSON', false);
    expect(withoutEntityId(records)).toEqual(expected);
    const apple = records.find((r) => r.portfolio_id === 102 && r.name === 'Apple Inc.')!;
    expect(apple).toMatchObject({ entity_id: 2001, value: 0, quantity: 0, grouping: 'security' });
    expect(records.filter((r) => r.grouping === 'asset_class').every((r) => r.entity_id === null)).toBe(true);
  });

  // CSV and TSV through the file host are covered by the hostile-network and Singer tests.
  it.each(['XLSX', 'JSON'])('%s via a 303 to the file host: same records, no Authorization sent there', async (outputType) => {
    const { records, fileHostAuth, apiAuth } = await readView(outputType, true);
    expect(withoutEntityId(records)).toEqual(expected);
    expect(fileHostAuth.length).toBe(2);
    expect(fileHostAuth.every((a) => a === undefined)).toBe(true);
    expect(apiAuth).toBeGreaterThan(0);
  });

  it('a large result (synthetic 2,500-security portfolio, several parser batches) is identical from CSV and JSON', async () => {
    const big = 1_000_000 + 2_500;
    const read = async (outputType: string): Promise<Json[]> => {
      const sb = await h.sandbox();
      const config = h.file(`big-${outputType}.json`, {
        ...baseConfig(sb, { start_date: WINDOW.start, end_date: WINDOW.end }),
        view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [big], output_type: outputType }],
      });
      const r = await airbyte(['read', '--config', config, '--catalog', h.file(`big-cat-${outputType}.json`, await holdingsCatalog(h))]);
      expect(r.code).toBe(0);
      return recordsOf(r.messages, 'holdings');
    };
    const csv = await read('CSV');
    expect(csv).toHaveLength(2_500 + 4 + 1);
    expect(withoutEntityId(csv)).toEqual(expectedViewRecords(12, 'ENTITY', big, WINDOW));
    expect(withoutEntityId(await read('JSON'))).toEqual(withoutEntityId(csv));
  });
});

describe('a result cell larger than jobtap reads', () => {
  it('ends the stream with an error naming the file, row and column that says the cell is too large (not a broken quote)', async () => {
    // 40 MiB in one quoted cell: past the cap even with the reader's look-ahead.
    const body = `Name,Value\n"Apple Inc.",1\n"Notes","${'x'.repeat(40 * 1024 * 1024)}"\n`;
    const faults = createFaultInjector([{ id: 'huge', method: 'GET', path: /\/download$/, every: 1, action: { kind: 'status', status: 200, body, headers: { 'content-type': 'text/csv' } } }]);
    const sb = await h.sandbox({ interceptors: [faults.interceptor] });
    const config = h.file('c-huge.json', baseConfig(sb, { end_date: '2024-01-31', view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101], output_type: 'CSV' }] }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat-huge.json', await holdingsCatalog(h))]);
    expect(r.code).toBe(1);
    const error = ofType(r.messages, 'TRACE').map((m) => (m.trace as Json).error as Json | undefined).find((e) => e !== undefined)!;
    expect(String(error.message), String(error.message)).toMatch(/^job \S+ result, row 2: column "Value": a quoted cell is larger than 16 MiB, the most jobtap reads in one cell/);
    expect(String(error.message)).not.toMatch(/unclosed quote\?/);
  });
});
