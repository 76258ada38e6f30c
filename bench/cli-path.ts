/**
 * jobtap as a user runs it, for the golden-output check and the peer comparison: the built
 * `source-impact read` (Airbyte) and `tap-impact` (Singer) CLIs download one bench file over HTTP
 * from the impact.com sandbox (its `resultFile` option: one completed DownloadReport job whose
 * result is that file, streamed from disk with the Content-Type of its extension), infer the
 * column types as they do for every impact.com result, and write protocol messages to stdout.
 *
 * Catalogs come from the CLIs' own discover output, with only `job_results` selected (full
 * refresh); config is the defaults plus the sandbox's address and a start date three days back.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImpactSandbox, type ImpactSandbox } from '../src/sandbox/impact/index.js';
import { ROOT } from './paths.js';
import { CONNECTOR_NODE_OPTIONS } from '../src/cli/node-options.js';

export type Protocol = 'airbyte' | 'singer';
export const PROTOCOLS: readonly Protocol[] = ['airbyte', 'singer'];

const ENTRIES: Record<Protocol, string> = {
  airbyte: join(ROOT, 'dist/src/cli/source-impact.js'),
  singer: join(ROOT, 'dist/src/cli/tap-impact.js'),
};

/** A temp folder for configs, catalogs and the CLIs' request ledger (never the user's ~/.cache/jobtap). */
export interface Workdir {
  dir: string;
  /** Environment of every CLI run: JOBTAP_CACHE_DIR inside the workdir, the connectors' NODE_OPTIONS. */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

export function createWorkdir(): Workdir {
  const dir = mkdtempSync(join(tmpdir(), 'jobtap-bench-'));
  const cache = join(dir, 'cache');
  mkdirSync(cache);
  // NODE_OPTIONS as the Docker image and the generated meltano.yml set it (src/cli/node-options.ts).
  return { dir, env: { ...process.env, JOBTAP_CACHE_DIR: cache, NODE_OPTIONS: CONNECTOR_NODE_OPTIONS }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A sandbox serving one file, and the config file that points the CLIs at it. */
export interface StandIn {
  sandbox: ImpactSandbox;
  configPath: string;
  /** The job's CreatedDate as served (the records' job_created_date): it moves with the clock. */
  createdDate: string;
}

let standIns = 0;

export async function startStandIn(file: string, work: Workdir): Promise<StandIn> {
  const sandbox = await startImpactSandbox({ resultFile: file });
  const [job] = sandbox.jobs() as { CreatedDate: string }[];
  const config = {
    account_sid: sandbox.accountSid,
    auth_token: sandbox.authToken,
    base_url: sandbox.url,
    start_date: new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10),
  };
  const configPath = join(work.dir, `config-${standIns++}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  return { sandbox, configPath, createdDate: job.CreatedDate };
}

function run(entry: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [entry, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${entry} ${args.join(' ')} exited with ${String(r.status)}: ${r.stderr}`);
  return r.stdout;
}

type CatalogEntry = Record<string, unknown> & { metadata?: { breadcrumb: string[]; metadata: Record<string, unknown> }[] };

/** Writes each protocol's catalog (discover output, job_results only); returns their paths. */
export function writeCatalogs(standIn: StandIn, work: Workdir): Record<Protocol, string> {
  const airbyteOut = run(ENTRIES.airbyte, ['discover', '--config', standIn.configPath], work.env);
  const message = airbyteOut
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; catalog?: { streams: { name: string }[] } })
    .find((m) => m.type === 'CATALOG');
  const stream = message?.catalog?.streams.find((s) => s.name === 'job_results');
  if (stream === undefined) throw new Error('source-impact discover listed no job_results stream');
  const airbyte = join(work.dir, 'airbyte-catalog.json');
  writeFileSync(airbyte, JSON.stringify({ streams: [{ stream, sync_mode: 'full_refresh', destination_sync_mode: 'append' }] }));

  const discovered = JSON.parse(run(ENTRIES.singer, ['--config', standIn.configPath, '--discover'], work.env)) as { streams: CatalogEntry[] };
  const entry = discovered.streams.find((s) => s.tap_stream_id === 'job_results');
  if (entry === undefined) throw new Error('tap-impact --discover listed no job_results stream');
  const selected = { ...entry, metadata: (entry.metadata ?? []).map((m) => (m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: true } } : m)) };
  const singer = join(work.dir, 'singer-catalog.json');
  writeFileSync(singer, JSON.stringify({ streams: [selected] }));
  return { airbyte, singer };
}

/** `node <entry> …args` of one sync: what a user, Airbyte or Meltano runs (Node options in the workdir's env). */
export function cliArgs(protocol: Protocol, configPath: string, catalogPath: string): string[] {
  const entry = ENTRIES[protocol];
  return protocol === 'airbyte' ? [entry, 'read', '--config', configPath, '--catalog', catalogPath] : [entry, '--config', configPath, '--catalog', catalogPath];
}
