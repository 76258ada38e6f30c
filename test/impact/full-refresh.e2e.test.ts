/**
 * Full refresh of the job-backed impact.com streams: a finished full refresh ends with the
 * completion marker and the next one reads everything again; it does not resume from the cursor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImpactSandbox, type ImpactSandbox } from '../../src/sandbox/impact/index.js';
import { airbyte, baseConfig, lastStates, records, TempDir } from './harness.js';

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
});
