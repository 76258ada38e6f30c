/** The fault injector seen from a raw node:http client, independent of jobtap's HttpClient. */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startSimServer, type SimServer } from './server.js';
import { createFaultInjector, type FaultRule } from './faults.js';

const BODY = 'x'.repeat(10_000);
let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(rules: FaultRule[]) {
  const faults = createFaultInjector(rules);
  server = await startSimServer({
    routes: [
      {
        method: 'GET',
        pattern: '/body',
        handler: (_req, res) => {
          res.writeHead(200, { 'content-length': String(BODY.length) });
          // Written in two pieces to exercise both write() and end() wrapping.
          res.write(BODY.slice(0, 3_000));
          res.end(BODY.slice(3_000));
        },
      },
    ],
    interceptors: [faults.interceptor],
  });
  return faults;
}

interface RawResult {
  status?: number;
  headers?: Record<string, unknown>;
  bytes: number;
  error?: string;
  complete: boolean;
  chunkTimes: number[];
}

function get(path: string): Promise<RawResult> {
  return new Promise((resolve) => {
    const result: RawResult = { bytes: 0, complete: false, chunkTimes: [] };
    const req = request(`${server!.url}${path}`, { agent: false }, (res) => {
      result.status = res.statusCode;
      result.headers = res.headers;
      res.on('data', (c: Buffer) => {
        result.bytes += c.length;
        result.chunkTimes.push(Date.now());
      });
      res.on('end', () => {
        result.complete = res.complete;
        resolve(result);
      });
      res.on('error', (e) => resolve({ ...result, error: e.message }));
      res.on('aborted', () => resolve({ ...result, error: 'aborted' }));
    });
    req.on('error', (e) => resolve({ ...result, error: e.message }));
    req.end();
  });
}

describe('createFaultInjector', () => {
  it('answers a status with Retry-After in seconds or as an HTTP-date, for the first N matches', async () => {
    const faults = await start([
      { id: 'a', path: /^\/body$/, times: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 3 } },
      { id: 'b', path: /^\/body$/, skip: 1, times: 1, action: { kind: 'status', status: 503, retryAfterSeconds: 5, retryAfterAsDate: true } },
    ]);
    const first = await get('/body');
    const second = await get('/body');
    const third = await get('/body');
    expect(first.status).toBe(429);
    expect(first.headers!['retry-after']).toBe('3');
    expect(second.status).toBe(503);
    const until = Date.parse(String(second.headers!['retry-after']));
    expect(until - Date.now()).toBeGreaterThan(3_000);
    expect(third.status).toBe(200);
    expect(third.bytes).toBe(BODY.length);
    expect([faults.hits('a'), faults.hits('b')]).toEqual([1, 1]);
  });

  it('fires on every K-th match', async () => {
    const faults = await start([{ id: 'k', path: /^\/body$/, every: 2, action: { kind: 'status', status: 500 } }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/body')).status);
    expect(statuses).toEqual([200, 500, 200, 500]);
    expect(faults.hits('k')).toBe(2);
  });

  it('resets the connection before headers', async () => {
    await start([{ id: 'r', path: /^\/body$/, times: 1, action: { kind: 'reset' } }]);
    const r = await get('/body');
    expect(r.status).toBeUndefined();
    expect(r.error).toBeDefined();
  });

  it('cuts the real body after the headers promised all of it: reset and clean close', async () => {
    await start([
      { id: 'm', path: /^\/body$/, times: 1, action: { kind: 'reset_mid_body', afterBytes: 5_000 } },
      { id: 't', path: /^\/body$/, skip: 1, times: 1, action: { kind: 'truncate', fraction: 0.2 } },
    ]);
    const reset = await get('/body');
    expect(reset.headers!['content-length']).toBe(String(BODY.length));
    expect(reset.bytes).toBeLessThanOrEqual(5_000);
    expect(reset.complete).toBe(false);
    const truncated = await get('/body');
    expect(truncated.headers!['content-length']).toBe(String(BODY.length));
    expect(truncated.bytes).toBe(2_000);
    expect(truncated.complete).toBe(false);
  });

  it('slows the body down chunk by chunk, headers first', async () => {
    await start([{ id: 's', path: /^\/body$/, times: 1, action: { kind: 'slow_body', chunkBytes: 2_500, delayMs: 80 } }]);
    const started = Date.now();
    const r = await get('/body');
    expect(r.bytes).toBe(BODY.length);
    expect(r.complete).toBe(true);
    expect(r.chunkTimes.length).toBeGreaterThanOrEqual(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 80 - 20);
  });

  it('rejects rules that would never fire or share an id', () => {
    expect(() => createFaultInjector([{ id: 'x', path: /x/, action: { kind: 'reset' } }])).toThrow(/times/);
    expect(() =>
      createFaultInjector([
        { id: 'x', path: /x/, times: 1, action: { kind: 'reset' } },
        { id: 'x', path: /y/, times: 1, action: { kind: 'reset' } },
      ]),
    ).toThrow(/Duplicate/);
  });
});
