#!/usr/bin/env node
/**
 * `npm run demo`: a complete sync of both vendors against the bundled local sandboxes.
 *
 * 1. starts the Addepar and impact.com sandboxes on 127.0.0.1;
 * 2. per vendor, runs the real Airbyte CLI: check, discover, then a full first read, writing
 *    records per stream as JSONL under demo-output/<vendor>/run-1/ and the final state beside them;
 * 3. lets time pass (a later end date for Addepar, new jobs appearing on impact.com) and runs a
 *    second, incremental read from the saved state into run-2/: it picks up only the new windows;
 * 4. prints a table (vendor, run, stream, records, bytes, seconds), writes summary.json, stops the sandboxes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAddeparSandbox, type AddeparSandbox } from '../sandbox/addepar/index.js';
import { startImpactSandbox, type ImpactSandbox } from '../sandbox/impact/index.js';
import { ADDEPAR_SANDBOX_PROGRESSION, DEMO_CLOCK_SPEED, addeparExampleConfig, endOfPreviousMonth, impactExampleConfig } from '../sandbox/example-configs.js';
import { configuredCatalog } from './catalogs.js';
import { runConnector, runConnectorForMessages, type StreamStats } from './connector-run.js';

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli');

interface RunSummary {
  vendor: string;
  run: number;
  seconds: number;
  streams: Omit<StreamStats, 'file'>[];
}

function writeJson(file: string, value: unknown): string {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

async function syncVendor(
  vendor: string,
  outRoot: string,
  configs: [Record<string, unknown>, Record<string, unknown>],
  betweenRuns: () => void,
): Promise<RunSummary[]> {
  const entry = path.join(cliDir, `source-${vendor}.js`);
  const dir = path.join(outRoot, vendor);
  mkdirSync(dir, { recursive: true });
  const config1 = writeJson(path.join(dir, 'config.json'), configs[0]);

  const check = await runConnectorForMessages(entry, ['check', '--config', config1]);
  const status = check.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus;
  if (status?.status !== 'SUCCEEDED') throw new Error(`${vendor}: check failed: ${status?.message ?? `exit ${check.exitCode}`}`);

  const discovered = await runConnectorForMessages(entry, ['discover', '--config', config1]);
  const catalog = discovered.messages.find((m) => m.type === 'CATALOG')?.catalog;
  if (!catalog) throw new Error(`${vendor}: discover printed no catalog (exit ${discovered.exitCode})`);
  writeJson(path.join(dir, 'discovered-catalog.json'), catalog);
  const catalogFile = writeJson(path.join(dir, 'configured-catalog.json'), configuredCatalog(catalog.streams));

  const summaries: RunSummary[] = [];
  let stateFile: string | undefined;
  for (const run of [1, 2]) {
    if (run === 2) betweenRuns();
    const configFile = run === 1 ? config1 : writeJson(path.join(dir, 'config-run-2.json'), configs[1]);
    const outDir = path.join(dir, `run-${run}`);
    mkdirSync(outDir, { recursive: true });
    const args = ['read', '--config', configFile, '--catalog', catalogFile, ...(stateFile ? ['--state', stateFile] : [])];
    const result = await runConnector({ entry, args, outDir, onLog: (l) => process.stderr.write(`  [${vendor}] ${l}\n`) });
    if (result.exitCode !== 0) throw new Error(`${vendor} run ${run} failed (exit ${result.exitCode}): ${result.errors.join('; ')}`);
    stateFile = writeJson(path.join(dir, `state-after-run-${run}.json`), result.state);
    summaries.push({
      vendor,
      run,
      seconds: result.seconds,
      streams: result.streams.map(({ file: _file, ...rest }) => rest),
    });
  }
  return summaries;
}

function printTable(rows: RunSummary[]): void {
  const lines: string[][] = [['vendor', 'run', 'stream', 'records', 'bytes', 'seconds']];
  for (const r of rows) {
    for (const s of r.streams) lines.push([r.vendor, String(r.run), s.stream, String(s.records), String(s.bytes), s.seconds.toFixed(2)]);
    if (r.streams.length === 0) lines.push([r.vendor, String(r.run), '(no new records)', '0', '0', r.seconds.toFixed(2)]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => l.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(fmt(lines[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines.slice(1)) console.log(fmt(l));
}

async function main(): Promise<void> {
  const outFlag = process.argv.indexOf('--out');
  const outRoot = path.resolve(outFlag > 0 && process.argv[outFlag + 1] ? process.argv[outFlag + 1]! : 'demo-output');
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });

  const today = new Date();
  let addepar: AddeparSandbox | undefined;
  let impact: ImpactSandbox | undefined;
  try {
    addepar = await startAddeparSandbox({ progression: ADDEPAR_SANDBOX_PROGRESSION, clockSpeed: DEMO_CLOCK_SPEED });
    impact = await startImpactSandbox({ clockSpeed: DEMO_CLOCK_SPEED });
    console.log(`sandboxes: Addepar ${addepar.url}  impact.com ${impact.url}  (127.0.0.1 only)`);
    console.log(
      `rate limits as the vendors publish them, on a sandbox clock ×${DEMO_CLOCK_SPEED}: Addepar's 50 requests per 15 min window passes in ${(900 / DEMO_CLOCK_SPEED).toFixed(0)} s`,
    );
    const summaries: RunSummary[] = [];
    const sbAddepar = addepar;
    const sbImpact = impact;
    // Run 1 reads up to the end of last month; run 2 (default end date: today) adds only this month's window.
    summaries.push(
      ...(await syncVendor('addepar', outRoot, [addeparExampleConfig(sbAddepar, today, endOfPreviousMonth(today)), addeparExampleConfig(sbAddepar, today)], () => undefined)),
    );
    // Between the runs a day passes on impact.com: the jobs scheduled during it become visible.
    summaries.push(
      ...(await syncVendor('impact', outRoot, [impactExampleConfig(sbImpact, today), impactExampleConfig(sbImpact, today)], () => sbImpact.advanceClock(86_400_000))),
    );
    writeJson(path.join(outRoot, 'summary.json'), summaries);
    const limits = {
      addepar: { requests: sbAddepar.requests.length, ...sbAddepar.stats() },
      impact: { requests: sbImpact.requests.length, ...sbImpact.stats() },
    };
    writeJson(path.join(outRoot, 'rate-limits.json'), limits);
    console.log('');
    printTable(summaries);
    console.log(
      `\nrequests: Addepar ${limits.addepar.requests} (429s served: ${limits.addepar.served429}), impact.com ${limits.impact.requests} (429s served: ${limits.impact.served429})`,
    );
    console.log(`\nrecords: ${outRoot}/<vendor>/run-<n>/<stream>.jsonl   state: ${outRoot}/<vendor>/state-after-run-<n>.json`);
  } finally {
    await Promise.all([addepar?.close(), impact?.close()]);
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
