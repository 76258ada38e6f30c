/**
 * impact.com's limits through the real CLI: the sandbox counts 1,000 requests per hour and 100
 * ReportExport calls per day per account (fixed windows, 429 with X-RateLimit-* and no
 * Retry-After). A first sync that needs more ReportExport calls than the day allows ends
 * resumably and the following days finish it, with every row exactly once; a 429 another client
 * provoked is waited out for as long as X-RateLimit-Reset says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { impactSandboxRateLimit, startImpactSandbox, type ImpactSandbox, type ImpactSandboxOptions } from '../../src/sandbox/impact/index.js';
import { runCli } from '../helpers/cli.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';
import { airbyte, airbyteCatalog, baseConfig, dayOffset, errorTraces, lastStates, logs, records, SOURCE, TempDir } from './harness.js';

const sandboxes: ImpactSandbox[] = [];
const tmp = new TempDir();
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});
afterAll(() => tmp.remove());

async function sandbox(options: ImpactSandboxOptions): Promise<ImpactSandbox> {
  const s = await startImpactSandbox(options);
  sandboxes.push(s);
  return s;
}

const REPORT = { name: 'actions_report', report_id: 'mp_action_listing_fast', window: 'day', start_date: dayOffset(-11), lookback_days: 0 };

function rowKey(r: Record<string, unknown>): string {
  return `${String(r.window_start)}|${String(r.window_end)}|${String(r.row_number)}`;
}

function withoutJob(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map(({ job_id: _job, ...rest }) => rest).sort((a, b) => rowKey(a).localeCompare(rowKey(b)));
}

describe('impact.com rate limits', () => {
  it("a first sync needing more ReportExport calls than the day's quota ends resumably; the next days finish it, every row once", async () => {
    // Eleven daily windows (through yesterday) against a quota of five exports a day.
    const reference = await sandbox({ rateLimits: false });
    const expected = await airbyte(['read'], tmp, { config: baseConfig(reference, { report_exports: [REPORT] }), catalog: airbyteCatalog(['actions_report']) });
    expect(expected.code).toBe(0);

    const s = await sandbox({ rateLimits: { reportExportsPerDay: 5 }, clockSpeed: 100 });
    const config = tmp.file('config.json', baseConfig(s, { report_exports: [REPORT], rate_limit: impactSandboxRateLimit(s) }));
    const catalog = tmp.file('catalog.json', airbyteCatalog(['actions_report']));
    const first = await airbyte(['read', '--config', config, '--catalog', catalog], tmp);
    expect(first.code).toBe(1);
    const error = (errorTraces(first)[0]!.trace as { error: { failure_type: string; message: string } }).error;
    expect(error.failure_type).toBe('transient_error');
    expect(error.message).toMatch(
      /^impact\.com's daily ReportExport call limit \(5 per 24 h\) is used up: 5 of 11 jobs of stream actions_report done this sync \(0 request\(s\) were left, too few for another job\); the next sync continues from here\.$/,
    );

    let state = lastStates(first);
    const delivered = [...records(first, 'actions_report')];
    let finished = false;
    for (let day = 2; day <= 4 && !finished; day++) {
      s.advanceClock(86_400_000);
      const ledger = mkdtempSync(path.join(tmpdir(), 'jobtap-next-day-'));
      try {
        const run = await runCli(SOURCE, ['read', '--config', config, '--catalog', catalog, '--state', tmp.file('state.json', state)], {
          env: { JOBTAP_CACHE_DIR: ledger },
          timeoutMs: 50_000,
        });
        assertValidAirbyteMessages(run.messages);
        delivered.push(...records(run, 'actions_report'));
        state = lastStates(run);
        finished = run.code === 0;
      } finally {
        rmSync(ledger, { recursive: true, force: true });
      }
    }
    expect(finished).toBe(true);
    expect(new Set(delivered.map(rowKey)).size).toBe(delivered.length);
    expect(withoutJob(delivered)).toEqual(withoutJob(records(expected, 'actions_report')));
    expect(s.stats()).toEqual({ served429: 0, reportExports: 11 });
  }, 120_000);

  it('a 429 with X-RateLimit-Reset (and no Retry-After) is waited out until the hour resets', async () => {
    // The sandbox clock starts at 10:57, so the hour another client used up resets in 3 minutes.
    const anchor = new Date(`${dayOffset(0)}T10:57:00Z`);
    const s = await sandbox({ anchor, initialLagMs: 0, clockSpeed: 100, rateLimits: { requestsPerHour: 20 } });
    const auth = { authorization: `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}` };
    for (let i = 0; i < 20; i++) await (await fetch(`${s.url}/Mediapartners/${s.accountSid}/Jobs`, { headers: auth })).arrayBuffer();
    const started = Date.now();
    const result = await airbyte(['read'], tmp, { config: baseConfig(s, { start_date: dayOffset(-6), rate_limit: impactSandboxRateLimit(s) }), catalog: airbyteCatalog(['jobs']) });
    expect(result.code, result.stderr).toBe(0);
    expect(records(result, 'jobs').length).toBeGreaterThan(0);
    expect(s.stats().served429).toBe(1);
    const waited = logs(result, 'WARN').find((l) => l.includes('HTTP 429'));
    expect(waited).toMatch(
      /^impact\.com rate limit \(HTTP 429, X-RateLimit-Reset: \d+ s\): waiting [\d.]+ (s|min)( \d+ s)? \(jobtap counted \d+ of 20 requests in the last hour, impact\.com says 20 of 20; other clients of this account share the limit\) \[[\d.]+ m?s real time at clock speed ×100\]$/,
    );
    const asked = Number(/X-RateLimit-Reset: (\d+) s/.exec(waited!)![1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual((asked * 1000) / 100 - 100);
  }, 60_000);
});
