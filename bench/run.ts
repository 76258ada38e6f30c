/**
 * `npm run bench`: result-file parsing throughput and memory.
 *
 *   node dist/bench/run.js            full sizes: CSV/TSV/JSON 1M rows (and 100k for flatness), XLSX 200k (and 20k)
 *   node dist/bench/run.js --quick    a tenth of that (or BENCH_QUICK=1)
 *   node dist/bench/run.js --only csv,json
 *
 * Every measurement runs in its own child process; peak RSS is that process's maxRSS. The table is
 * printed and written to bench/RESULTS.md (keeping the marked section bench/peers.ts writes there).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultFormat } from '../src/formats/index.js';
import { ensureData, SEED } from './data.js';
import { runChild, type ChildResult, type Measure } from './measure.js';
import { writeKeepingSections } from './results-file.js';
import { CONNECTOR_NODE_OPTIONS } from '../src/cli/node-options.js';

interface Row {
  format: ResultFormat;
  rows: number;
  measure: 'cat' | Measure | 'pipeline, heap ≤ 64 MB';
  ms: number;
  cpuMs?: number;
  maxRssMB?: number;
}

const SELF = fileURLToPath(import.meta.url);

async function child(measure: Measure, format: ResultFormat, file: string, nodeArgs: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // jobtap's measurements run with the connectors' Node options (src/cli/node-options.ts).
    const options = measure === 'library' ? [] : CONNECTOR_NODE_OPTIONS.split(' ');
    const proc = spawn(process.execPath, [...options, ...nodeArgs, SELF, '--child', measure, format, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${measure} ${format} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

function catMs(file: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'cat', file]);
  if (r.status !== 0) throw new Error(`cat failed: ${r.stderr.toString()}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await runChild(args[1] as Measure, args[2] as ResultFormat, args[3]);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const onlyArg = args.indexOf('--only');
  const only = onlyArg >= 0 ? new Set(args[onlyArg + 1].split(',')) : undefined;
  const scale = quick ? 10 : 1;
  const plan: { format: ResultFormat; big: number; small: number }[] = [
    { format: 'csv', big: 1_000_000 / scale, small: 100_000 / scale },
    { format: 'tsv', big: 1_000_000 / scale, small: 100_000 / scale },
    { format: 'json', big: 1_000_000 / scale, small: 100_000 / scale },
    { format: 'xlsx', big: 200_000 / scale, small: 20_000 / scale },
  ].filter((p) => only === undefined || only.has(p.format)) as { format: ResultFormat; big: number; small: number }[];

  const results: Row[] = [];
  for (const { format, big, small } of plan) {
    process.stderr.write(`generating ${format} data (${small} and ${big} rows; cached in bench/.data)...\n`);
    const bigFile = await ensureData(format, big);
    const smallFile = await ensureData(format, small);
    catMs(bigFile); // warm the page cache so cat and the parsers read from memory alike
    results.push({ format, rows: big, measure: 'cat', ms: catMs(bigFile) });
    for (const measure of ['library', 'parse', 'pipeline'] as const) {
      process.stderr.write(`  ${format} ${measure} ${big} rows...\n`);
      const r = await child(measure, format, bigFile);
      if (r.rows !== big) throw new Error(`${format} ${measure}: counted ${r.rows} rows, expected ${big}`);
      results.push({ format, rows: big, measure, ms: r.ms, cpuMs: r.cpuMs, maxRssMB: r.maxRssMB });
    }
    process.stderr.write(`  ${format} pipeline ${big} rows with the V8 heap capped at 64 MB (live memory)...\n`);
    const capped = await child('pipeline', format, bigFile, ['--max-old-space-size=64']);
    results.push({ format, rows: big, measure: 'pipeline, heap ≤ 64 MB', ms: capped.ms, cpuMs: capped.cpuMs, maxRssMB: capped.maxRssMB });
    process.stderr.write(`  ${format} pipeline ${small} rows (memory flatness)...\n`);
    const r = await child('pipeline', format, smallFile);
    results.push({ format, rows: small, measure: 'pipeline', ms: r.ms, cpuMs: r.cpuMs, maxRssMB: r.maxRssMB });
  }

  const header =
    '| format | rows | measurement | wall s | CPU s | rows/s (wall) | rows/s (CPU) | peak RSS MB | wall vs cat | CPU vs plain library |';
  const lines = [header, '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const row of results) {
    const cat = results.find((r) => r.format === row.format && r.measure === 'cat' && r.rows === row.rows);
    const lib = results.find((r) => r.format === row.format && r.measure === 'library' && r.rows === row.rows);
    const cpu = row.cpuMs;
    lines.push(
      [
        '',
        row.format,
        fmt(row.rows),
        row.measure,
        fmt(row.ms / 1000, 2),
        cpu === undefined ? '—' : fmt(cpu / 1000, 2),
        fmt(row.rows / (row.ms / 1000)),
        cpu === undefined ? '—' : fmt(row.rows / (cpu / 1000)),
        row.maxRssMB === undefined ? '—' : fmt(row.maxRssMB, 0),
        cat === undefined ? '—' : `${fmt(row.ms / cat.ms, 0)}×`,
        lib?.cpuMs === undefined || cpu === undefined ? '—' : `${fmt(cpu / lib.cpuMs, 2)}×`,
        '',
      ].join(' | ').trim(),
    );
  }
  const flat: string[] = [];
  for (const { format, big, small } of plan) {
    const a = results.find((r) => r.format === format && r.measure === 'pipeline' && r.rows === small);
    const b = results.find((r) => r.format === format && r.measure === 'pipeline' && r.rows === big);
    const c = results.find((r) => r.format === format && r.measure === 'pipeline, heap ≤ 64 MB');
    if (a?.maxRssMB !== undefined && b?.maxRssMB !== undefined) {
      flat.push(
        `- ${format}: ${fmt(small)} rows → ${fmt(a.maxRssMB)} MB, ${fmt(big)} rows → ${fmt(b.maxRssMB)} MB peak RSS` +
          (c?.maxRssMB === undefined ? '' : `; ${fmt(big)} rows with the heap capped at 64 MB → ${fmt(c.maxRssMB)} MB`),
      );
    }
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const report = [
    '# Benchmark results',
    '',
    `Run: ${new Date().toISOString()} · Node ${process.version} · ${cpu} · ${cpus().length} cores · ${quick ? 'quick' : 'full'} sizes · data seed ${SEED}`,
    '',
    `Load average when the run ended: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work may share the cores; rows/s by CPU time is the one-core figure).`,
    '',
    'Each measurement is its own child process (peak RSS = that process\'s maxRSS). "cat" is',
    '`cat file > /dev/null` on a warm page cache; "library" the plain library loop without jobtap',
    '(papaparse / stream-json streamArray / exceljs WorkbookReader, default Node options); "parse" is',
    'jobtap\'s scan of the file as the CLI reads it (parseResultBatches: CSV/TSV/JSON as cells on the',
    'bytes, XLSX as rows); "pipeline" is the CLI\'s read path in process: cells written as typed records',
    'from the bytes (20-column schema given: integers, numbers from currency, percent and accounting',
    'text, booleans, dates from ISO and MM/DD/YYYY, date-times; XLSX rows typed as objects) → Airbyte',
    'RECORD lines through the protocol layer\'s AirbyteWriter into /dev/null. Single-threaded; jobtap',
    `runs with the connectors' Node options (${CONNECTOR_NODE_OPTIONS}, as the Docker image and meltano.yml set them).`,
    '"pipeline, heap ≤ 64 MB" repeats the pipeline with `node --max-old-space-size=64`: it completing',
    'shows the live memory is bounded, and its RSS is the footprint without V8\'s heap slack.',
    '',
    ...lines,
    '',
    'Memory from the smaller to the larger file (pipeline):',
    '',
    ...flat,
    '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  // Keeps the peer comparison's section (bench/peers.ts) when there is one.
  if (!only) writeKeepingSections(join(process.cwd(), 'bench', quick ? 'RESULTS-quick.md' : 'RESULTS.md'), report);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
