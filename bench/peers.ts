/**
 * `npm run bench:peers`: the jobtap CLI as a user runs it, side by side with the tools a user would
 * pick instead, on the same seeded bench files, in the same run.
 *
 *   node dist/bench/peers.js               CSV, TSV, JSON 1M rows (and 100k), XLSX 200k (and 20k); 5 rounds
 *   node dist/bench/peers.js --quick       a tenth of the sizes, 3 rounds; writes bench/RESULTS-quick.md
 *   node dist/bench/peers.js --only csv    limit the formats (prints only, writes nothing)
 *   node dist/bench/peers.js --rounds 7    more rounds;  --no-install: do not install DuckDB when it is missing
 *
 * Every tool is a whole process on the same file, its output (JSON lines) to /dev/null, timed from
 * spawn to exit with CPU time and peak RSS from /usr/bin/time (bench/process-timing.ts). Tools run
 * interleaved, A B C … A B C …, for each file; each ratio is the median of the per-round ratios
 * (jobtap CLI wall time ÷ the tool's wall time in the same round), so drift in the machine's load
 * hits both sides of a ratio alike.
 *
 * jobtap: `source-impact read` (Airbyte) and `tap-impact` (Singer) downloading the file over HTTP
 * from the impact.com sandbox (bench/cli-path.ts), and the in-process bench pipeline (`run.js
 * --child pipeline`: parse → type → Airbyte RECORD lines, no HTTP, schema given). Peers: Python
 * csv.DictReader + casts + json.dumps (CSV/TSV), a papaparse + JSON.stringify script (CSV/TSV),
 * DuckDB's Node API with typed casts and COPY … (FORMAT json), default threads and `SET threads = 1`
 * (CSV/TSV/JSON), Python ijson + json.dumps (JSON), openpyxl read-only (XLSX). A peer the machine
 * lacks is skipped and named in the report. Writes its section of bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { cliArgs, createWorkdir, startStandIn, writeCatalogs, type Protocol } from './cli-path.js';
import { ensureData, SEED, type DataFormat } from './data.js';
import { PEER_SCRIPTS, PEERS_DIR, ROOT } from './paths.js';
import { resourceMeter, timeProcess, type ProcessMeasure, type TimedCommand } from './process-timing.js';
import { writeSection } from './results-file.js';

interface RunContext {
  format: DataFormat;
  file: string;
  configPath: string;
  catalogs: Record<Protocol, string>;
  env: NodeJS.ProcessEnv;
}

interface Tool {
  id: string;
  label: string;
  formats: readonly DataFormat[];
  command(ctx: RunContext): TimedCommand;
  /** The rows the run says it wrote, when it says (checked against the file's). */
  rows(m: ProcessMeasure): number | undefined;
}

interface Sample {
  wallS: number;
  cpuS?: number;
  maxRssMB?: number;
}

const TEXT: readonly DataFormat[] = ['csv', 'tsv'];
const DELIMITER: Partial<Record<DataFormat, string>> = { csv: ',', tsv: '\t' };
const node = (script: string, ...args: string[]): TimedCommand => ({ cmd: process.execPath, args: [join(ROOT, 'dist', 'bench', script), ...args], stdout: 'null' });
const countOnStderr = (m: ProcessMeasure): number | undefined => Number(/rows=(\d+)/.exec(m.stderr)?.[1] ?? NaN);

function cliTool(protocol: Protocol): Tool {
  return {
    id: `cli-${protocol}`,
    label: protocol === 'airbyte' ? 'jobtap CLI, Airbyte (`source-impact read`, HTTP)' : 'jobtap CLI, Singer (`tap-impact`, HTTP)',
    formats: ['csv', 'tsv', 'json', 'xlsx'],
    command: (ctx) => ({ cmd: process.execPath, args: cliArgs(protocol, ctx.configPath, ctx.catalogs[protocol]), env: ctx.env, stdout: 'null' }),
    // Singer logs go to stderr; Airbyte's are on stdout (here /dev/null): bench:golden checks those records.
    rows: (m) => (protocol === 'singer' ? Number(/Sync finished: ([\d,]+) records/.exec(m.stderr)?.[1]?.replace(/,/g, '') ?? NaN) : undefined),
  };
}

const PIPELINE: Tool = {
  id: 'pipeline',
  label: 'jobtap bench pipeline (in-process, no HTTP, schema given)',
  formats: ['csv', 'tsv', 'json', 'xlsx'],
  // Under the connectors' Node options, as `npm run bench` runs it and as the CLI runs: the ratio
  // then measures what the CLI adds (HTTP, inference, envelopes), not a different young generation.
  command: (ctx) => ({ ...node('run.js', '--child', 'pipeline', ctx.format, ctx.file), env: ctx.env, stdout: 'pipe' }),
  rows: (m) => (JSON.parse(m.stdout.trim().split('\n').pop()!) as { rows: number }).rows,
};

function pythonWith(module: string): string | undefined {
  const candidates = [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => p !== undefined && p !== '');
  return candidates.find((p) => spawnSync(p, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);
}

/** `print(module.attribute)` in that Python, e.g. ijson's backend. */
function pythonInfo(python: string, module: string, attribute: string): string {
  return spawnSync(python, ['-c', `import ${module}; print(${module}.${attribute})`], { encoding: 'utf8' }).stdout.trim();
}

function duckdbVersion(): string | undefined {
  const pkg = join(PEERS_DIR, 'node_modules', '@duckdb', 'node-api', 'package.json');
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version : undefined;
}

/** Installs @duckdb/node-api into bench/.peers/ when it is missing (outside the project's dependencies). */
function ensureDuckDB(install: boolean): string | undefined {
  if (duckdbVersion() !== undefined) return undefined;
  if (!install) return 'DuckDB: @duckdb/node-api is not in bench/.peers and --no-install was given; skipped';
  process.stderr.write('installing @duckdb/node-api into bench/.peers (not a project dependency)...\n');
  const r = spawnSync('npm', ['install', '--prefix', PEERS_DIR, '--no-save', '--no-audit', '--no-fund', '@duckdb/node-api'], { stdio: ['ignore', 2, 2] });
  return r.status === 0 && duckdbVersion() !== undefined ? undefined : `DuckDB: \`npm install --prefix bench/.peers @duckdb/node-api\` failed (exit ${String(r.status)}); skipped`;
}

interface PythonPeer {
  id: string;
  label: string;
  formats: readonly DataFormat[];
  script: string;
  /** The module the script needs, and what to print of it for the report. */
  module: string;
  version: [label: string, attribute: string];
  /** What to install when no Python imports the module. */
  missing: string;
}

const PYTHON_PEERS: Record<'csv' | 'ijson' | 'openpyxl', PythonPeer> = {
  csv: {
    id: 'py-csv', label: 'Python csv.DictReader + casts + json.dumps', formats: TEXT, script: 'csv_dictreader.py',
    module: 'platform', version: ['Python', 'python_version()'], missing: 'Python 3',
  },
  ijson: {
    id: 'py-ijson', label: 'Python ijson.items + json.dumps', formats: ['json'], script: 'json_ijson.py',
    module: 'ijson', version: ['ijson backend', 'backend'], missing: 'Debian: python3-ijson',
  },
  openpyxl: {
    id: 'openpyxl', label: 'Python openpyxl read-only + json.dumps', formats: ['xlsx'], script: 'xlsx_openpyxl.py',
    module: 'openpyxl', version: ['openpyxl', '__version__'], missing: 'Debian: python3-openpyxl',
  },
};

/** The peers this machine can run, and a note for each one it cannot. */
function detectPeers(install: boolean): { tools: Tool[]; notes: string[]; versions: string[] } {
  const tools: Tool[] = [];
  const notes: string[] = [];
  const versions: string[] = [];
  const addPython = (peer: PythonPeer): void => {
    const python = pythonWith(peer.module);
    if (python === undefined) {
      notes.push(`${peer.label}: no Python here imports ${peer.module} (${peer.missing}; or set BENCH_PYTHON); skipped`);
      return;
    }
    versions.push(`${peer.version[0]} ${pythonInfo(python, peer.module, peer.version[1])} (${python})`);
    const script = join(PEER_SCRIPTS, peer.script);
    tools.push({
      id: peer.id,
      label: peer.label,
      formats: peer.formats,
      command: (ctx) => ({ cmd: python, args: [script, ctx.file, ...(ctx.format in DELIMITER ? [DELIMITER[ctx.format]!] : [])], stdout: 'null' }),
      rows: countOnStderr,
    });
  };
  addPython(PYTHON_PEERS.csv);
  tools.push({
    id: 'papaparse',
    label: 'papaparse + casts + JSON.stringify (Node script)',
    formats: TEXT,
    command: (ctx) => node('peers/papaparse-json.js', ctx.file, DELIMITER[ctx.format]!),
    rows: countOnStderr,
  });
  versions.push(`papaparse ${(JSON.parse(readFileSync(join(ROOT, 'node_modules', 'papaparse', 'package.json'), 'utf8')) as { version: string }).version}`);
  const duckdbNote = ensureDuckDB(install);
  if (duckdbNote !== undefined) notes.push(duckdbNote);
  else {
    versions.push(`@duckdb/node-api ${duckdbVersion()!}`);
    for (const threads of ['default', '1'] as const) {
      tools.push({
        id: threads === '1' ? 'duckdb-1' : 'duckdb',
        label: threads === '1' ? 'DuckDB, `SET threads = 1`' : `DuckDB, default threads (${cpus().length})`,
        formats: ['csv', 'tsv', 'json'],
        command: (ctx) => node('peers/duckdb-json.js', ctx.format, ctx.file, threads),
        rows: countOnStderr,
      });
    }
  }
  addPython(PYTHON_PEERS.ijson);
  addPython(PYTHON_PEERS.openpyxl);
  if (spawnSync('mlr', ['--version'], { stdio: 'ignore' }).error !== undefined) notes.push('Miller (mlr): not installed on this machine; not run');
  else notes.push('Miller (mlr): installed, but this bench does not run it yet');
  return { tools, notes, versions };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median over rounds of a's wall time ÷ b's in the same round. */
function ratio(a: Sample[], b: Sample[]): number {
  return median(a.map((s, i) => s.wallS / b[i].wallS));
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const maxRss = (samples: Sample[]): number | undefined => (samples[0]?.maxRssMB === undefined ? undefined : Math.max(...samples.map((s) => s.maxRssMB!)));

interface FormatResult {
  format: DataFormat;
  big: number;
  small: number;
  tools: Tool[];
  /** rows → tool id → samples in round order. */
  samples: Map<number, Map<string, Sample[]>>;
}

async function measureFormat(format: DataFormat, sizes: [number, number], tools: Tool[], rounds: number, work: ReturnType<typeof createWorkdir>, catalogs: { paths?: Record<Protocol, string> }): Promise<FormatResult> {
  const result: FormatResult = { format, big: sizes[0], small: sizes[1], tools, samples: new Map() };
  for (const rows of sizes) {
    process.stderr.write(`${format} ${rows} rows: preparing data (cached in bench/.data)...\n`);
    const file = await ensureData(format, rows);
    spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'cat', file]); // warm the page cache for every tool alike
    const standIn = await startStandIn(file, work);
    try {
      catalogs.paths ??= writeCatalogs(standIn, work);
      const ctx: RunContext = { format, file, configPath: standIn.configPath, catalogs: catalogs.paths, env: work.env };
      const byTool = new Map(tools.map((t) => [t.id, [] as Sample[]]));
      result.samples.set(rows, byTool);
      for (let round = 1; round <= rounds; round++) {
        const line: string[] = [];
        for (const tool of tools) {
          const m = await timeProcess(tool.command(ctx));
          const counted = tool.rows(m);
          if (counted !== undefined && counted !== rows) throw new Error(`${tool.id} on ${file}: reported ${String(counted)} rows, expected ${rows}\n${m.stderr}`);
          byTool.get(tool.id)!.push({ wallS: m.wallS, cpuS: m.cpuS, maxRssMB: m.maxRssMB });
          line.push(`${tool.id} ${m.wallS.toFixed(2)}s`);
        }
        process.stderr.write(`  round ${round}/${rounds}: ${line.join(', ')}\n`);
      }
    } finally {
      await standIn.sandbox.close();
    }
  }
  return result;
}

interface Target {
  what: string;
  figure: string;
  met: boolean | undefined;
}

function formatTable(r: FormatResult): string[] {
  const big = r.samples.get(r.big)!;
  const small = r.samples.get(r.small)!;
  const airbyte = big.get('cli-airbyte')!;
  const singer = big.get('cli-singer')!;
  const lines = [
    `### ${r.format.toUpperCase()}, ${fmt(r.big)} rows (peak RSS also at ${fmt(r.small)})`,
    '',
    `| tool | wall s | CPU s | rows/s (wall) | peak RSS MB | RSS at ${fmt(r.small)} rows | Airbyte CLI ÷ tool | Singer CLI ÷ tool |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const tool of r.tools) {
    const s = big.get(tool.id)!;
    const wall = median(s.map((x) => x.wallS));
    const cpu = s[0].cpuS === undefined ? undefined : median(s.map((x) => x.cpuS!));
    const isCli = tool.id.startsWith('cli-');
    lines.push(
      `| ${tool.label} | ${fmt(wall, 2)} | ${fmt(cpu, 2)} | ${fmt(r.big / wall)} | ${fmt(maxRss(s))} | ${fmt(maxRss(small.get(tool.id)!))} | ` +
        `${isCli ? '—' : `${fmt(ratio(airbyte, s), 2)}×`} | ${isCli ? '—' : `${fmt(ratio(singer, s), 2)}×`} |`,
    );
  }
  return [...lines, ''];
}

function targets(results: FormatResult[]): Target[] {
  const out: Target[] = [];
  const both = (r: FormatResult, peer: string, limit: number, what: string): void => {
    const big = r.samples.get(r.big)!;
    const s = big.get(peer);
    if (s === undefined) {
      out.push({ what, figure: `${peer} not measured on this machine`, met: undefined });
      return;
    }
    const a = ratio(big.get('cli-airbyte')!, s);
    const g = ratio(big.get('cli-singer')!, s);
    out.push({ what, figure: `Airbyte ${fmt(a, 2)}×, Singer ${fmt(g, 2)}×`, met: a <= limit && g <= limit });
  };
  for (const r of results) {
    const name = r.format.toUpperCase();
    if (r.format === 'csv' || r.format === 'tsv') {
      both(r, 'duckdb-1', 1.0, `${name}: CLI time ÷ DuckDB single-threaded ≤ 1.0${r.format === 'tsv' ? ' (the CSV target, applied to TSV)' : ''}`);
    } else if (r.format === 'json') {
      both(r, 'py-ijson', 0.5, 'JSON: CLI ≥ 2× Python ijson + json.dumps (time ratio ≤ 0.5)');
      both(r, 'duckdb-1', 1.5, 'JSON: CLI within 1.5× of DuckDB single-threaded');
      both(r, 'duckdb', 1.5, 'JSON: CLI within 1.5× of DuckDB, default threads');
    } else {
      both(r, 'openpyxl', 0.2, 'XLSX: CLI ≥ 5× openpyxl read-only (time ratio ≤ 0.2)');
    }
  }
  for (const r of results) both(r, 'pipeline', 1.1, `${r.format.toUpperCase()}: CLI within 1.1× of the bench pipeline`);
  for (const r of results) {
    for (const protocol of ['airbyte', 'singer'] as const) {
      const big = maxRss(r.samples.get(r.big)!.get(`cli-${protocol}`)!);
      const small = maxRss(r.samples.get(r.small)!.get(`cli-${protocol}`)!);
      if (big === undefined || small === undefined) continue;
      out.push({
        what: `${r.format.toUpperCase()} ${protocol === 'airbyte' ? 'Airbyte' : 'Singer'} CLI: peak RSS ≤ 150 MB at ${fmt(r.big)} rows, flat from ${fmt(r.small)} (≤ 10% growth)`,
        figure: `${fmt(small)} → ${fmt(big)} MB (${big >= small ? '+' : ''}${fmt(((big - small) / small) * 100)}%)`,
        met: big <= 150 && big <= small * 1.1,
      });
    }
  }
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const stated = readme.includes('**Result files through the CLI** (`npm run bench:peers`');
  out.push({
    what: "README states the CLI's figures, not only the pipeline's",
    figure: stated ? 'README.md, Performance: "Result files through the CLI" (figures copied from a full run by hand)' : 'README.md has no CLI figures',
    met: stated,
  });
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined;
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 3 : 5;
  const scale = quick ? 10 : 1;
  const plan: [DataFormat, number, number][] = (
    [
      ['csv', 1_000_000, 100_000],
      ['tsv', 1_000_000, 100_000],
      ['json', 1_000_000, 100_000],
      ['xlsx', 200_000, 20_000],
    ] as [DataFormat, number, number][]
  )
    .filter(([format]) => only === undefined || only.has(format))
    .map(([format, big, small]) => [format, big / scale, small / scale]);

  const started = Date.now();
  const loadBefore = loadavg();
  const meter = resourceMeter();
  const peers = detectPeers(!args.includes('--no-install'));
  const work = createWorkdir();
  const results: FormatResult[] = [];
  const catalogs: { paths?: Record<Protocol, string> } = {};
  try {
    for (const [format, big, small] of plan) {
      const tools = [cliTool('airbyte'), cliTool('singer'), PIPELINE, ...peers.tools].filter((t) => t.formats.includes(format));
      results.push(await measureFormat(format, [big, small], tools, rounds, work, catalogs));
    }
  } finally {
    work.remove();
  }

  const met = (t: Target): string => (t.met === undefined ? 'not measured' : t.met ? 'met' : '**not met**');
  const report = [
    '## jobtap CLI against the tools a user would pick instead (`npm run bench:peers`)',
    '',
    `Run: ${new Date().toISOString()} · ${((Date.now() - started) / 60_000).toFixed(1)} min · Node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores · ` +
      `${quick ? 'quick' : 'full'} sizes · ${rounds} rounds · data seed ${SEED}`,
    '',
    `Load average at the start ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work may share the cores). ` +
      `Peers: ${peers.versions.join(', ')}. Measured with ${meter?.describe ?? 'wall time only (no /usr/bin/time, no Python)'}.`,
    '',
    ...(peers.notes.length === 0 ? [] : ['Not run here:', '', ...peers.notes.map((n) => `- ${n}`), '']),
    'Every tool is a whole process reading the same file and writing JSON lines to /dev/null; wall time from spawn to exit',
    '(median of the rounds), CPU time user + system, peak RSS the largest of the rounds. The jobtap CLI downloads the file',
    'over HTTP from the impact.com sandbox on 127.0.0.1 (served from disk by the same process that runs the bench) and',
    'infers the column types as for every impact.com result; the bench pipeline is the in-process parse → type → RECORD',
    'path of `npm run bench` (schema given, no HTTP). "CLI ÷ tool" is the median of the per-round ratios of wall times',
    '(tools run interleaved, A B C … A B C …): below 1 the CLI is faster. The output bytes of the CLI are checked by',
    '`npm run bench:golden` (bench/golden.json), not here.',
    '',
    ...results.flatMap(formatTable),
    '### Targets (issue 14)',
    '',
    '| target | figure | status |',
    '|---|---|---|',
    ...targets(results).map((t) => `| ${t.what} | ${t.figure} | ${met(t)} |`),
    '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (only === undefined) writeSection(join(ROOT, 'bench', quick ? 'RESULTS-quick.md' : 'RESULTS.md'), 'peers', report);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
