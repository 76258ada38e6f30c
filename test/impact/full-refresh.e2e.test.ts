/**
 * Full refresh of the impact.com streams: a finished full refresh ends with the completion marker
 * and the next one reads everything again; an interrupted one (its last STATE is not the marker)
 * resumes where it stopped. Every impact.com stream is resumable (`is_resumable: true` in the catalog).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImpactSandbox, type ImpactSandbox } from '../../src/sandbox/impact/index.js';
import { airbyte, baseConfig, dayOffset, lastStates, records, TempDir } from './harness.js';

describe('source-impact full refresh', () => {
  let sandbox: ImpactSandbox;
  const tmp = new TempDir();
  beforeAll(async () => {
    sandbox = await startImpactSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
    tmp.remove();
    // Under impact.com's limits (on by default) jobtap never provoked a 429.
    expect(sandbox.stats().served429).toBe(0);
  });

  it('reads every job result again after a finished full refresh', async () => {
    const config = baseConfig(sandbox);
    const catalog = {
      streams: [{ stream: { name: 'job_results', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] }, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }],
    };
    const first = await airbyte(['read'], tmp, { config, catalog });
    expect(first.code, first.stderr).toBe(0);
    const firstRows = records(first, 'job_results');
    expect(firstRows.length).toBeGreaterThan(0);
    const state = lastStates(first);
    expect(state).toEqual([{ type: 'STREAM', stream: { stream_descriptor: { name: 'job_results' }, stream_state: { __ab_full_refresh_sync_complete: true } } }]);

    const second = await airbyte(['read'], tmp, { config, catalog, state });
    expect(second.code, second.stderr).toBe(0);
    expect(records(second, 'job_results')).toEqual(firstRows);
  });

  it('jobs: discovered as resumable; an interrupted full refresh resumes from its last window, a finished one starts over', async () => {
    const config = baseConfig(sandbox, { start_date: dayOffset(-10) });
    const discover = await airbyte(['discover'], tmp, { config });
    const streams = (discover.messages.find((m) => m.type === 'CATALOG')!.catalog as { streams: { name: string; is_resumable?: boolean }[] }).streams;
    expect(streams.map((st) => [st.name, st.is_resumable])).toEqual(streams.map((st) => [st.name, true]));

    const catalog = { streams: [{ stream: { name: 'jobs', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] }, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] };
    const full = await airbyte(['read'], tmp, { config, catalog });
    expect(full.code, full.stderr).toBe(0);
    const all = records(full, 'jobs');
    expect(lastStates(full)).toEqual([{ type: 'STREAM', stream: { stream_descriptor: { name: 'jobs' }, stream_state: { __ab_full_refresh_sync_complete: true } } }]);

    // Interrupted after a few windows: the state it had emitted by then.
    const states = full.messages.filter((m) => m.type === 'STATE');
    const cursorOf = (m: Record<string, unknown>): string | undefined => (((m.state as Record<string, unknown>).stream as Record<string, unknown>).stream_state as { cursor?: string }).cursor;
    const midway = states.find((m) => cursorOf(m) !== undefined)!;
    const reached = Date.parse(cursorOf(midway)!.split('|')[0]!);
    const before = all.filter((j) => Date.parse(String(j.CreatedDate)) <= reached);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(all.length);
    const resumed = await airbyte(['read'], tmp, { config, catalog, state: [midway.state] });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Together the two attempts hold every job once (jobs still open are shown again: their status may change).
    const again = records(resumed, 'jobs');
    const ids = new Set([...before, ...again].map((j) => j.Id));
    expect([...ids].sort()).toEqual(all.map((j) => j.Id).sort());
    expect(again.length).toBeLessThan(all.length);

    const restart = await airbyte(['read'], tmp, { config, catalog, state: lastStates(full) });
    expect(records(restart, 'jobs').map((j) => j.Id)).toEqual(all.map((j) => j.Id));
  });
});
