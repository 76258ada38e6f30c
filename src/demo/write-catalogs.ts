#!/usr/bin/env node
/**
 * `npm run catalogs`: regenerates catalog/ from the connectors' own discover output against the
 * sandboxes, with the example configs (see src/sandbox/example-configs.ts):
 *   catalog/<vendor>.configured_catalog.json  Airbyte configured catalog, every stream
 *   catalog/<vendor>.singer_catalog.json      Singer catalog, every stream selected
 * Pass --check to compare instead of writing (exit 1 on drift).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startAddeparSandbox } from '../sandbox/addepar/index.js';
import { startImpactSandbox } from '../sandbox/impact/index.js';
import { ADDEPAR_SANDBOX_PROGRESSION, DEMO_CLOCK_SPEED, addeparExampleConfig, impactExampleConfig } from '../sandbox/example-configs.js';
import { configuredCatalog, selectAllSinger } from './catalogs.js';
import { runConnectorForMessages } from './connector-run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cliDir = path.resolve(here, '../cli');
const catalogDir = path.resolve(here, '../../../catalog');

async function singerDiscover(entry: string, config: string): Promise<{ streams: [] }> {
  const child = spawn(process.execPath, [entry, '--config', config, '--discover'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${entry} --discover exited ${code}`);
  return JSON.parse(text) as { streams: [] };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const tmp = mkdtempSync(path.join(tmpdir(), 'jobtap-catalogs-'));
  const addepar = await startAddeparSandbox({ progression: ADDEPAR_SANDBOX_PROGRESSION, clockSpeed: DEMO_CLOCK_SPEED });
  const impact = await startImpactSandbox({ clockSpeed: DEMO_CLOCK_SPEED });
  let drift = false;
  try {
    const today = new Date();
    const configs: Record<string, Record<string, unknown>> = {
      addepar: addeparExampleConfig(addepar, today),
      impact: impactExampleConfig(impact, today),
    };
    for (const [vendor, config] of Object.entries(configs)) {
      const configFile = path.join(tmp, `${vendor}.json`);
      writeFileSync(configFile, JSON.stringify(config));
      const discovered = await runConnectorForMessages(path.join(cliDir, `source-${vendor}.js`), ['discover', '--config', configFile]);
      const catalog = discovered.messages.find((m) => m.type === 'CATALOG')?.catalog;
      if (!catalog) throw new Error(`source-${vendor} discover printed no catalog`);
      const files: [string, unknown][] = [
        [`${vendor}.configured_catalog.json`, configuredCatalog(catalog.streams)],
        [`${vendor}.singer_catalog.json`, selectAllSinger(await singerDiscover(path.join(cliDir, `tap-${vendor}.js`), configFile))],
      ];
      for (const [name, content] of files) {
        const file = path.join(catalogDir, name);
        if (check) {
          let current: unknown;
          try {
            current = JSON.parse(readFileSync(file, 'utf8'));
          } catch {
            current = undefined;
          }
          if (!isDeepStrictEqual(current, content)) {
            drift = true;
            console.error(`catalog/${name} differs from what discover produces now; run npm run catalogs`);
          }
        } else {
          writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
          console.log(`wrote catalog/${name}`);
        }
      }
    }
  } finally {
    await Promise.all([addepar.close(), impact.close()]);
    rmSync(tmp, { recursive: true, force: true });
  }
  if (drift) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
