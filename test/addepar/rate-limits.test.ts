/**
 * Addepar's published rate limits through the real CLI: the sandbox enforces 50 requests per 15
 * minutes and 1,000 per 24 hours per firm (on a fast clock), and cancels requests running over
 * 60 s. jobtap must finish backfills that need more than one window without a single 429, wait
 * out 429s another client provokes, find a job whose launch answer was lost, and never hold a
 * download open while a slow destination takes its records. The day's quota: daily-quota.test.ts
 * (a file of its own so the two long tests run side by side).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/sandbox/framework/faults.js';
import { parseJsonLines, spawnCli } from '../helpers/cli.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, launchesFor, nextState, ofType, recordsOf, SOURCE, withoutEntityId, type Json } from './harness.js';
import { BACKFILL, errors, expectedBackfill, key, logs, MONTHS, PORTFOLIOS, sortByKey } from './backfill.js';

const h = new Harness();
afterEach(() => h.close());

describe('Addepar rate limits', () => {
  it('a backfill that needs more requests than one 15-minute window allows completes without a single 429', async () => {
    const sb = await h.sandbox();
    // Every job launched at once: the first minutes need more than the window holds.
    const config = h.file('c.json', baseConfig(sb, { ...BACKFILL, max_concurrent_jobs: 20 }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))], 90_000);
    expect(r.code, r.stderr).toBe(0);
    const records = withoutEntityId(recordsOf(r.messages, 'holdings'));
    expect(new Set(records.map(key)).size).toBe(records.length);
    expect(sortByKey(records)).toEqual(sortByKey(expectedBackfill()));
    for (const id of PORTFOLIOS) for (const w of MONTHS) expect(launchesFor(sb, id, w.start)).toBe(1);
    // More requests than the window holds, spread by the budget over more than one window: the
    // sandbox never had to refuse one.
    expect(sb.requests.length).toBeGreaterThan(50);
    expect((sb.requests.at(-1)!.at - sb.requests[0]!.at) * 100).toBeGreaterThan(15 * 60_000);
    expect(sb.stats().served429).toBe(0);
    // The sync's last lines say what it asked of Addepar, and how long it waited for the budget.
    const requestsOfTheRead = sb.requests.length;
    expect(logs(r.messages).at(-1)).toMatch(new RegExp(`^Addepar requests this sync: ${requestsOfTheRead} \\(0 answered 429 and waited out; [1-9]\\d* waited for room in the rate-limit budget; .+ of waiting in all\\)$`));
    expect(logs(r.messages).some((l) => /^Addepar rate limit: waiting [\d.]+ (s|min)( \d+ s)? \(50 of 50 requests used in the last 15 min\) \[[\d.]+ m?s real time at clock speed ×100\]$/.test(l))).toBe(true);
  }, 120_000);

  it('429s with X-RateLimit-Retry-After (another client used up the window) are waited out, not failed', async () => {
    const sb = await h.sandbox();
    h.allowLimitHits(sb);
    const catalog = h.file('cat.json', await holdingsCatalog(h));
    // Another client of the firm spends the whole window just before the sync starts.
    const auth = { authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`, 'addepar-firm': '1' };
    for (let i = 0; i < 50; i++) await (await fetch(`${sb.url}/v1/jobs?page[limit]=1`, { headers: auth })).arrayBuffer();
    const config = h.file('c.json', baseConfig(sb, { end_date: '2024-01-31', view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] }));
    const started = Date.now();
    const r = await airbyte(['read', '--config', config, '--catalog', catalog], 90_000);
    expect(r.code, r.stderr).toBe(0);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 101, MONTHS[0]!));
    // The sandbox refused the sync's first request and said how long to wait; jobtap waited that long.
    expect(sb.stats().served429).toBeGreaterThanOrEqual(1);
    const waited = logs(r.messages).find((l) => l.includes('HTTP 429'));
    const m = /^Addepar rate limit \(HTTP 429, X-RateLimit-Retry-After: (\d+) s\): waiting (\d+) min(?: (\d+) s)? \(jobtap counted \d of 50 requests in the last 15 min; other clients of this account share the limit\) \[[\d.]+ s real time at clock speed ×100\]$/.exec(waited ?? '');
    expect(m, waited).not.toBeNull();
    // The window reopens 15 min after the other client's first request, less the time the sync took
    // to start (on a loaded machine, a few sandbox minutes): jobtap waits exactly what it was told.
    const askedS = Number(m![1]);
    expect(askedS).toBeGreaterThan(5 * 60);
    expect(askedS).toBeLessThanOrEqual(15 * 60);
    expect(Number(m![2]) * 60 + Number(m![3] ?? 0)).toBe(askedS);
    expect(Date.now() - started).toBeGreaterThanOrEqual((askedS * 1000) / 100 - 500);
    expect(errors(r.messages)).toEqual([]);
  }, 120_000);

  it('SIGTERM while waiting out a 429 ends the sync at once with resumable state; the next sync finishes it', async () => {
    // The firm's real limit is lower than the connector was told: the sync meets a 429 asking for
    // ~15 minutes (9 s of real time at ×100).
    const sb = await h.sandbox({ rateLimits: { requestsPerWindow: 8 } });
    h.allowLimitHits(sb);
    const catalog = h.file('cat.json', await holdingsCatalog(h));
    const config = h.file('c.json', baseConfig(sb, { end_date: '2024-01-31', rate_limit: { clock_speed: sb.clock.speed } }));
    const child = spawnCli(SOURCE, ['read', '--config', config, '--catalog', catalog]);
    let text = '';
    child.stderr.resume();
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString('utf8');
        if (text.includes('HTTP 429') && child.exitCode === null && !child.killed) {
          child.kill('SIGTERM');
          resolve();
        }
      });
      child.once('close', () => reject(new Error(`ended before a 429:\n${text}`)));
    });
    const stoppedAt = Date.now();
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
    expect(code).toBe(143);
    const messages = parseJsonLines(text.slice(0, text.lastIndexOf('\n') + 1));
    assertValidAirbyteMessages(messages);
    // The stream's error, then the sync's naming it.
    expect(errors(messages).map((e) => e.failure_type)).toEqual(['transient_error', 'transient_error']);
    const statuses = ofType(messages, 'TRACE').map((m) => ((m.trace as Json).stream_status as Json | undefined)?.status).filter(Boolean);
    expect(statuses.at(-1)).toBe('INCOMPLETE');
    const state = nextState(messages);
    expect(Object.keys(((state[0]!.stream as Json).stream_state as Json).inflight as Json).length).toBeGreaterThan(0);

    // A quarter of an hour later the next sync resumes the jobs in state and finishes.
    sb.clock.advance(16 * 60_000);
    const r = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s.json', state)], 90_000);
    expect(r.code, r.stderr).toBe(0);
    const all = withoutEntityId([...recordsOf(messages, 'holdings'), ...recordsOf(r.messages, 'holdings')]);
    expect(sortByKey(all)).toEqual(sortByKey([...expectedViewRecords(12, 'ENTITY', 101, MONTHS[0]!), ...expectedViewRecords(12, 'ENTITY', 102, MONTHS[0]!)]));
  }, 60_000);

  it('a storm of 429s longer than the failure retries is waited out, request by request', async () => {
    const storm = createFaultInjector([
      // Six refusals in a row, more than the five retries a failing request gets.
      { id: 'storm', method: 'GET', path: /\/v1\/jobs/, skip: 1, times: 6, action: { kind: 'status', status: 429, headers: { 'x-ratelimit-retry-after': '60' } } },
    ]);
    const sb = await h.sandbox({ interceptors: [storm.interceptor] });
    const config = h.file('c.json', baseConfig(sb, { end_date: '2024-01-31' }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))], 90_000);
    expect(r.code, r.stderr).toBe(0);
    expect(storm.hits('storm')).toBe(6);
    expect(logs(r.messages).filter((l) => l.startsWith('Addepar rate limit (HTTP 429, X-RateLimit-Retry-After: 60 s): waiting 1 min'))).toHaveLength(6);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual([...expectedViewRecords(12, 'ENTITY', 101, MONTHS[0]!), ...expectedViewRecords(12, 'ENTITY', 102, MONTHS[0]!)]);
  }, 120_000);

  it('a launch whose answer was lost (connection reset after Addepar created the job) is found in the job list: no orphan job', async () => {
    const lost = createFaultInjector([
      // The job is created, then the connection breaks before the answer's body arrives.
      { id: 'lost', method: 'POST', path: /\/v1\/jobs$/, skip: 1, times: 1, action: { kind: 'reset_mid_body', afterBytes: 0 } },
    ]);
    const sb = await h.sandbox({ interceptors: [lost.interceptor] });
    const config = h.file('c.json', baseConfig(sb, { end_date: '2024-01-31' }));
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    expect(r.code, r.stderr).toBe(0);
    expect(lost.hits('lost')).toBe(1);
    expect(sb.jobs).toHaveLength(2);
    for (const id of [101, 102]) expect(launchesFor(sb, id, MONTHS[0]!.start)).toBe(1);
    // Every job Addepar ran was read: none left behind.
    expect(sb.jobs.every((j) => j.downloads > 0)).toBe(true);
    expect(logs(r.messages).some((l) => /launch of slice ENTITY:102\|2024-01-01\.\.2024-01-31 reported .*, but the vendor has job .* for it; using that job/.test(l))).toBe(true);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual([...expectedViewRecords(12, 'ENTITY', 101, MONTHS[0]!), ...expectedViewRecords(12, 'ENTITY', 102, MONTHS[0]!)]);
  });

  it('meets the 60-second request limit while a slow destination takes a large result', async () => {
    // ×20: Addepar's 60 s are 3 s of real time; the destination below stops reading for 6 s.
    const sb = await h.sandbox({ clockSpeed: 20, maxRequestMs: 60_000, chunkedResults: true });
    const big = 1_000_000 + 40_000;
    const config = h.file('c.json', baseConfig(sb, { end_date: '2024-01-31', view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [big] }] }));
    const child = spawnCli(SOURCE, ['read', '--config', config, '--catalog', h.file('cat.json', await holdingsCatalog(h))]);
    const chunks: Buffer[] = [];
    // Nobody reads stdout until the result was served: the connector's writes back up.
    while (!sb.requests.some((q) => q.path.endsWith('/download'))) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 6_000));
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    const messages = parseJsonLines(Buffer.concat(chunks).toString('utf8'));
    assertValidAirbyteMessages(messages);
    expect(code).toBe(0);
    expect(sb.stats().requestsTimedOut).toBe(0);
    expect(recordsOf(messages, 'holdings').length).toBeGreaterThan(40_000);
    expect(sb.jobs).toHaveLength(1);
  }, 120_000);
});
