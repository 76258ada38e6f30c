/**
 * The HTTP client against a local simulator with injected faults: every fault ends in either the
 * exact body or a classified error, and credentials never leave the base origin.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { HttpClient, HttpError } from '../../src/http/client.js';
import { TransientError } from '../../src/core/errors.js';
import { RequestBudget, RequestBudgetExhausted } from '../../src/http/request-budget.js';
import type { Logger } from '../../src/core/logger.js';
import { sendJson, startSimServer, type SimRoute, type SimServer } from '../../src/sandbox/framework/server.js';
import { createFaultInjector, type FaultRule } from '../../src/sandbox/framework/faults.js';

const TOKEN = 'Bearer super-secret-token-123';
const BODY = Array.from({ length: 2000 }, (_, i) => `${i},name-${i},${(i * 1.5).toFixed(2)}`).join('\n') + '\n';

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function sendCsv(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

const baseRoutes: SimRoute[] = [
  { method: 'GET', pattern: '/data', handler: (_req, res) => sendCsv(res, BODY) },
  { method: 'GET', pattern: '/json', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
  { method: 'POST', pattern: '/json', handler: (req, res) => sendJson(res, 201, { echo: req.json() }) },
  { method: 'GET', pattern: '/missing', handler: (_req, res) => sendJson(res, 404, { error: 'no such thing' }) },
  { method: 'GET', pattern: '/denied', handler: (_req, res) => sendJson(res, 401, { error: 'bad key' }) },
];

async function sim(rules: FaultRule[] = [], routes: SimRoute[] = baseRoutes): Promise<{ server: SimServer; hits: (id: string) => number }> {
  const faults = createFaultInjector(rules);
  const server = await startSimServer({ routes, interceptors: [faults.interceptor] });
  servers.push(server);
  return { server, hits: faults.hits };
}

interface CapturedLogger extends Logger {
  lines: string[];
}
function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

function client(server: SimServer, logger: Logger = captureLogger(), extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient {
  return new HttpClient({
    baseUrl: server.url,
    headers: { Authorization: TOKEN, 'X-Api-Key': 'key-material-456' },
    retry: { maxRetries: 4, baseDelayMs: 10, maxDelayMs: 5_000 },
    timeoutMs: 2_000,
    logger,
    ...extra,
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function gaps(server: SimServer, path: string): number[] {
  const at = server.requests.filter((r) => r.path === path).map((r) => r.at);
  return at.slice(1).map((t, i) => t - at[i]!);
}

describe('HttpClient retries', () => {
  it('waits out repeated 429s as long as Retry-After says, without using up the failure retries', async () => {
    const { server, hits } = await sim([{ id: '429', path: /^\/data$/, times: 3, action: { kind: 'status', status: 429, retryAfterSeconds: 1 } }]);
    const logger = captureLogger();
    const res = await client(server, logger, { retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 5_000 } }).request({ method: 'GET', url: '/data' });
    expect(await readAll(res.stream())).toBe(BODY);
    expect(hits('429')).toBe(3);
    for (const gap of gaps(server, '/data')) expect(gap).toBeGreaterThanOrEqual(950);
    const warns = logger.lines.filter((l) => l.startsWith('warn'));
    expect(warns).toHaveLength(3);
    expect(warns[0]).toMatch(/rate limit \(HTTP 429, Retry-After: 1 s\): waiting 1(\.0)? s/);
    expect(logger.lines.join('\n')).not.toContain('super-secret');
  });

  it("reads Addepar's X-RateLimit-Retry-After header", async () => {
    const { server } = await sim([{ id: '429', path: /^\/json$/, times: 1, action: { kind: 'status', status: 429, headers: { 'x-ratelimit-retry-after': '1' } } }]);
    const logger = captureLogger();
    const res = await client(server, logger).request({ method: 'GET', url: '/json' });
    expect(await res.json()).toEqual({ ok: true });
    expect(gaps(server, '/json')[0]).toBeGreaterThanOrEqual(950);
    expect(logger.lines.join('\n')).toContain('X-RateLimit-Retry-After: 1 s');
  });

  it('honours Retry-After as an HTTP-date', async () => {
    const { server } = await sim([{ id: '429', path: /^\/json$/, times: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 2, retryAfterAsDate: true } }]);
    const res = await client(server).request({ method: 'GET', url: '/json' });
    expect(await res.json()).toEqual({ ok: true });
    // An HTTP-date has one-second resolution: "now + 2 s" means a wait of more than one second.
    expect(gaps(server, '/json')[0]).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once, as a transient error, when the vendor asks for a longer wait than the budget allows', async () => {
    const { server } = await sim([{ id: '429', path: /^\/json$/, times: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 3600 } }]);
    const started = Date.now();
    const err = await client(server, captureLogger()).request({ method: 'GET', url: '/json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestBudgetExhausted);
    expect((err as TransientError).failureType).toBe('transient_error');
    expect((err as Error).message).toMatch(/asks to wait 1 h before the next request.*longer than the 20 min jobtap waits.*next sync continues/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('pauses every request of the budget after a 429, not only the one that got it', async () => {
    const { server } = await sim([{ id: '429', path: /^\/json$/, times: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 1 } }]);
    const http = client(server);
    const first = http.request({ method: 'GET', url: '/json' });
    await new Promise((r) => setTimeout(r, 150));
    const second = http.request({ method: 'GET', url: '/data' });
    await Promise.all([(await first).discard(), (await second).discard()]);
    const limitedAt = server.requests[0]!.at;
    const dataAt = server.requests.find((r) => r.path === '/data')!.at;
    expect(dataAt - limitedAt).toBeGreaterThanOrEqual(950);
    expect(http.budget.stats().rateLimited).toBe(1);
  });

  it('keeps concurrent requests inside a sliding window limit: never more than N in any window', async () => {
    const { server } = await sim();
    const budget = new RequestBudget({ vendor: 'Test', limits: [{ noun: 'requests', requests: 5, windowMs: 400 }], logger: captureLogger() });
    const http = client(server, captureLogger(), { budget });
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const res = await http.request({ method: 'GET', url: '/json' });
        await res.discard();
      }),
    );
    const at = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(at).toHaveLength(12);
    for (let i = 5; i < at.length; i++) expect(at[i]! - at[i - 5]!).toBeGreaterThanOrEqual(400);
    expect(budget.stats()).toMatchObject({ requests: 12, rateLimited: 0 });
    expect(budget.stats().budgetWaits).toBeGreaterThanOrEqual(7);
  });

  it('rides out a 500/502/503 burst', async () => {
    const { server, hits } = await sim([
      { id: '500', path: /^\/data$/, times: 1, action: { kind: 'status', status: 500 } },
      { id: '502', path: /^\/data$/, skip: 1, times: 1, action: { kind: 'status', status: 502 } },
      { id: '503', path: /^\/data$/, skip: 2, times: 1, action: { kind: 'status', status: 503 } },
    ]);
    const res = await client(server).request({ method: 'GET', url: '/data' });
    expect(await res.text()).toBe(BODY);
    expect([hits('500'), hits('502'), hits('503')]).toEqual([1, 1, 1]);
    expect(server.requests.filter((r) => r.path === '/data')).toHaveLength(4);
  });

  it('fails with a transient HttpError once retries are exhausted', async () => {
    const { server } = await sim([{ id: '503', path: /^\/json$/, every: 1, action: { kind: 'status', status: 503, body: 'maintenance' } }]);
    const err = await client(server).request({ method: 'GET', url: '/json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).failureType).toBe('transient_error');
    expect((err as HttpError).status).toBe(503);
    expect((err as HttpError).message).toContain('maintenance');
    expect(server.requests).toHaveLength(5);
  });

  it('never sends a POST again after a reset or an ambiguous 5xx (it may have been processed); 503 and 429 say it was not', async () => {
    const { server, hits } = await sim([{ id: 'rst', method: 'POST', path: /^\/json$/, times: 1, action: { kind: 'reset' } }]);
    const err = await client(server).request({ method: 'POST', url: '/json', body: { a: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/may or may not have been processed/);
    expect(hits('rst')).toBe(1);
    expect(server.requests).toHaveLength(1);

    const { server: s2 } = await sim([{ id: '502', method: 'POST', path: /^\/json$/, times: 1, action: { kind: 'status', status: 502 } }]);
    const err2 = await client(s2).request({ method: 'POST', url: '/json', body: {} }).catch((e: unknown) => e);
    expect((err2 as HttpError).status).toBe(502);
    expect((err2 as HttpError).failureType).toBe('transient_error');
    expect(s2.requests).toHaveLength(1);

    const { server: s3 } = await sim([{ id: '503', method: 'POST', path: /^\/json$/, times: 1, action: { kind: 'status', status: 503 } }]);
    const ok = await client(s3).request({ method: 'POST', url: '/json', body: { b: 2 } });
    expect(await ok.json()).toEqual({ echo: { b: 2 } });
    expect(s3.requests).toHaveLength(2);
  });

  it('retries connection resets before headers', async () => {
    const { server, hits } = await sim([{ id: 'rst', path: /^\/json$/, times: 2, action: { kind: 'reset' } }]);
    const res = await client(server).request({ method: 'GET', url: '/json' });
    expect(await res.json()).toEqual({ ok: true });
    expect(hits('rst')).toBe(2);
  });

  it('times out a server that does not send headers, then retries', async () => {
    const { server } = await sim([{ id: 'slow', path: /^\/json$/, times: 1, action: { kind: 'delay', ms: 1_500 } }]);
    const logger = captureLogger();
    const res = await client(server, logger, { timeoutMs: 300 }).request({ method: 'GET', url: '/json' });
    expect(await res.json()).toEqual({ ok: true });
    expect(logger.lines.some((l) => l.includes('timeout'))).toBe(true);
  });

  it('gives up with a transient error when the network keeps failing', async () => {
    const { server } = await sim([{ id: 'rst', path: /^\/json$/, every: 1, action: { kind: 'reset' } }]);
    const err = await client(server, captureLogger(), { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } })
      .request({ method: 'GET', url: '/json' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/failed after 3 attempt/);
  });

  it('stops waiting when the caller aborts during a backoff', async () => {
    const { server } = await sim([{ id: '429', path: /^\/json$/, every: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 30 } }]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('sync cancelled')), 100);
    await expect(
      client(server, captureLogger(), { retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 60_000 } }).request({ method: 'GET', url: '/json', signal: controller.signal }),
    ).rejects.toThrow('sync cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('HttpClient classification', () => {
  it('401 is a config error and is not retried', async () => {
    const { server } = await sim();
    const err = await client(server).request({ method: 'GET', url: '/denied' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).failureType).toBe('config_error');
    expect((err as HttpError).bodyExcerpt).toContain('bad key');
    expect(server.requests).toHaveLength(1);
  });

  it('404 is a system error unless the caller accepts it; URLs in errors carry no credentials', async () => {
    const { server } = await sim();
    const http = client(server, captureLogger(), { secrets: ['path-secret-789'] });
    const err = await http.request({ method: 'GET', url: '/missing', query: { token: 'tok-abc', page: 2, skip: undefined } }).catch((e: unknown) => e);
    expect((err as HttpError).failureType).toBe('system_error');
    expect((err as HttpError).url).toContain('token=***');
    expect((err as HttpError).url).toContain('page=2');
    expect((err as HttpError).message).not.toContain('tok-abc');
    const accepted = await http.request({ method: 'GET', url: '/missing', acceptStatuses: [404] });
    expect(accepted.status).toBe(404);
    expect(await accepted.json()).toEqual({ error: 'no such thing' });
  });

  it('sends JSON bodies with a content type', async () => {
    const { server } = await sim();
    const res = await client(server).request({ method: 'POST', url: 'json', body: { a: 1 } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ echo: { a: 1 } });
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });
});

describe('HttpClient streamed bodies', () => {
  it('errors the stream (never ends it) when the connection resets mid-body', async () => {
    const { server } = await sim([{ id: 'cut', path: /^\/data$/, times: 1, action: { kind: 'reset_mid_body', fraction: 0.4 } }]);
    const res = await client(server).request({ method: 'GET', url: '/data' });
    const err = await readAll(res.stream()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/broke off|truncated/);
  });

  it('errors the stream when a body with a correct Content-Length ends short', async () => {
    const { server } = await sim([{ id: 'short', path: /^\/data$/, times: 1, action: { kind: 'truncate', fraction: 0.7 } }]);
    const res = await client(server).request({ method: 'GET', url: '/data' });
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(BODY));
    const err = await readAll(res.stream()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    // The second download is whole.
    const again = await client(server).request({ method: 'GET', url: '/data' });
    expect(await readAll(again.stream())).toBe(BODY);
  });

  it('fails a body that stalls longer than the idle timeout', async () => {
    const { server } = await sim([{ id: 'slow', path: /^\/data$/, times: 1, action: { kind: 'slow_body', chunkBytes: 4096, delayMs: 600 } }]);
    const res = await client(server, captureLogger(), { timeoutMs: 250 }).request({ method: 'GET', url: '/data' });
    const err = await readAll(res.stream()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/stalled: no data for 250 ms/);
  });

  it('accepts a slow body whose chunks each arrive within the idle timeout', async () => {
    const { server } = await sim([{ id: 'slow', path: /^\/data$/, times: 1, action: { kind: 'slow_body', chunkBytes: 8192, delayMs: 60 } }]);
    const started = Date.now();
    const res = await client(server, captureLogger(), { timeoutMs: 400 }).request({ method: 'GET', url: '/data' });
    expect(await readAll(res.stream())).toBe(BODY);
    // The whole transfer took longer than the idle timeout: the timeout is per chunk, not total.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60 * Math.floor(Buffer.byteLength(BODY) / 8192));
  });
});

describe('HttpClient redirects', () => {
  async function twoHosts(status: number) {
    const files = await sim([], [{ method: 'GET', pattern: '/signed/result.csv', handler: (_req, res) => sendCsv(res, BODY) }]);
    const api = await sim([], [
      {
        method: 'GET',
        pattern: '/jobs/1/result',
        handler: (_req, res) => {
          res.writeHead(status, { location: `${files.server.url}/signed/result.csv?X-Amz-Signature=sig-999` });
          res.end();
        },
      },
      {
        method: 'POST',
        pattern: '/jobs/1/export',
        handler: (_req, res) => {
          res.writeHead(303, { location: `${files.server.url}/signed/result.csv?X-Amz-Signature=sig-999` });
          res.end();
        },
      },
      { method: 'GET', pattern: '/local', handler: (_req, res) => { res.writeHead(302, { location: '/json' }); res.end(); } },
      { method: 'GET', pattern: '/json', handler: (_req, res) => sendJson(res, 200, { ok: true }) },
    ]);
    return { api: api.server, files: files.server };
  }

  for (const status of [301, 302, 307, 308]) {
    it(`follows ${status} to another host without the Authorization or configured auth headers`, async () => {
      const { api, files } = await twoHosts(status);
      const res = await client(api).request({ method: 'GET', url: '/jobs/1/result', headers: { Authorization: 'Bearer per-request', Accept: 'text/csv' } });
      expect(await readAll(res.stream())).toBe(BODY);
      expect(res.url).toContain(files.url);
      expect(api.requests[0]!.headers.authorization).toBe('Bearer per-request');
      const downloaded = files.requests[0]!;
      expect(downloaded.headers.authorization).toBeUndefined();
      expect(downloaded.headers['x-api-key']).toBeUndefined();
      expect(downloaded.headers.accept).toBe('text/csv');
    });
  }

  it('turns a POST answered with 303 into a GET on the other host, without credentials', async () => {
    const { api, files } = await twoHosts(303);
    const res = await client(api).request({ method: 'POST', url: '/jobs/1/export', body: { x: 1 } });
    expect(await res.text()).toBe(BODY);
    expect(files.requests[0]!.method).toBe('GET');
    expect(files.requests[0]!.headers.authorization).toBeUndefined();
    expect(files.requests[0]!.body).toBe('');
  });

  it('keeps credentials on a same-origin redirect', async () => {
    const { api } = await twoHosts(302);
    const res = await client(api).request({ method: 'GET', url: '/local' });
    expect(await res.json()).toEqual({ ok: true });
    expect(api.requests[1]!.headers.authorization).toBe(TOKEN);
  });

  it('treats the same host on another port as another origin', async () => {
    const { api, files } = await twoHosts(302);
    expect(new URL(api.url).hostname).toBe(new URL(files.url).hostname);
    await (await client(api).request({ method: 'GET', url: '/jobs/1/result' })).text();
    expect(files.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('sends no credentials to an absolute URL on another origin (a signed URL from a JSON body)', async () => {
    const { files } = await twoHosts(302);
    const api = await sim();
    const res = await client(api.server).request({ method: 'GET', url: `${files.url}/signed/result.csv`, headers: { Authorization: 'Bearer per-request' } });
    expect(await res.text()).toBe(BODY);
    expect(files.requests[0]!.headers.authorization).toBeUndefined();
    expect(files.requests[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('returns the redirect itself when followRedirects is false', async () => {
    const { api, files } = await twoHosts(302);
    const res = await client(api).request({ method: 'GET', url: '/jobs/1/result', followRedirects: false });
    expect(res.status).toBe(302);
    await res.discard();
    expect(files.requests).toHaveLength(0);
  });
});

describe('HttpClient small bodies', () => {
  it('fetches a GET again when its JSON body breaks off, within the retry budget', async () => {
    const { server, hits } = await sim([{ id: 'cut', path: /^\/json$/, times: 2, action: { kind: 'truncate', afterBytes: 3 } }]);
    const logger = captureLogger();
    const res = await client(server, logger).request({ method: 'GET', url: '/json' });
    expect(await res.json()).toEqual({ ok: true });
    expect(hits('cut')).toBe(2);
    expect(logger.lines.filter((l) => l.includes('response body broke off'))).toHaveLength(2);
  });

  it('never repeats a POST whose response body broke off', async () => {
    const { server } = await sim([{ id: 'cut', method: 'POST', path: /^\/json$/, times: 1, action: { kind: 'reset_mid_body', afterBytes: 2 } }]);
    const res = await client(server).request({ method: 'POST', url: '/json', body: { a: 1 } });
    await expect(res.json()).rejects.toBeInstanceOf(TransientError);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  const HTML_PAGE = '<html><head><title>502 Bad Gateway</title></head><body><h1>Upstream unavailable</h1></body></html>';
  const htmlFault = (n: { times?: number; every?: number }): FaultRule => ({
    id: 'html',
    path: /^\/json$/,
    ...n,
    action: { kind: 'status', status: 200, body: HTML_PAGE, headers: { 'content-type': 'text/html' } },
  });

  it('asks a GET again when a 200 is not JSON (a proxy page), and says what came instead', async () => {
    const { server, hits } = await sim([htmlFault({ times: 2 })]);
    const logger = captureLogger();
    const res = await client(server, logger).request({ method: 'GET', url: '/json' });
    expect(await res.json()).toEqual({ ok: true });
    expect(hits('html')).toBe(2);
    const warnings = logger.lines.filter((l) => l.includes('is not JSON'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/HTTP 200 \(text\/html\) is not JSON: <html><head><title>502 Bad Gateway/);
  });

  it('a 200 that stays not JSON is a transient error (never a system error), for GET and POST alike', async () => {
    const { server } = await sim([htmlFault({ every: 1 })]);
    const c = client(server, captureLogger(), { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const get = (await c.request({ method: 'GET', url: '/json' })).json();
    await expect(get).rejects.toBeInstanceOf(TransientError);
    await expect(get).rejects.toThrow(/GET .*\/json: HTTP 200 \(text\/html\) is not JSON: <html>/);
    expect(server.requests).toHaveLength(3);
    const post = (await c.request({ method: 'POST', url: '/json', body: {} })).json();
    await expect(post).rejects.toBeInstanceOf(TransientError);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('gives up on a body that keeps breaking once the budget is spent', async () => {
    const { server } = await sim([{ id: 'cut', path: /^\/json$/, every: 1, action: { kind: 'truncate', afterBytes: 3 } }]);
    const res = await client(server, captureLogger(), { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } }).request({ method: 'GET', url: '/json' });
    await expect(res.json()).rejects.toBeInstanceOf(TransientError);
    expect(server.requests).toHaveLength(3);
  });
});
