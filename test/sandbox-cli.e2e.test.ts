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
    const child = spawnCli(distEntry('src/sandbox/cli'), ['--configs', dir]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    while (!out.includes('ready')) await once(child.stdout, 'data');
    expect(out).toMatch(/Addepar API:\s+http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(out).toMatch(/impact\.com API:\s+http:\/\/127\.0\.0\.1:\d+/);

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
