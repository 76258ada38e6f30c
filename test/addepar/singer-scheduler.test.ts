/**
 * The sync-wide job scheduler through tap-addepar (Singer), as the Airbyte tests do through
 * source-addepar: jobs of several exports run side by side within max_concurrent_jobs with every
 * stream's SCHEMA before its first RECORD and bookmarks of every stream in STATE; SIGTERM leaves
 * the jobs running and the next run adopts them; SIGKILLs at seeded points lose and repeat nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseJsonLines, runCli, spawnCli } from '../helpers/cli.js';
import { assertValidSingerMessages } from '../helpers/protocol.js';
import { prng } from '../../src/sandbox/framework/prng.js';
import { baseConfig, expectedViewRecords, Harness, ofType, peakActive, singer, TAP, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };
const FEB = { start: '2024-02-01', end: '2024-02-29' };
const EXPORTS = [
  { name: 'holdings_csv', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'CSV' },
  { name: 'holdings_json', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'JSON' },
  { name: 'sectors_tsv', view_id: 14, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'TSV' },
];

function singerRecords(messages: Json[], stream: string): Json[] {
  return ofType(messages, 'RECORD')
    .filter((m) => m.stream === stream)
    .map((m) => m.record as Json);
}

function expected(viewId: number, windows: { start: string; end: string }[]): Json[] {
  return windows.flatMap((w) => [101, 102].flatMap((id) => expectedViewRecords(viewId, 'ENTITY', id, w)));
}

function key(r: Json): string {
  return `${String(r.portfolio_id)}|${String(r.window_start)}|${String(r.window_end)}|${String(r.path)}`;
}

/** tap-addepar's discovered catalog with the exports selected. */
async function exportsCatalog(config: string): Promise<string> {
  const discovered = await runCli(TAP, ['--config', config, '--discover']);
  expect(discovered.code, discovered.stderr).toBe(0);
  const catalog = JSON.parse(discovered.stdout) as { streams: Json[] };
  const names = EXPORTS.map((e) => e.name);
  return h.file('cat.json', {
    streams: catalog.streams.map((s) => ({
      ...s,
      metadata: (s.metadata as { breadcrumb: string[]; metadata: Json }[]).map((m) =>
        m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: names.includes(String(s.tap_stream_id)) } } : m,
      ),
    })),
  });
}


describe('tap-addepar: one job scheduler per sync', () => {
  it('runs the exports side by side within max_concurrent_jobs; SCHEMA before each stream’s records; bookmarks of every stream', async () => {
    const sb = await h.sandbox({ progression: { pollsPerStage: 0, msPerStage: 20_000 }, queueQuota: 3 });
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, max_concurrent_jobs: 3, view_exports: EXPORTS }));
    const r = await singer(['--config', config, '--catalog', await exportsCatalog(config)], 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sb.jobs).toHaveLength(6);
    expect(sb.jobs.filter((j) => j.status === 'Rejected')).toEqual([]);
    const { peak, streamsAtPeak } = peakActive(sb);
    expect(peak).toBe(3);
    expect(streamsAtPeak).toBeGreaterThan(1);
    for (const e of EXPORTS) expect(withoutEntityId(singerRecords(r.messages, e.name))).toEqual(expected(e.view_id, [JAN]));
    // The streams' records interleave; each stream's SCHEMA comes before its first RECORD.
    const order = r.messages.filter((m) => m.type === 'RECORD' || m.type === 'SCHEMA').map((m) => `${String(m.type)}:${String(m.stream)}`);
    for (const e of EXPORTS) expect(order.indexOf(`SCHEMA:${e.name}`)).toBeLessThan(order.indexOf(`RECORD:${e.name}`));
    const runs = order.filter((x) => x.startsWith('RECORD:')).filter((x, i, all) => i === 0 || all[i - 1] !== x);
    expect(runs.length).toBeGreaterThan(EXPORTS.length);
    const bookmarks = (ofType(r.messages, 'STATE').at(-1)!.value as { bookmarks: Record<string, Json> }).bookmarks;
    for (const e of EXPORTS) expect(bookmarks[e.name]!.partitions).toEqual({ 'ENTITY:101': { cursor: JAN.end }, 'ENTITY:102': { cursor: JAN.end } });
  });

  it('SIGTERM leaves the jobs running and in the state; the next run adopts them without a new launch', async () => {
    const sb = await h.sandbox({ faults: { stuckNextJobs: 2 } });
    const only = [EXPORTS[0]!];
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, max_concurrent_jobs: 2, view_exports: only }));
    const discovered = JSON.parse((await runCli(TAP, ['--config', config, '--discover'])).stdout) as { streams: Json[] };
    const catalog = h.file('cat1.json', {
      streams: discovered.streams.map((s) => ({
        ...s,
        metadata: (s.metadata as { breadcrumb: string[]; metadata: Json }[]).map((m) => (m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: s.tap_stream_id === only[0]!.name } } : m)),
      })),
    });
    const child = spawnCli(TAP, ['--config', config, '--catalog', catalog]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    // Both jobs launched and observed once: stop the run.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (sb.jobs.length === 2 && sb.jobs.every((j) => j.polls + j.listed > 0)) {
          clearInterval(timer);
          child.kill('SIGTERM');
          resolve();
        }
      }, 20);
      child.once('close', () => {
        clearInterval(timer);
        reject(new Error(`tap ended before its jobs were observed:\n${out}`));
      });
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).not.toBe(0);
    const messages = parseJsonLines(out);
    assertValidSingerMessages(messages);
    expect(sb.requests.filter((q) => q.method === 'DELETE')).toEqual([]);
    const state = ofType(messages, 'STATE').at(-1)!.value as { bookmarks: Record<string, { inflight: Record<string, { jobId: string }> }> };
    expect(Object.values(state.bookmarks[only[0]!.name]!.inflight).map((j) => j.jobId).sort()).toEqual(sb.jobs.map((j) => j.id).sort());

    sb.releaseStuckJobs();
    const r = await singer(['--config', config, '--catalog', catalog, '--state', h.file('s.json', state)]);
    expect(r.code, r.stderr).toBe(0);
    expect(sb.jobs).toHaveLength(2);
    expect(withoutEntityId(singerRecords(r.messages, only[0]!.name))).toEqual(expected(12, [JAN]));
  });

  it('three exports killed (SIGKILL) at seeded points and resumed from the last STATE: every key once, nothing a STATE covered repeated', async () => {
    const sb = await h.sandbox({ progression: { pollsPerStage: 0, msPerStage: 5_000 } });
    const config = h.file('c.json', baseConfig(sb, { end_date: FEB.end, max_concurrent_jobs: 3, view_exports: EXPORTS }));
    const catalog = await exportsCatalog(config);
    const random = prng(Number(process.env.CRASH_TEST_SEED ?? 20261202));
    const delivered = new Map<string, number>();
    const covered = new Set<string>();
    const repeated: string[] = [];
    let state: Json | undefined;
    let finished = false;
    let kills = 0;
    for (let run = 0; run < 8 && !finished; run++) {
      const killAfterMs = run < 4 ? 300 + Math.floor(random() * 700) : undefined;
      const child = spawnCli(TAP, ['--config', config, '--catalog', catalog, ...(state ? ['--state', h.file(`s${run}.json`, state)] : [])]);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      clearTimeout(timer);
      // Only complete lines reached the target; a line cut by the kill did not.
      const messages = parseJsonLines(out.slice(0, out.lastIndexOf('\n') + 1));
      const pending = new Map<string, string[]>();
      for (const m of messages) {
        if (m.type === 'RECORD') {
          const id = `${String(m.stream)}|${key(m.record as Json)}`;
          if (covered.has(id)) repeated.push(id);
          delivered.set(id, (delivered.get(id) ?? 0) + 1);
          pending.set(String(m.stream), [...(pending.get(String(m.stream)) ?? []), id]);
        } else if (m.type === 'STATE') {
          // A Singer STATE covers every record emitted before it, of every stream.
          for (const ids of pending.values()) for (const id of ids) covered.add(id);
          pending.clear();
          state = m.value as Json;
        }
      }
      if (code === null) kills++;
      finished = code === 0;
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(repeated).toEqual([]);
    for (const e of EXPORTS) {
      const got = [...delivered.keys()].filter((k) => k.startsWith(`${e.name}|`)).map((k) => k.slice(e.name.length + 1)).sort();
      expect(got).toEqual(expected(e.view_id, [JAN, FEB]).map(key).sort());
    }
  });
});
