/**
 * `jobtap-sandbox` as a person runs it: it starts both simulators on loopback, writes configs
 * that the real connectors accept, and stops cleanly on SIGTERM.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distEntry, runCli, spawnCli } from './helpers/cli.js';
import { assertValidAirbyteMessages } from './helpers/protocol.js';

describe('jobtap-sandbox', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-sandbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves both APIs on 127.0.0.1 with configs the connectors check successfully, and stops on SIGTERM', async () => {
    const child = spawnCli(distEntry('src/sandbox/cli'), ['--configs', dir, '--clock-speed', '60', '--rate-limit', 'addepar.requests_per_window=100']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    while (!out.includes('ready')) await once(child.stdout, 'data');
    expect(out).toMatch(/Addepar API:\s+http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(out).toMatch(/impact\.com API:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/rate limits:\s+Addepar 100 per 900 s and 1000 per day; impact\.com 1000 per hour, 100 ReportExport calls per day \(sandbox clock ×60\)/);
    // The configs carry the sandbox's limits and clock, so the connectors' budgets match it.
    expect(JSON.parse(readFileSync(path.join(dir, 'addepar.json'), 'utf8')).rate_limit).toEqual({ requests_per_window: 100, window_seconds: 900, requests_per_day: 1000, clock_speed: 60 });
    expect(JSON.parse(readFileSync(path.join(dir, 'impact.json'), 'utf8')).rate_limit).toEqual({ requests_per_hour: 1000, report_exports_per_day: 100, clock_speed: 60 });

    for (const vendor of ['addepar', 'impact']) {
      const config = path.join(dir, `${vendor}.json`);
      expect(JSON.parse(readFileSync(config, 'utf8'))).toHaveProperty('base_url');
      const check = await runCli(distEntry(`src/cli/source-${vendor}`), ['check', '--config', config]);
      assertValidAirbyteMessages(check.messages);
      expect(check.messages.find((m) => m.type === 'CONNECTION_STATUS')).toEqual({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
    }

    child.kill('SIGTERM');
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
  });
});
