/**
 * What is generated from the specs (README config reference, meltano.yml) is up to date, and
 * meltano.yml describes the taps that package.json really ships.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addeparSource } from '../src/vendors/addepar/source.js';
import { impactSource } from '../src/vendors/impact/source.js';
import { distEntry, repoRoot, runCli, runText } from './helpers/cli.js';

interface Extractor {
  name: string;
  executable: string;
  capabilities: string[];
  settings: { name: string; kind: string; sensitive?: boolean }[];
}

describe('generated docs', () => {
  it('README.md and meltano.yml match the connector specs (npm run docs --check)', async () => {
    const result = await runCli(distEntry('src/docs/generate'), ['--check'], { plainStdout: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('meltano.yml declares each tap with its executable, capabilities and every setting, secrets sensitive', async () => {
    const project = parse(readFileSync(path.join(repoRoot, 'meltano.yml'), 'utf8')) as { plugins: { extractors: Extractor[] } };
    const bins = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
    for (const source of [addeparSource, impactSource] as const) {
      const extractor = project.plugins.extractors.find((e) => e.name === source.tapName)!;
      expect(extractor).toBeDefined();
      expect(bins[extractor.executable]).toBeDefined();
      // Exactly what the tap says it can do (Meltano decides how to call it from this list).
      const about = JSON.parse((await runText(distEntry(`src/cli/${source.tapName}`), ['--about', '--format', 'json'])).stdout) as { capabilities: string[] };
      expect(extractor.capabilities).toEqual(about.capabilities);
      expect(extractor.capabilities).toEqual(expect.arrayContaining(['catalog', 'discover', 'state', 'about', 'test']));
      const properties = source.spec().connectionSpecification.properties ?? {};
      expect(extractor.settings.map((s) => s.name).sort()).toEqual(Object.keys(properties).sort());
      for (const setting of extractor.settings) {
        expect(Boolean(setting.sensitive)).toBe(Boolean(properties[setting.name]!.airbyte_secret));
        // Meltano deprecated the kinds `password` (now `sensitive: true`) and `hidden`.
        expect(['password', 'hidden']).not.toContain(setting.kind);
      }
    }
  });

  it('the README gives the two commands, and .ci/run runs exactly the test one', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
    const ci = readFileSync(path.join(repoRoot, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});
