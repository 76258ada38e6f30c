/**
 * The committed catalogs in catalog/ are what the connectors' discover says today (no drift),
 * and they drive real syncs as they are.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAddeparSandbox, type AddeparSandbox } from '../src/sandbox/addepar/index.js';
import { startImpactSandbox, type ImpactSandbox } from '../src/sandbox/impact/index.js';
import { ADDEPAR_SANDBOX_PROGRESSION, addeparExampleConfig, DEMO_CLOCK_SPEED, impactExampleConfig } from '../src/sandbox/example-configs.js';
import { distEntry, repoRoot, runCli } from './helpers/cli.js';
import { assertValidAirbyteMessages, assertValidSingerMessages } from './helpers/protocol.js';

describe('catalog/', () => {
  let dir: string;
  let addepar: AddeparSandbox;
  let impact: ImpactSandbox;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jobtap-catalog-'));
    // As the demo runs them: the vendors' rate limits, on a clock 100× real time.
    addepar = await startAddeparSandbox({ progression: ADDEPAR_SANDBOX_PROGRESSION, clockSpeed: DEMO_CLOCK_SPEED });
    impact = await startImpactSandbox({ clockSpeed: DEMO_CLOCK_SPEED });
  });
  afterAll(async () => {
    await Promise.all([addepar.close(), impact.close()]);
    // Both syncs kept inside the vendors' limits.
    expect([addepar.stats().served429, impact.stats().served429]).toEqual([0, 0]);
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('matches what discover produces now', async () => {
    const result = await runCli(distEntry('src/demo/write-catalogs'), ['--check'], { plainStdout: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('the Airbyte configured catalog drives a read of every impact.com stream', async () => {
    const result = await runCli(distEntry('src/cli/source-impact'), [
      'read',
      '--config',
      config('impact.json', impactExampleConfig(impact, new Date())),
      '--catalog',
      path.join(repoRoot, 'catalog/impact.configured_catalog.json'),
    ]);
    assertValidAirbyteMessages(result.messages);
    expect(result.code, result.stderr).toBe(0);
    const streams = new Set(result.messages.filter((m) => m.type === 'RECORD').map((m) => (m.record as { stream: string }).stream));
    expect([...streams].sort()).toEqual(['action_listing', 'job_results', 'jobs']);
  });

  it('the Singer catalogs select every stream for tap-impact and tap-addepar', async () => {
    const today = new Date();
    const runs: [string, string, unknown][] = [
      ['impact', 'impact.json', impactExampleConfig(impact, today)],
      ['addepar', 'addepar.json', addeparExampleConfig(addepar, today)],
    ];
    for (const [vendor, name, content] of runs) {
      const result = await runCli(distEntry(`src/cli/tap-${vendor}`), [
        '--config',
        config(name, content),
        '--catalog',
        path.join(repoRoot, `catalog/${vendor}.singer_catalog.json`),
      ]);
      assertValidSingerMessages(result.messages);
      expect(result.code, result.stderr).toBe(0);
      const schemas = result.messages.filter((m) => m.type === 'SCHEMA').map((m) => m.stream);
      const withRecords = new Set(result.messages.filter((m) => m.type === 'RECORD').map((m) => m.stream));
      expect(schemas.length).toBeGreaterThan(1);
      expect([...withRecords].sort()).toEqual([...schemas].sort());
    }
  }, 90_000);
});
