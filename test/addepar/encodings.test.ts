/**
 * Text encodings of results, through the real CLI: a CSV export written in Windows-1252 is read
 * exactly (two securities whose names differ only in accents stay two records), with a warning
 * when its Content-Type declares no charset and silently when it does; on_invalid_utf8 "fail"
 * refuses it naming the file and byte. Never U+FFFD. Two rows with one primary key are an error
 * naming both rows, never merged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, ofType, recordsOf, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };
const EXPORT = { name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [104], output_type: 'CSV' };

function warnings(messages: Json[]): string[] {
  return ofType(messages, 'LOG')
    .map((m) => m.log as { level: string; message: string })
    .filter((l) => l.level === 'WARN')
    .map((l) => l.message);
}

async function read(declared: boolean | undefined, overrides: Json = {}) {
  const sb = await h.sandbox(declared === undefined ? {} : { legacyEncoding: { declared } });
  const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, view_exports: [EXPORT], ...overrides }));
  return airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
}

describe('result text encodings', () => {
  it('a Windows-1252 CSV without a charset is read as Windows-1252, with a warning naming the file; accented names stay distinct', async () => {
    const r = await read(false);
    expect(r.code, r.stderr).toBe(0);
    const records = recordsOf(r.messages, 'holdings');
    expect(withoutEntityId(records)).toEqual(expectedViewRecords(12, 'ENTITY', 104, JAN));
    const names = records.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['Société Générale SA', 'Sociètè Générale SA']));
    expect(JSON.stringify(records)).not.toContain('\\ufffd');
    expect(warnings(r.messages).some((w) => /^holdings: job \S+ result portfolio_data\.csv is not valid UTF-8 \(first at byte \d+: 0x[0-9A-F]{2}\) and its Content-Type declares no charset: read as Windows-1252$/.test(w))).toBe(true);
  });

  it('a declared charset is honoured without a warning', async () => {
    const r = await read(true);
    expect(r.code, r.stderr).toBe(0);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 104, JAN));
    expect(warnings(r.messages).filter((w) => w.includes('UTF-8'))).toEqual([]);
  });

  it('with on_invalid_utf8 "fail" the file is refused, naming it and the byte', async () => {
    const r = await read(false, { on_invalid_utf8: 'fail' });
    expect(r.code).toBe(1);
    const error = ofType(r.messages, 'TRACE').map((m) => (m.trace as Json).error as Json | undefined).find((e) => e !== undefined)!;
    expect(error.failure_type).toBe('system_error');
    expect(String(error.message)).toMatch(/^job \S+ result portfolio_data\.csv, byte \d+: is not valid UTF-8 \(byte 0x[0-9A-F]{2}\) and its Content-Type declares no charset/);
    expect(recordsOf(r.messages, 'holdings')).toEqual([]);
  });

  it('the same export in UTF-8 gives the same records', async () => {
    const r = await read(undefined);
    expect(r.code, r.stderr).toBe(0);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 104, JAN));
  });

  it('two rows of one result with the same path (one primary key) end the stream with an error naming both rows, never merged', async () => {
    const sb = await h.sandbox({ faults: { duplicateRowNextResults: 1 } });
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, view_exports: [EXPORT] }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code).toBe(1);
    const error = ofType(r.messages, 'TRACE').map((m) => (m.trace as Json).error as Json | undefined).find((e) => e !== undefined)!;
    expect(error.failure_type).toBe('system_error');
    const [, first, second] = /^Addepar job \S+ result, rows (\d+) and (\d+): both have the path "[^"]+", so they would share one primary key/.exec(String(error.message)) ?? [];
    expect(Number(second), String(error.message)).toBe(Number(first) + 1);
    expect(ofType(r.messages, 'STATE').some((m) => JSON.stringify(m).includes('"cursor"'))).toBe(false);
  });
});
