/**
 * `npm run bench:golden`: the RECORD bytes the real CLIs write for the bench files, fingerprinted,
 * so a change to parsing, typing or encoding can be checked for byte-identical output.
 *
 *   node dist/bench/golden.js                  record bench/golden.json (CSV, TSV, JSON 1M rows; XLSX 200k)
 *   node dist/bench/golden.js --quick          the same for a tenth of the sizes (separate entries)
 *   node dist/bench/golden.js --check          compare with bench/golden.json; exit 1 naming every difference
 *   node dist/bench/golden.js --only csv,json  limit the formats
 *   node dist/bench/golden.js --dump DIR       also write each run's normalised RECORD lines to DIR/<key>.jsonl (for cmp)
 *
 * Each run is `source-impact read` (Airbyte) or `tap-impact` (Singer) downloading the file from
 * the sandbox (bench/cli-path.ts). Kept: the RECORD lines, in order, each with its newline.
 * Normalised, because they change from run to run: Airbyte's `"emitted_at":<ms>` → 0, Singer's
 * `"time_extracted":"…"` → "<time_extracted>", and the job's `"job_created_date":"…"` (the
 * sandbox's job is created an hour before its clock starts, i.e. relative to now) → "<created>";
 * the first occurrence on each line only, so the rows' data are never touched. The job id is
 * fixed by the file name.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ZipArchive } from '../src/formats/xlsx/zip.js';
import { cliArgs, createWorkdir, PROTOCOLS, startStandIn, writeCatalogs, type Protocol } from './cli-path.js';
import { ensureData, type DataFormat } from './data.js';
import { ROOT } from './paths.js';

const GOLDEN = join(ROOT, 'bench', 'golden.json');

export interface Fingerprint {
  records: number;
  bytes: number;
  sha256: string;
}

interface GoldenFile {
  about: string;
  /** The bench file each entry was made from (a changed data generator shows here first). */
  inputs: Record<string, { bytes: number; sha256: string }>;
  /** `<format>-<rows>-<protocol>` → fingerprint of the normalised RECORD lines. */
  records: Record<string, Fingerprint>;
}

const ABOUT =
  'sha256 and byte count of the RECORD lines (emitted_at, time_extracted and job_created_date normalised) that ' +
  'source-impact read / tap-impact write for the seeded bench files; made and checked by `npm run bench:golden` (bench/golden.ts)';

function normaliser(protocol: Protocol, createdDate: string): (line: string) => string {
  const created = `"job_created_date":${JSON.stringify(createdDate)}`;
  const stamp = protocol === 'airbyte' ? /"emitted_at":\d+/ : /"time_extracted":"[^"]*"/;
  const fixed = protocol === 'airbyte' ? '"emitted_at":0' : '"time_extracted":"<time_extracted>"';
  return (line) => line.replace(stamp, fixed).replace(created, '"job_created_date":"<created>"');
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * What an input file holds: its bytes, except for a workbook, whose zip carries the time it was
 * written (entry dates and docProps/core.xml), so a workbook generated on another day from the same
 * seed differs in bytes only there. For XLSX: every other part's name and inflated content.
 */
async function inputFingerprint(path: string): Promise<{ bytes: number; sha256: string }> {
  const bytes = statSync(path).size;
  if (!path.endsWith('.xlsx')) return { bytes, sha256: await fileSha256(path) };
  const handle = await open(path, 'r');
  try {
    const zip = await ZipArchive.open(handle, bytes, basename(path));
    const hash = createHash('sha256');
    for (const entry of [...zip.entries].sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'docProps/core.xml') continue;
      hash.update(`${entry.name}\0`);
      for await (const chunk of zip.read(entry)) hash.update(chunk);
    }
    return { bytes, sha256: `parts:${hash.digest("hex")}` };
  } finally {
    await handle.close();
  }
}

/** Runs one CLI sync and fingerprints its normalised RECORD lines (optionally writing them to `dumpPath`). */
async function fingerprint(args: string[], env: NodeJS.ProcessEnv, normalise: (line: string) => string, dumpPath?: string): Promise<Fingerprint> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const hash = createHash('sha256');
  const dump = dumpPath === undefined ? undefined : openSync(dumpPath, 'w');
  let records = 0;
  let bytes = 0;
  let rest = '';
  const take = (line: string): void => {
    if (!line.startsWith('{"type":"RECORD"')) return;
    const out = Buffer.from(`${normalise(line)}\n`, 'utf8');
    hash.update(out);
    if (dump !== undefined) writeSync(dump, out);
    records++;
    bytes += out.length;
  };
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      take(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') take(rest);
  if (dump !== undefined) closeSync(dump);
  const code = await exited;
  if (code !== 0) throw new Error(`${basename(args[0])} exited with ${String(code)}:\n${stderr}`);
  return { records, bytes, sha256: hash.digest('hex') };
}

function readGolden(): GoldenFile {
  if (!existsSync(GOLDEN)) return { about: ABOUT, inputs: {}, records: {} };
  return JSON.parse(readFileSync(GOLDEN, 'utf8')) as GoldenFile;
}

const GOLDEN_PLAN: { format: DataFormat; rows: number }[] = [
  { format: 'csv', rows: 1_000_000 },
  { format: 'tsv', rows: 1_000_000 },
  { format: 'json', rows: 1_000_000 },
  { format: 'xlsx', rows: 200_000 },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const scale = args.includes('--quick') ? 10 : 1;
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined;
  const dumpAt = args.indexOf('--dump');
  const dumpDir = dumpAt >= 0 ? args[dumpAt + 1] : undefined;
  if (dumpDir !== undefined) mkdirSync(dumpDir, { recursive: true });

  const golden = readGolden();
  const found: GoldenFile = { about: ABOUT, inputs: {}, records: {} };
  const problems: string[] = [];
  const work = createWorkdir();
  try {
    for (const { format, rows: fullRows } of GOLDEN_PLAN) {
      if (only !== undefined && !only.has(format)) continue;
      const rows = fullRows / scale;
      process.stderr.write(`${format} ${rows} rows: preparing data (cached in bench/.data)...\n`);
      const file = await ensureData(format, rows);
      found.inputs[basename(file)] = await inputFingerprint(file);
      const standIn = await startStandIn(file, work);
      try {
        const catalogs = writeCatalogs(standIn, work);
        for (const protocol of PROTOCOLS) {
          const key = `${format}-${rows}-${protocol}`;
          const started = Date.now();
          const dumpPath = dumpDir === undefined ? undefined : join(dumpDir, `${key}.jsonl`);
          const fp = await fingerprint(cliArgs(protocol, standIn.configPath, catalogs[protocol]), work.env, normaliser(protocol, standIn.createdDate), dumpPath);
          if (fp.records !== rows) problems.push(`${key}: ${fp.records} RECORD lines, expected ${rows}`);
          found.records[key] = fp;
          const expected = golden.records[key];
          const verdict = !check ? 'recorded' : expected === undefined ? 'NO GOLDEN ENTRY' : sameFingerprint(expected, fp) ? 'identical' : 'DIFFERS';
          process.stderr.write(`  ${key}: ${fp.records} records, ${fp.bytes} bytes, sha256 ${fp.sha256.slice(0, 16)}… ${verdict} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
          if (check && verdict !== 'identical') {
            problems.push(
              expected === undefined
                ? `${key}: no entry in bench/golden.json`
                : `${key}: expected ${expected.records} records, ${expected.bytes} bytes, sha256 ${expected.sha256}; got ${fp.records}, ${fp.bytes}, ${fp.sha256}`,
            );
          }
        }
      } finally {
        await standIn.sandbox.close();
      }
    }
  } finally {
    work.remove();
  }
  if (check) {
    for (const [name, input] of Object.entries(found.inputs)) {
      const expected = golden.inputs[name];
      if (expected !== undefined && expected.sha256 !== input.sha256) problems.push(`input ${name} is not the file the golden entries were made from (bench data changed)`);
    }
  } else {
    const merged: GoldenFile = {
      about: ABOUT,
      inputs: { ...golden.inputs, ...found.inputs },
      records: { ...golden.records, ...found.records },
    };
    writeFileSync(GOLDEN, `${JSON.stringify(merged, null, 2)}\n`);
    process.stderr.write(`wrote ${GOLDEN}\n`);
  }
  if (problems.length > 0) {
    process.stderr.write(`\n${check ? 'golden check FAILED' : 'problems'}:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
    if (dumpDir === undefined && check) process.stderr.write('Re-run with --dump DIR (here and on the known-good commit) and cmp the files to find the first differing byte.\n');
    process.exitCode = 1;
  } else if (check) {
    process.stderr.write('golden check passed: RECORD bytes identical\n');
  }
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.records === b.records && a.bytes === b.bytes && a.sha256 === b.sha256;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
