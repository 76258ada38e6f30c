/**
 * Vendors that echo the Authorization header in job errors and status messages, through the real
 * CLIs of both protocols: the base64 of key:secret (and the header value around it) is masked in
 * LOG, TRACE, RECORD, STATE and stderr like the raw secrets — and it was there to mask.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addeparSandboxRateLimit, startAddeparSandbox } from '../src/sandbox/addepar/index.js';
import { impactSandboxRateLimit, startImpactSandbox } from '../src/sandbox/impact/index.js';
import { distEntry, runCli, type CliResult } from './helpers/cli.js';
import { assertValidAirbyteMessages, assertValidSingerMessages } from './helpers/protocol.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-echo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, JSON.stringify(content));
  return p;
}

function expectMasked(result: CliResult, secrets: string[]): void {
  const everything = result.stdout + result.stderr;
  for (const s of secrets) expect(everything).not.toContain(s);
  // The vendor did echo the header: what is left of it is the mask.
  expect(everything).toMatch(/Authorization: (Basic )?\*\*\*\*/);
}

function catalog(streams: string[]): Record<string, unknown> {
  return {
    streams: streams.map((name) => ({
      stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'overwrite',
    })),
  };
}

describe('credentials a vendor echoes back', () => {
  it('Addepar: base64(key:secret) from failed jobs is masked in LOG, TRACE, jobs records and stderr (Airbyte and Singer)', async () => {
    const sb = await startAddeparSandbox({ clockSpeed: 100, echoCredentials: true, faults: { failNextJobs: 1 } });
    try {
      const basic = Buffer.from(`${sb.credentials.apiKey}:${sb.credentials.apiSecret}`).toString('base64');
      const config = {
        base_url: sb.url,
        firm_id: sb.credentials.firmId,
        api_key: sb.credentials.apiKey,
        api_secret: sb.credentials.apiSecret,
        start_date: '2024-01-01',
        end_date: '2024-01-31',
        poll_interval_seconds: 0.01,
        max_poll_interval_seconds: 0.03,
        // A portfolio Addepar does not have: its job ends Error Cancelled, a config_error TRACE quoting the detail.
        view_exports: [
          { name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101], output_type: 'CSV' },
          { name: 'broken', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [10], output_type: 'CSV' },
        ],
        rate_limit: addeparSandboxRateLimit(sb),
      };
      const configFile = file('addepar.json', config);
      const read = await runCli(distEntry('src/cli/source-addepar'), ['read', '--config', configFile, '--catalog', file('a-cat.json', catalog(['holdings', 'broken', 'jobs']))]);
      assertValidAirbyteMessages(read.messages);
      expect(read.code).toBe(1);
      // The failed job was retried and read; the echo reached a LOG, the TRACE and the jobs records.
      expect(read.messages.some((m) => m.type === 'RECORD' && (m.record as { stream: string }).stream === 'holdings')).toBe(true);
      const jobsRecords = read.messages.filter((m) => m.type === 'RECORD' && (m.record as { stream: string }).stream === 'jobs');
      expect(JSON.stringify(jobsRecords)).toContain('Authorization: Basic ****');
      expectMasked(read, [basic, `Basic ${basic}`, sb.credentials.apiSecret]);

      const tap = await runCli(distEntry('src/cli/tap-addepar'), ['--config', configFile]);
      assertValidSingerMessages(tap.messages);
      expectMasked(tap, [basic, sb.credentials.apiSecret]);
      expect(sb.stats().served429).toBe(0);
    } finally {
      await sb.close();
    }
  });

  it('impact.com: base64(sid:token) in status messages is masked in LOG, jobs records and stderr (Airbyte and Singer)', async () => {
    const s = await startImpactSandbox({ echoCredentials: true });
    try {
      const basic = Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64');
      const config = {
        account_sid: s.accountSid,
        auth_token: s.authToken,
        base_url: s.url,
        start_date: new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10),
        poll_interval_seconds: 0.02,
        job_timeout_minutes: 0.5,
        rate_limit: impactSandboxRateLimit(s),
      };
      const configFile = file('impact.json', config);
      const read = await runCli(distEntry('src/cli/source-impact'), ['read', '--config', configFile, '--catalog', file('i-cat.json', catalog(['jobs', 'job_results']))]);
      assertValidAirbyteMessages(read.messages);
      expect(read.code, read.stderr).toBe(0);
      const jobsRecords = read.messages.filter((m) => m.type === 'RECORD' && (m.record as { stream: string }).stream === 'jobs');
      expect(JSON.stringify(jobsRecords)).toContain('Authorization: Basic ****');
      expectMasked(read, [basic, s.authToken]);

      const tap = await runCli(distEntry('src/cli/tap-impact'), ['--config', configFile]);
      assertValidSingerMessages(tap.messages);
      expect(tap.code, tap.stderr).toBe(0);
      expectMasked(tap, [basic, s.authToken]);
      expect(s.stats().served429).toBe(0);
    } finally {
      await s.close();
    }
  });
});
