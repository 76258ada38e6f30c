/**
 * `npm run bench:scheduler`: how close source-addepar gets to the vendor-bound floor when jobs of
 * several streams could run at once.
 *
 * Two shapes against the Addepar sandbox, jobs driven by sandbox time only (six stages of
 * `--job-seconds / 6`), `max_concurrent_jobs` 6 and a queue quota of 6 active jobs:
 * - nightly: 6 view exports × 1 portfolio × the one new monthly window (6 jobs, one per stream);
 * - backfill: 3 view exports × 4 portfolios × 5 monthly windows (60 jobs over 3 streams).
 * The floor is what the vendor allows at best: ⌈jobs ÷ slots⌉ × job duration. The figure is the
 * floor ÷ the wall time of the whole `read` process (spawn to exit), so 1.0 is the floor's speed
 * (target ≥ 0.85). Beside it: floor ÷ the time the sync spent on its jobs (first launch to last
 * result downloaded, on the sandbox's clock), which leaves out the fixed cost of a process (Node
 * start, config, view definitions: ~0.3 s, a quarter of a 1.2-s job but nothing next to real
 * Addepar jobs of minutes). Both job lengths are run, 1.2 s and 6 s, to show that fixed part.
 *
 * Polls run from a twelfth to a sixth of a job length (0.1 to 0.2 s for 1.2-s jobs), as the
 * default 10-to-120-s polls are to Addepar jobs of ten minutes and more.
 *
 * The request budget is not what this measures (bench:requests does): the sandbox's rate limits
 * are off and the connector's are raised so no request waits for them.
 *
 *   node dist/bench/scheduler.js [--job-seconds 1.2,6] [--runs 3] [--cli path/to/source-addepar.js] [--no-write]
 *
 * `--cli` runs another build of the connector (e.g. one from before the scheduler, for a
 * before/after table measured with the same settings).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAddeparSandbox } from '../src/sandbox/addepar/index.js';
import { SYNTHETIC_PORTFOLIO_BASE } from '../src/sandbox/addepar/dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = textArg('cli') ?? path.resolve(here, '../src/cli/source-addepar.js');
const OUT = path.resolve(here, '../../bench/SCHEDULER.md');
const SLOTS = 6;

function textArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function arg(name: string, fallback: number): number {
  const text = textArg(name);
  return text === undefined ? fallback : Number(text);
}

interface Shape {
  name: string;
  exports: number;
  portfolios: number;
  months: number;
}

const SHAPES: Shape[] = [
  { name: 'nightly (6 streams × 1 job)', exports: 6, portfolios: 1, months: 1 },
  { name: 'backfill (3 streams × 20 jobs)', exports: 3, portfolios: 4, months: 5 },
];

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; records: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let records = 0;
    let tail = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = tail + c.toString('utf8');
      records += text.split('{"type":"RECORD"').length - 1;
      tail = text.slice(-20);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, records, ms: Date.now() - started }));
  });
}

async function measure(shape: Shape, jobMs: number): Promise<{ jobs: number; floorMs: number; jobsMs: number; processMs: number; maxActive: number }> {
  const sb = await startAddeparSandbox({ rateLimits: false, progression: { pollsPerStage: 0, msPerStage: jobMs / 6 }, queueQuota: SLOTS });
  const work = mkdtempSync(path.join(tmpdir(), 'jobtap-bench-scheduler-'));
  try {
    const portfolios = Array.from({ length: shape.portfolios }, (_, i) => SYNTHETIC_PORTFOLIO_BASE + 3 + i);
    const months = Array.from({ length: shape.months }, (_, i) => i);
    const config = {
      base_url: sb.url,
      firm_id: sb.credentials.firmId,
      api_key: sb.credentials.apiKey,
      api_secret: sb.credentials.apiSecret,
      start_date: '2024-01-01',
      end_date: new Date(Date.UTC(2024, months.length, 0)).toISOString().slice(0, 10),
      window_size: 'month',
      max_concurrent_jobs: SLOTS,
      // Polls scaled to the job length (a twelfth to a sixth of a job), as a 120-s maximum is to
      // Addepar jobs of 10 minutes and more; each poll round is one job-list request for every job.
      poll_interval_seconds: jobMs / 12 / 1000,
      max_poll_interval_seconds: jobMs / 6 / 1000,
      view_exports: Array.from({ length: shape.exports }, (_, i) => ({ name: `export_${i + 1}`, view_id: i % 2 === 0 ? 12 : 14, portfolio_type: 'ENTITY', portfolio_ids: portfolios, output_type: 'CSV' })),
      rate_limit: { requests_per_window: 1_000_000, requests_per_day: 10_000_000 },
    };
    const configFile = path.join(work, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    const catalog = {
      streams: config.view_exports.map((e) => ({
        stream: { name: e.name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
        sync_mode: 'incremental',
        destination_sync_mode: 'append',
      })),
    };
    const catalogFile = path.join(work, 'catalog.json');
    writeFileSync(catalogFile, JSON.stringify(catalog));
    const result = await run(['read', '--config', configFile, '--catalog', catalogFile], { JOBTAP_CACHE_DIR: work });
    if (result.code !== 0) throw new Error(`read exited ${result.code}`);
    const jobs = shape.exports * shape.portfolios * shape.months;
    if (sb.jobs.length !== jobs) throw new Error(`expected ${jobs} jobs, the sandbox ran ${sb.jobs.length}`);
    const launches = sb.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/v1/jobs'));
    const downloads = sb.requests.filter((q) => q.path.endsWith('/download'));
    const jobsMs = downloads[downloads.length - 1]!.at - launches[0]!.at;
    // Most jobs active on the sandbox at once (created and not yet completed, by sandbox time).
    const events = sb.jobs.flatMap((j) => [
      { at: j.createdAt, d: 1 },
      { at: j.completedAt ?? Number.POSITIVE_INFINITY, d: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.d - b.d);
    let active = 0;
    let maxActive = 0;
    for (const e of events) {
      active += e.d;
      maxActive = Math.max(maxActive, active);
    }
    return { jobs, floorMs: Math.ceil(jobs / SLOTS) * jobMs, jobsMs, processMs: result.ms, maxActive };
  } finally {
    await sb.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function fmt(n: number, digits = 2): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const jobLengths = (textArg('job-seconds') ?? '1.2,6').split(',').map((x) => Number(x) * 1000);
  const runs = arg('runs', 3);
  const lines = [
    '| shape | job s | jobs | floor s | wall s (median) | **floor ÷ wall time** | jobs s | floor ÷ jobs time | most jobs active | target ≥ 0.85 (wall) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  let missed = false;
  for (const jobMs of jobLengths) {
    for (const shape of SHAPES) {
      const samples = [];
      for (let i = 0; i < runs; i++) {
        process.stderr.write(`bench:scheduler: ${shape.name}, ${jobMs / 1000}-s jobs, run ${i + 1}/${runs}...\n`);
        samples.push(await measure(shape, jobMs));
      }
      samples.sort((a, b) => a.processMs - b.processMs);
      const m = samples[Math.floor(samples.length / 2)]!;
      const wallRatio = m.floorMs / m.processMs;
      if (wallRatio < 0.85) missed = true;
      lines.push(
        `| ${shape.name} | ${jobMs / 1000} | ${m.jobs} | ${fmt(m.floorMs / 1000)} | ${fmt(m.processMs / 1000)} | **${fmt(wallRatio)}** | ${fmt(m.jobsMs / 1000)} | ${fmt(m.floorMs / m.jobsMs)} | ${m.maxActive} | ${wallRatio >= 0.85 ? 'yes' : 'no'} |`,
      );
    }
  }
  const table = lines.join('\n');
  console.log(table);
  if (!process.argv.includes('--no-write')) {
    writeFileSync(
      OUT,
      [
        '# Scheduler benchmark (`npm run bench:scheduler`)',
        '',
        `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Addepar sandbox, jobs of ${jobLengths.map((ms) => ms / 1000).join(' s and ')} s (sandbox time, six stages), ${SLOTS} job slots and a queue quota of ${SLOTS}; median of ${runs} runs (by wall time). Floor = ⌈jobs ÷ slots⌉ × job duration; wall time = the whole \`read\` process, spawn to exit; "jobs time" = first launch to last download on the sandbox.`,
        '',
        table,
        '',
      ].join('\n'),
    );
  }
  if (missed) process.exitCode = 1;
}

await main();
