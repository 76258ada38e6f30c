/**
 * Results with nothing in them, through the real CLI: a job Addepar completes without results
 * (its download answers 404) is zero records and a moved cursor, not a wait for the job timeout;
 * an empty XLSX or JSON body is a broken download (fetched again, then a transient error naming
 * the file); an empty CSV or TSV body is zero records with a warning naming the job and slice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/sandbox/framework/faults.js';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, launchesFor, nextState, ofType, recordsOf, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };

function logs(messages: Json[], level?: string): string[] {
  return ofType(messages, 'LOG')
    .map((m) => m.log as { level: string; message: string })
    .filter((l) => level === undefined || l.level === level)
    .map((l) => l.message);
}

/** An empty 200 answer with the headers of a result, on the first `times` downloads. */
function emptyDownloads(contentType: string, times: number) {
  return createFaultInjector([
    { id: 'empty', method: 'GET', path: /\/download$/, times, action: { kind: 'status', status: 200, body: '', headers: { 'content-type': contentType } } },
  ]);
}

describe('empty results', () => {
  it('a completed job whose download answers 404 has no results: zero records, the cursor moves on, no relaunch, no wait for the timeout', async () => {
    const sb = await h.sandbox({ faults: { noResultsNextJobs: 1 } });
    // A job timeout of an hour: waiting for it would fail the test's time limit.
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, max_concurrent_jobs: 1, job_timeout_minutes: 60 }));
    const started = Date.now();
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 102, JAN));
    expect(launchesFor(sb, 101, JAN.start)).toBe(1);
    expect(logs(r.messages).some((l) => /^holdings: job \S+ for slice ENTITY:101\|2024-01-01\.\.2024-01-31 has no result \(Addepar answered its download with 404 twice after it completed: the job returns no results\): 0 records$/.test(l))).toBe(true);
    const state = (nextState(r.messages)[0]!.stream as Json).stream_state as { partitions: Record<string, { cursor: string }> };
    expect(state.partitions['ENTITY:101']).toEqual({ cursor: JAN.end });
  });

  it('an empty XLSX body is a broken download: fetched again, and the records are exact', async () => {
    const faults = emptyDownloads('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 1);
    const sb = await h.sandbox({ interceptors: [faults.interceptor] });
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101], output_type: 'XLSX' }] }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code, r.stderr).toBe(0);
    expect(faults.hits('empty')).toBe(1);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 101, JAN));
    expect(logs(r.messages, 'WARN').some((l) => l.includes('expected a XLSX file but the body is empty (0 bytes)') && l.includes('downloading again'))).toBe(true);
  });

  it('a JSON body that stays empty ends the stream with a transient_error naming the file', async () => {
    const faults = emptyDownloads('application/vnd.api+json', 100);
    const sb = await h.sandbox({ interceptors: [faults.interceptor] });
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101], output_type: 'JSON' }] }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code).toBe(1);
    const error = ofType(r.messages, 'TRACE').map((m) => (m.trace as Json).error as Json | undefined).find((e) => e !== undefined)!;
    expect(error.failure_type).toBe('transient_error');
    expect(String(error.message)).toMatch(/^job \S+ result: expected a JSON file but the body is empty \(0 bytes\)/);
    expect(recordsOf(r.messages, 'holdings')).toEqual([]);
  });

  it.each([
    ['CSV', 'text/csv'],
    ['TSV', 'text/tab-separated-values'],
  ])('an empty %s body (not even a header row) is zero records, with a warning naming the job and slice', async (outputType, contentType) => {
    const faults = emptyDownloads(contentType, 1);
    const sb = await h.sandbox({ interceptors: [faults.interceptor] });
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, max_concurrent_jobs: 1, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: outputType }] }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code, r.stderr).toBe(0);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 102, JAN));
    expect(logs(r.messages, 'WARN').some((l) => /^holdings: job \S+ \(slice ENTITY:101\|2024-01-01\.\.2024-01-31\): the result file job \S+ result is empty \(0 bytes, not even a header row\); 0 records$/.test(l))).toBe(true);
  });
});
