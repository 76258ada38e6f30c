/**
 * `npm run bench:requests`: how well source-addepar lives within Addepar's published limits.
 *
 * A backfill of 3 view exports × 10 portfolios × 12 monthly windows (360 jobs) runs through the
 * real CLI (discover, then read) against the Addepar sandbox with its default limits (50 requests
 * per 15 minutes, 1,000 per 24 hours, 60-second request limit), jobs that run two minutes of
 * sandbox time each, and a sandbox clock 200× real time (the whole backfill takes about a
 * minute). The connector's time settings are Addepar-realistic on the sandbox clock: first poll
 * after 10 s, at most every 120 s, 12 jobs in flight.
 *
 * It reports, with the baseline measured in the same run being what the limits allow at best:
 * - requests per job (target ≤ 3: launch, download, a share of list polls), by kind;
 * - the backfill's duration on the sandbox clock against the fastest any client could make the
 *   two requests every job needs (launch and download) plus the metadata under both limits, with
 *   one job run at the end (target ≤ 1.2×);
 * - 429s served and requests cut for running over 60 s (target 0), and whether every primary key
 *   arrived exactly once.
 *
 *   node dist/bench/requests.js [--speed 200] [--portfolios 10] [--months 12]
 *
 * The table is printed and written to bench/REQUESTS.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addeparSandboxRateLimit, analyse, findView, startAddeparSandbox, walkTree, type AddeparSandbox } from '../src/sandbox/addepar/index.js';
import { SYNTHETIC_PORTFOLIO_BASE } from '../src/sandbox/addepar/dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../src/cli/source-addepar.js');
const OUT = path.resolve(here, '../../bench/REQUESTS.md');

const STAGE_MS = 20_000;
const JOB_MS = 6 * STAGE_MS;
const WINDOW_MS = 15 * 60_000;
const PER_WINDOW = 50;
const PER_DAY = 1000;
const DAY_MS = 86_400_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Run {
  code: number | null;
  lines: string[];
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    const lines: string[] = [];
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts.filter((l) => l.length > 0));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines }));
  });
}

function months(n: number): { start: string; end: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    start: new Date(Date.UTC(2024, i, 1)).toISOString().slice(0, 10),
    end: new Date(Date.UTC(2024, i + 1, 0)).toISOString().slice(0, 10),
  }));
}

/**
 * The earliest time (ms after the first request) at which a client can have sent `requests`
 * requests under "50 in any 15 minutes" and "1,000 in any 24 hours": request k (0-based) goes
 * no earlier than floor(k / 50) windows and floor(k / 1,000) days in.
 */
export function limitBoundMs(requests: number): number {
  const k = requests - 1;
  return Math.max(Math.floor(k / PER_WINDOW) * WINDOW_MS, Math.floor(k / PER_DAY) * DAY_MS);
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function hours(ms: number): string {
  return `${fmt(ms / 3_600_000, 2)} h`;
}

async function main(): Promise<void> {
  const speed = arg('speed', 200);
  const portfolioCount = arg('portfolios', 10);
  const windows = months(arg('months', 12));
  // Synthetic portfolios of 3 to 12 securities: small, different results.
  const portfolios = Array.from({ length: portfolioCount }, (_, i) => SYNTHETIC_PORTFOLIO_BASE + 3 + i);
  const exports = [
    { name: 'holdings_csv', view_id: 12, output_type: 'CSV' },
    { name: 'holdings_tsv', view_id: 12, output_type: 'TSV' },
    { name: 'sectors_json', view_id: 14, output_type: 'JSON' },
  ];
  const jobs = exports.length * portfolios.length * windows.length;

  const sb: AddeparSandbox = await startAddeparSandbox({ clockSpeed: speed, progression: { pollsPerStage: 0, msPerStage: STAGE_MS } });
  const cache = mkdtempSync(path.join(tmpdir(), 'jobtap-bench-requests-'));
  const work = mkdtempSync(path.join(tmpdir(), 'jobtap-bench-requests-work-'));
  try {
    const config = {
      base_url: sb.url,
      firm_id: sb.credentials.firmId,
      api_key: sb.credentials.apiKey,
      api_secret: sb.credentials.apiSecret,
      start_date: windows[0]!.start,
      end_date: windows[windows.length - 1]!.end,
      window_size: 'month',
      max_concurrent_jobs: 12,
      // Addepar-realistic waits on the sandbox clock, expressed in real seconds.
      poll_interval_seconds: 10 / speed,
      max_poll_interval_seconds: 120 / speed,
      job_timeout_minutes: 240 / speed,
      view_exports: exports.map((e) => ({ ...e, portfolio_type: 'ENTITY', portfolio_ids: portfolios })),
      rate_limit: addeparSandboxRateLimit(sb),
    };
    const configFile = path.join(work, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    const env = { JOBTAP_CACHE_DIR: cache };
    process.stderr.write(`bench:requests: ${jobs} jobs, sandbox clock ×${speed}, limits ${PER_WINDOW}/15 min and ${PER_DAY}/24 h...\n`);

    const discover = await runCli(['discover', '--config', configFile], env);
    const catalogMessage = discover.lines.map((l) => JSON.parse(l) as { type: string; catalog?: { streams: Record<string, unknown>[] } }).find((m) => m.type === 'CATALOG');
    if (discover.code !== 0 || catalogMessage?.catalog === undefined) throw new Error(`discover failed (exit ${discover.code})`);
    const catalog = {
      streams: catalogMessage.catalog.streams
        .filter((s) => s.name !== 'jobs')
        .map((s) => ({ stream: s, sync_mode: 'incremental', destination_sync_mode: 'append_dedup', cursor_field: s.default_cursor_field, primary_key: s.source_defined_primary_key })),
    };
    const catalogFile = path.join(work, 'catalog.json');
    writeFileSync(catalogFile, JSON.stringify(catalog));
    const discoverRequests = sb.requests.length;

    const started = Date.now();
    const read = await runCli(['read', '--config', configFile, '--catalog', catalogFile], env);
    const realMs = Date.now() - started;
    if (read.code !== 0) throw new Error(`read failed (exit ${read.code})`);

    // Every key exactly once, and as many records as the dataset holds.
    const seen = new Set<string>();
    let duplicates = 0;
    let records = 0;
    for (const line of read.lines) {
      if (!line.startsWith('{"type":"RECORD"')) continue;
      const { record } = JSON.parse(line) as { record: { stream: string; data: Record<string, unknown> } };
      const d = record.data;
      const key = `${record.stream}|${String(d.portfolio_id)}|${String(d.window_start)}|${String(d.window_end)}|${String(d.path)}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
      records++;
    }
    let expected = 0;
    for (const e of exports) {
      const view = findView(e.view_id)!;
      for (const id of portfolios) {
        for (const w of windows) {
          for (const _ of walkTree(analyse({ portfolioType: 'ENTITY', portfolioIds: [id], startDate: w.start, endDate: w.end, columns: view.columns, groupings: view.groupings }))) expected++;
        }
      }
    }

    const readRequests = sb.requests.slice(discoverRequests);
    const kinds = new Map<string, number>();
    for (const q of readRequests) {
      const kind =
        q.method === 'POST' && q.path.endsWith('/v1/jobs') ? 'launch' : q.path.endsWith('/download') ? 'download' : q.method === 'GET' && q.path.endsWith('/v1/jobs') ? 'job list (polls)' : q.method === 'GET' && /\/v1\/jobs\/[^/]+$/.test(q.path) ? 'single job poll' : q.method === 'DELETE' ? 'cancel' : 'metadata';
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    // Jobs in flight: the most jobs launched and not yet downloaded at once.
    let inflight = 0;
    let peakInflight = 0;
    const downloaded = new Set<string>();
    for (const q of readRequests) {
      if (q.method === 'POST' && q.path.endsWith('/v1/jobs')) inflight++;
      const m = /\/v1\/jobs\/([^/]+)\/download$/.exec(q.path);
      if (m && !downloaded.has(m[1]!)) {
        downloaded.add(m[1]!);
        inflight--;
      }
      peakInflight = Math.max(peakInflight, inflight);
    }
    const all = sb.requests;
    const durationMs = (all[all.length - 1]!.at - all[0]!.at) * speed;
    const minimumRequests = discoverRequests + 2 * jobs;
    const bestMs = limitBoundMs(minimumRequests) + JOB_MS;
    const stats = sb.stats();
    const perJob = readRequests.length / jobs;

    const rows: [string, string, string, string][] = [
      ['requests per job (read)', fmt(perJob, 2), '≤ 3', perJob <= 3 ? 'yes' : 'no'],
      ...[...kinds.entries()].sort().map(([k, n]): [string, string, string, string] => [`  ${k}`, `${fmt(n)} (${fmt(n / jobs, 2)} per job)`, '', '']),
      ['jobs in flight at most', fmt(peakInflight), '≥ 10', peakInflight >= 10 ? 'yes' : 'no'],
      ['requests in all (discover + read)', fmt(all.length), `floor ${fmt(minimumRequests)} (2 per job + metadata)`, ''],
      ['backfill duration (sandbox clock)', hours(durationMs), '', ''],
      ['fastest the limits allow (baseline)', hours(bestMs), '', ''],
      ['duration ÷ baseline', `${fmt(durationMs / bestMs, 2)}×`, '≤ 1.2×', durationMs / bestMs <= 1.2 ? 'yes' : 'no'],
      ['429s served', fmt(stats.served429), '0', stats.served429 === 0 ? 'yes' : 'no'],
      ['requests cut at 60 s', fmt(stats.requestsTimedOut), '0', stats.requestsTimedOut === 0 ? 'yes' : 'no'],
      ['records / expected', `${fmt(records)} / ${fmt(expected)}`, 'equal', records === expected ? 'yes' : 'no'],
      ['keys delivered twice', fmt(duplicates), '0', duplicates === 0 ? 'yes' : 'no'],
      ['real time', `${fmt(realMs / 1000, 1)} s`, '', ''],
    ];
    const table = ['| measure | value | target | met? |', '|---|---:|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
    const doc = [
      '# Request budget benchmark (`npm run bench:requests`)',
      '',
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. ${jobs} Addepar jobs (${exports.length} view exports × ${portfolios.length} portfolios × ${windows.length} monthly windows), each running ${JOB_MS / 60_000} min of sandbox time; the sandbox enforces 50 requests per 15 min, 1,000 per 24 h and a 60-s request limit on a clock ×${speed}; source-addepar with 12 jobs in flight, polls from 10 s to 120 s (sandbox time).`,
      '',
      table,
      '',
      'The baseline is computed, not measured: the time by which any client could have sent the two requests every job needs (launch, download) plus the metadata requests, under both limits, plus one job run. See bench/requests.ts.',
      '',
    ].join('\n');
    console.log(table);
    if (!process.argv.includes('--no-write')) writeFileSync(OUT, doc);
    const failed = rows.filter((r) => r[3] === 'no');
    if (failed.length > 0) {
      console.error(`targets missed: ${failed.map((r) => r[0]).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await sb.close();
    rmSync(cache, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
