/**
 * Shared pieces of the Addepar end-to-end tests: a sandbox per test, configs pointing at it,
 * temp files for config/catalog/state, running the built CLIs with every message validated,
 * and the records the sandbox's dataset should produce, computed without HTTP or parsing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addeparSandboxRateLimit, analyse, COLUMN_ATTRIBUTES, findView, walkTree } from '../../src/sandbox/addepar/index.js';
import { startAddeparSandbox, type AddeparSandbox, type AddeparSandboxOptions } from '../../src/sandbox/addepar/index.js';
import { distEntry, runCli, type CliResult } from '../helpers/cli.js';
import { assertValidAirbyteMessages, assertValidSingerMessages } from '../helpers/protocol.js';

export const SOURCE = distEntry('src/cli/source-addepar');
export const TAP = distEntry('src/cli/tap-addepar');

export type Json = Record<string, unknown>;

/**
 * How the Addepar tests run the sandbox: with Addepar's published rate limits (50 requests per
 * 15 minutes, 1,000 per day), on a clock 100× real time, so a 15-minute window passes in 9 s and a
 * test that needs more requests than a window allows still finishes in seconds. The 60-second
 * request limit is raised to 10 sandbox minutes (6 s real) here: at ×100 it would be 0.6 s of real
 * time, which a loaded CI machine can spend on one local request; rate-limits.test.ts meets
 * the 60-second limit itself at a clock where it means something.
 */
export const TEST_CLOCK_SPEED = 100;

export class Harness {
  readonly sandboxes: AddeparSandbox[] = [];
  private readonly dirs: string[] = [];

  async sandbox(options: AddeparSandboxOptions = {}): Promise<AddeparSandbox> {
    const sb = await startAddeparSandbox({ clockSpeed: TEST_CLOCK_SPEED, maxRequestMs: 10 * 60_000, ...options });
    this.sandboxes.push(sb);
    return sb;
  }

  private readonly limitsMayBeHit = new Set<AddeparSandbox>();

  /** For a test that provokes 429s on purpose (a storm, another client using the firm's budget). */
  allowLimitHits(sb: AddeparSandbox): void {
    this.limitsMayBeHit.add(sb);
  }

  file(name: string, content: unknown): string {
    if (this.dirs.length === 0) this.dirs.push(mkdtempSync(path.join(tmpdir(), 'jobtap-addepar-')));
    const file = path.join(this.dirs[0]!, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  }

  /** Closes the sandboxes; fails the test if jobtap provoked a 429 or a cancelled request on one. */
  async close(): Promise<void> {
    const sandboxes = this.sandboxes.splice(0);
    await Promise.all(sandboxes.map((s) => s.close()));
    for (const sb of sandboxes) if (!this.limitsMayBeHit.has(sb)) expectNoLimitProvoked(sb);
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** A config for the sandbox with fast polling; one CSV view export over two portfolios by default. */
export function baseConfig(sb: AddeparSandbox, overrides: Json = {}): Json {
  return {
    base_url: sb.url,
    firm_id: sb.credentials.firmId,
    api_key: sb.credentials.apiKey,
    api_secret: sb.credentials.apiSecret,
    start_date: '2024-01-01',
    end_date: '2024-02-29',
    window_size: 'month',
    poll_interval_seconds: 0.01,
    max_poll_interval_seconds: 0.03,
    max_concurrent_jobs: 2,
    view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'CSV' }],
    rate_limit: addeparSandboxRateLimit(sb),
    ...overrides,
  };
}

/** Every test ends with this: jobtap kept inside the limits (no 429) and no request ran too long. */
export function expectNoLimitProvoked(sb: AddeparSandbox): void {
  const stats = sb.stats();
  if (stats.served429 !== 0 || stats.requestsTimedOut !== 0) {
    throw new Error(`the Addepar sandbox served ${stats.served429} 429(s) and cancelled ${stats.requestsTimedOut} request(s) for running too long`);
  }
}

/** Runs source-addepar; every stdout message must be a valid Airbyte message. */
export async function airbyte(args: string[], timeoutMs = 45_000): Promise<CliResult> {
  const result = await runCli(SOURCE, args, { timeoutMs });
  assertValidAirbyteMessages(result.messages);
  return result;
}

/** Runs tap-addepar; every stdout line must be a valid Singer message in a valid sequence. */
export async function singer(args: string[], timeoutMs = 45_000): Promise<CliResult> {
  const result = await runCli(TAP, args, { timeoutMs });
  assertValidSingerMessages(result.messages);
  return result;
}

export function ofType(messages: Json[], type: string): Json[] {
  return messages.filter((m) => m.type === type);
}

export function recordsOf(messages: Json[], stream: string): Json[] {
  return ofType(messages, 'RECORD')
    .map((m) => m.record as Json)
    .filter((r) => r.stream === stream)
    .map((r) => r.data as Json);
}

/** A configured catalog selecting the named streams (all when omitted) from a discover output. */
export function configuredCatalog(discover: Json[], syncMode: 'incremental' | 'full_refresh', only?: string[]): Json {
  const catalog = ofType(discover, 'CATALOG')[0]!.catalog as { streams: Json[] };
  return {
    streams: catalog.streams
      .filter((s) => only === undefined || only.includes(String(s.name)))
      .map((s) => {
        const modes = s.supported_sync_modes as string[];
        const mode = modes.includes(syncMode) ? syncMode : 'full_refresh';
        return {
          stream: s,
          sync_mode: mode,
          destination_sync_mode: mode === 'incremental' ? 'append_dedup' : 'overwrite',
          ...(s.default_cursor_field ? { cursor_field: s.default_cursor_field } : {}),
          ...(s.source_defined_primary_key ? { primary_key: s.source_defined_primary_key } : {}),
        };
      }),
  };
}

let holdingsCatalogCache: Json | undefined;

/**
 * The configured catalog of a `holdings` stream on view 12 (incremental), from one real discover
 * per test file: the schema depends only on the view, so tests that vary everything else share it.
 */
export async function holdingsCatalog(h: Harness): Promise<Json> {
  if (holdingsCatalogCache === undefined) {
    const sb = await h.sandbox();
    const discover = await airbyte(['discover', '--config', h.file('discover.json', baseConfig(sb))]);
    holdingsCatalogCache = configuredCatalog(discover.messages, 'incremental', ['holdings']);
  }
  return holdingsCatalogCache;
}

/** The Airbyte input state for the next sync: the last per-stream STATE of each stream. */
export function nextState(messages: Json[]): Json[] {
  const last = new Map<string, Json>();
  for (const m of ofType(messages, 'STATE')) {
    const state = m.state as Json;
    const name = ((state.stream as Json).stream_descriptor as Json).name as string;
    const { sourceStats: _stats, ...rest } = state;
    last.set(name, rest);
  }
  return [...last.values()];
}

/** Jobs the sandbox created (POST answered 202) for one portfolio and window. */
export function launchesFor(sb: AddeparSandbox, portfolioId: number | string, start: string): number {
  return sb.jobs.filter((j) => String(j.parameters.portfolio_id) === String(portfolioId) && j.parameters.start_date === start).length;
}

/** The records a view export must produce for one portfolio and window, computed from the dataset. */
export function expectedViewRecords(viewId: number, portfolioType: string, portfolioId: number, window: { start: string; end: string }): Json[] {
  const view = findView(viewId)!;
  const tree = analyse({ portfolioType, portfolioIds: [portfolioId], startDate: window.start, endDate: window.end, columns: view.columns, groupings: view.groupings });
  const out: Json[] = [];
  for (const { node, path: names, depth } of walkTree(tree)) {
    const record: Json = {
      portfolio_type: portfolioType,
      portfolio_id: portfolioId,
      window_start: window.start,
      window_end: window.end,
      as_of: window.end,
      path: ['Total', ...names].join(' / '),
      depth,
      name: node.name,
      grouping: node.grouping ?? null,
    };
    for (const key of view.columns) {
      const attr = COLUMN_ATTRIBUTES.find((a) => a.key === key)!;
      const field = attr.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '_');
      record[field] = node.columns[key] ?? null;
    }
    out.push(record);
  }
  return out;
}

export function withoutEntityId(records: Json[]): Json[] {
  return records.map(({ entity_id: _e, ...rest }) => rest);
}

/** The most jobs active on the sandbox at once, and how many exports (view × output type) they belonged to then. */
export function peakActive(sb: AddeparSandbox): { peak: number; streamsAtPeak: number } {
  let peak = 0;
  let streamsAtPeak = 0;
  for (const job of sb.jobs) {
    const t = job.createdAt;
    const active = sb.jobs.filter((j) => j.createdAt <= t && (j.completedAt === undefined || j.completedAt > t));
    if (active.length > peak) {
      peak = active.length;
      streamsAtPeak = new Set(active.map((j) => `${String(j.parameters.view_id)}|${String(j.parameters.output_type)}`)).size;
    }
  }
  return { peak, streamsAtPeak };
}
