/**
 * The Addepar source against a hostile network (the framework's fault injector on both hosts):
 * throttling with Retry-After, 5xx bursts, resets and truncated downloads must still end in the
 * exact record set, with every job launched once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/sandbox/framework/faults.js';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, launchesFor, ofType, recordsOf, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };
const FEB = { start: '2024-02-01', end: '2024-02-29' };
const expected = [
  ...expectedViewRecords(12, 'ENTITY', 101, JAN),
  ...expectedViewRecords(12, 'ENTITY', 102, JAN),
  ...expectedViewRecords(12, 'ENTITY', 101, FEB),
  ...expectedViewRecords(12, 'ENTITY', 102, FEB),
];

describe('hostile network', () => {
  it('429s, 503s, a reset and a truncated download still give the exact records, each job launched once', async () => {
    const api = createFaultInjector([
      { id: 'throttle-launch', method: 'POST', path: /\/v1\/jobs$/, times: 2, action: { kind: 'status', status: 429, retryAfterSeconds: 0 } },
      // Status polls: the job list (several jobs in flight) or one job's own GET.
      { id: 'poll-503', method: 'GET', path: /\/v1\/jobs(\/[^/]+)?$/, skip: 2, times: 3, action: { kind: 'status', status: 503 } },
      { id: 'reset-download', method: 'GET', path: /\/download$/, times: 1, action: { kind: 'reset' } },
      { id: 'cut-download', method: 'GET', path: /\/download$/, skip: 2, times: 1, action: { kind: 'truncate', fraction: 0.5 } },
    ]);
    const sb = await h.sandbox({ interceptors: [api.interceptor] });
    const config = h.file('c.json', baseConfig(sb));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code).toBe(0);
    expect(['throttle-launch', 'poll-503', 'reset-download', 'cut-download'].map((id) => api.hits(id))).toEqual([2, 3, 1, 1]);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expected);
    for (const w of [JAN, FEB]) for (const id of [101, 102]) expect(launchesFor(sb, id, w.start)).toBe(1);
  });

  it('a download cut off on the file host (after a 303) is fetched again and rows are not repeated', async () => {
    const files = createFaultInjector([{ id: 'cut', method: 'GET', path: /^\/files\//, times: 2, action: { kind: 'reset_mid_body', fraction: 0.6 } }]);
    const sb = await h.sandbox({ redirectDownloads: true, fileHostInterceptors: [files.interceptor] });
    const config = h.file('c.json', baseConfig(sb, { view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'TSV' }] }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code).toBe(0);
    expect(files.hits('cut')).toBe(2);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expected);
    expect(sb.fileHostRequests.every((q) => q.headers.authorization === undefined)).toBe(true);
    expect(sb.jobs).toHaveLength(4);
  });

  // What a proxy or load balancer in front of the vendor sends when the vendor is away: a 200
  // with an HTML page. Seen while polling, it is a passing fault, never a system_error.
  const proxyPage = (rule: { skip?: number; times?: number; every?: number }) =>
    createFaultInjector([
      {
        id: 'html',
        method: 'GET',
        path: /\/v1\/jobs(\/[^/]+)?$/,
        ...rule,
        action: { kind: 'status', status: 200, body: '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>', headers: { 'content-type': 'text/html' } },
      },
    ]);
  const warnings = (messages: Json[]): string[] =>
    ofType(messages, 'LOG')
      .map((m) => m.log as { level: string; message: string })
      .filter((l) => l.level === 'WARN')
      .map((l) => l.message);

  it('a 200 HTML page (a proxy) while polling is asked again: exact records, each job launched once', async () => {
    const api = proxyPage({ skip: 1, times: 2 });
    const sb = await h.sandbox({ interceptors: [api.interceptor] });
    const config = h.file('c.json', baseConfig(sb));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code, r.stderr).toBe(0);
    expect(api.hits('html')).toBe(2);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expected);
    expect(warnings(r.messages).filter((w) => /HTTP 200 \(text\/html\) is not JSON: <!DOCTYPE html>.*; retry \d\//.test(w))).toHaveLength(2);
    for (const w of [JAN, FEB]) for (const id of [101, 102]) expect(launchesFor(sb, id, w.start)).toBe(1);
  });

  it('a proxy page that does not go away ends the stream with transient_error (resumable), not system_error', async () => {
    const api = proxyPage({ skip: 1, every: 1 });
    const sb = await h.sandbox({ interceptors: [api.interceptor] });
    const config = h.file('c.json', baseConfig(sb));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code).toBe(1);
    const errors = ofType(r.messages, 'TRACE')
      .map((m) => (m.trace as Json).error as Json | undefined)
      .filter((e): e is Json => e !== undefined);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.failure_type)).not.toContain('system_error');
    expect(errors.some((e) => e.failure_type === 'transient_error' && /is not JSON/.test(String(e.internal_message ?? e.message)))).toBe(true);
    // The launched jobs are in state, so the next sync adopts them.
    const states = ofType(r.messages, 'STATE');
    expect(JSON.stringify(states.at(-1))).toMatch(/"job_id"|"jobId"|"in_flight"/);
  });
});
