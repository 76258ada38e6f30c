/**
 * SIGKILL in the middle of a large result, then resume from the last STATE: the in-flight job is
 * adopted (never launched twice), rows already covered by a checkpoint are skipped, and the union
 * of everything delivered, deduplicated by primary key, is exactly the source data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseJsonLines, spawnCli } from '../helpers/cli.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, nextState, ofType, recordsOf, SOURCE, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const BIG = 1_000_000 + 6_000;
const ROWS = 6_005;
const WINDOW = { start: '2024-01-01', end: '2024-01-31' };

function key(r: Json): string {
  return `${String(r.portfolio_id)}|${String(r.window_start)}|${String(r.window_end)}|${String(r.path)}`;
}

/** Runs a read and SIGKILLs it once `killAfter` records have arrived; returns the complete lines read. */
async function readUntilKilled(args: string[], killAfter: number): Promise<Json[]> {
  const child = spawnCli(SOURCE, args);
  let text = '';
  let records = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      const chunk = c.toString('utf8');
      text += chunk;
      records += chunk.split('{"type":"RECORD"').length - 1;
      if (records >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.once('close', () => resolve());
  });
  // A kill can cut the last line; only complete lines count as delivered.
  return parseJsonLines(text.slice(0, text.lastIndexOf('\n') + 1));
}

describe('crash and resume', () => {
  it.each([700, 1_650, 2_900])('killed after %i records, resumed from state: exact data, one job', async (killAfter) => {
    const sb = await h.sandbox();
    const config = h.file('c.json', {
      ...baseConfig(sb, { start_date: WINDOW.start, end_date: WINDOW.end, checkpoint_interval_records: 250 }),
      view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [BIG], output_type: 'CSV' }],
    });
    const catalog = h.file('cat.json', await holdingsCatalog(h));
    const first = await readUntilKilled(['read', '--config', config, '--catalog', catalog], killAfter);
    assertValidAirbyteMessages(first);
    const state = nextState(first);
    const streamState = (state[0]!.stream as Json).stream_state as { inflight: Record<string, Json>; partitions: Record<string, Json> };
    const inflight = streamState.inflight[`ENTITY:${BIG}|2024-01-01..2024-01-31`];
    // Under load the child may finish the slice before the kill lands; then nothing is left to read.
    const finished = inflight === undefined && streamState.partitions[`ENTITY:${BIG}`]?.cursor === WINDOW.end;
    expect(inflight !== undefined || finished).toBe(true);
    const emitted = finished ? ROWS : (inflight!.emitted as number);
    // A STATE never claims rows that were not delivered before it.
    expect(emitted).toBeLessThanOrEqual(recordsOf(first, 'holdings').length);
    // Past the first parser batch a mid-file checkpoint exists, so the resume skips rows.
    if (killAfter > 1_500) expect(emitted).toBeGreaterThan(0);
    if (finished) expect(recordsOf(first, 'holdings')).toHaveLength(ROWS);

    const second = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s.json', state)]);
    expect(second.code).toBe(0);
    expect(sb.jobs).toHaveLength(1);
    const resumed = recordsOf(second.messages, 'holdings');
    // The resumed run starts right after the rows its state covers.
    expect(resumed.length).toBe(ROWS - emitted);

    const union = new Map<string, Json>();
    for (const r of [...recordsOf(first, 'holdings'), ...resumed]) union.set(key(r), r);
    const expected = expectedViewRecords(12, 'ENTITY', BIG, WINDOW);
    expect(union.size).toBe(expected.length);
    expect(withoutEntityId([...union.values()]).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
    expect(ofType(second.messages, 'TRACE').some((m) => (m.trace as Json).type === 'ERROR')).toBe(false);
  });
});
