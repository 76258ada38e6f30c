/**
 * What a person meets in the first minutes with the real executables: help with examples and
 * where configs come from, --about describing the tap, and errors worded for people (a missing
 * file, a JSON typo with its line and column, --config ENV with nothing set).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distEntry, runCli, runText } from './helpers/cli.js';
import { assertValidAirbyteMessages } from './helpers/protocol.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vendors = ['addepar', 'impact'] as const;

/** The env of a person who has set nothing for the taps (the test runner's own vars stay). */
function withoutTapVariables(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TAP_') && v !== undefined) env[k] = v;
  return env;
}

describe.each(vendors)('%s executables, as a person first runs them', (vendor) => {
  const tap = distEntry(`src/cli/tap-${vendor}`);
  const source = distEntry(`src/cli/source-${vendor}`);

  it('--help shows what it reads, examples and where configs come from', async () => {
    for (const [entry, name] of [
      [tap, `tap-${vendor}`],
      [source, `source-${vendor}`],
    ] as const) {
      const r = await runText(entry, ['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`${name} `);
      expect(r.stdout).toContain(`--config sandbox-configs/${vendor}.json`);
      expect(r.stdout).toContain('jobtap-sandbox');
      expect(r.stdout).toMatch(/Config:\n\s+A JSON file with the settings/);
    }
    const tapHelp = await runText(tap, ['--help']);
    expect(tapHelp.stdout).toContain(`--config ENV reads each setting from a TAP_${vendor.toUpperCase()}_<SETTING> variable`);
  });

  it('--about describes the tap, not its spec', async () => {
    const r = await runText(tap, ['--about', '--format', 'json']);
    const about = JSON.parse(r.stdout) as { description: string };
    expect(about.description).toMatch(vendor === 'addepar' ? /^Addepar portfolio data through the Jobs API/ : /^impact\.com partner data through the Partner Jobs API/);
    expect(about.description).not.toMatch(/spec/i);
  });

  it('a config file that is not there: "not found", no errno code', async () => {
    const singer = await runText(tap, ['--config', 'config.json', '--discover'], { cwd: dir });
    expect(singer.code).toBe(1);
    expect(singer.stderr).toMatch(new RegExp(`ERROR.*Config file config\\.json not found \\(looked in ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
    expect(singer.stderr).not.toContain('ENOENT');
    const airbyte = await runCli(source, ['check', '--config', 'config.json'], { cwd: dir });
    assertValidAirbyteMessages(airbyte.messages);
    expect(JSON.stringify(airbyte.messages)).toContain('Config file config.json not found');
    expect(airbyte.stdout).not.toContain('ENOENT');
  });

  it('a JSON typo names the line and column, never the text around it', async () => {
    const file = path.join(dir, `typo-${vendor}.json`);
    writeFileSync(file, '{\n  "account_sid": "IRabc",\n  "auth_token": "s3cret-token"\n  "start_date": "2024-01-01"\n}\n');
    const r = await runText(tap, ['--config', file, '--discover']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Config file ${file} is not valid JSON (line 4, column 3)`);
    expect(r.stderr).not.toContain('s3cret-token');
  });

  it('--config ENV with nothing set names the variables it looked for', async () => {
    const prefix = `TAP_${vendor.toUpperCase()}_`;
    const r = await runText(tap, ['--config', 'ENV', '--discover'], { env: withoutTapVariables() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--config ENV: none of the tap-${vendor} settings is set in the environment\\. Looked for ${prefix}\\w+, ${prefix}`));
    expect(r.stderr).toContain(`${prefix}START_DATE`);
    // Some set, some missing: the missing ones by variable name.
    const partial = await runText(tap, ['--config', 'ENV', '--discover'], { env: { ...withoutTapVariables(), [`${prefix}START_DATE`]: '2024-01-01' } });
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(new RegExp(`Missing required settings: .+\\. With --config ENV, set ${prefix}\\w+`));
    expect(partial.stderr).not.toMatch(/DEBUG|^\s+at /m);
  });
});
