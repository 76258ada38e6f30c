/**
 * tap-impact end to end through the built CLI (Singer/Meltano protocol) against the sandbox:
 * discover, --test, a selected sync of jobs and job_results, and an incremental second sync from
 * the last STATE value; every request checked against the seed contract.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImpactSandbox, type ImpactSandbox } from '../../src/sandbox/impact/index.js';
import { DOCUMENTED_EXCEPTIONS } from './contract-exceptions.js';
import { expectedData } from './expected.js';
import { baseConfig, DAY_MS, dayOffset, records, singer, TempDir } from './harness.js';
import { checkRequests, loadOpenApiFromMarkdown } from './openapi-contract.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const contract = loadOpenApiFromMarkdown(path.join(here, 'fixtures', 'partner-jobs-api.seed.md'));

type Entry = { tap_stream_id: string; key_properties: string[]; replication_key?: string; metadata: { breadcrumb: string[]; metadata: Record<string, unknown> }[] };

function lastStateValue(messages: Record<string, unknown>[]): unknown {
  const states = messages.filter((m) => m.type === 'STATE');
  return states[states.length - 1]!.value;
}

describe('tap-impact', () => {
  let s: ImpactSandbox;
  const tmp = new TempDir();
  beforeAll(async () => {
    s = await startImpactSandbox();
  });
  afterAll(async () => {
    await s.close();
    tmp.remove();
    // Under impact.com's limits (on by default) jobtap never provoked a 429.
    expect(s.stats().served429).toBe(0);
  });

  it('a sync with a rejected token says what to fix (as --test does), without the token', async () => {
    const result = await singer([], tmp, { config: baseConfig(s, { auth_token: 'wrong-token-12345' }) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/impact\.com rejected the credentials \(HTTP 401 from GET .*\)\. Check account_sid and auth_token/);
    expect(result.stderr + result.stdout).not.toContain('wrong-token-12345');
  });

  it('discovers a Singer catalog with keys and replication keys', async () => {
    const result = await singer(['--discover'], tmp, { config: baseConfig(s, { report_exports: [{ name: 'perf', report_id: 'mp_performance_by_day' }] }) });
    expect(result.code).toBe(0);
    const catalog = JSON.parse(result.stdout) as { streams: Entry[] };
    const byId = new Map(catalog.streams.map((e) => [e.tap_stream_id, e]));
    expect([...byId.keys()]).toEqual(['jobs', 'job_results', 'perf']);
    expect(byId.get('jobs')!.key_properties).toEqual(['Id']);
    expect(byId.get('jobs')!.replication_key).toBe('CreatedDate');
    expect(byId.get('job_results')!.key_properties).toEqual(['job_id', 'row_number']);
    expect(byId.get('job_results')!.replication_key).toBe('job_created_date');
  });

  it('--test checks the connection', async () => {
    const ok = await singer(['--test'], tmp, { config: baseConfig(s) });
    expect(ok.code).toBe(0);
    const bad = await singer(['--test'], tmp, { config: baseConfig(s, { auth_token: 'not-the-token-987' }) });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/HTTP 401/);
    expect(bad.stderr + bad.stdout).not.toContain('not-the-token-987');
  });

  it('syncs the selected streams and resumes from the STATE value', async () => {
    const config = baseConfig(s, { start_date: dayOffset(-12) });
    const discovered = JSON.parse((await singer(['--discover'], tmp, { config })).stdout) as { streams: Entry[] };
    const catalog = {
      streams: discovered.streams.map((e) => ({
        ...e,
        metadata: e.metadata.map((m) => (m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: true } } : m)),
      })),
    };
    const first = await singer([], tmp, { config, catalog });
    expect(first.code).toBe(0);
    const schemas = first.messages.filter((m) => m.type === 'SCHEMA').map((m) => m.stream);
    expect(schemas).toEqual(['jobs', 'job_results']);
    const jobs = records(first, 'jobs');
    const visible = (s.jobs() as { Id: string; CreatedDate: string }[]).filter((j) => Date.parse(j.CreatedDate) >= Date.parse(`${dayOffset(-12)}T00:00:00Z`));
    expect(jobs.map((j) => j.Id)).toEqual(visible.map((j) => j.Id));
    const results = records(first, 'job_results');
    expect(results.length).toBeGreaterThan(20);
    for (const id of new Set(results.map((r) => r.job_id as string))) {
      expect(results.filter((r) => r.job_id === id).map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(id)!));
    }
    const state = lastStateValue(first.messages) as { bookmarks: Record<string, unknown> };
    expect(Object.keys(state.bookmarks).sort()).toEqual(['job_results', 'jobs']);
    expect(JSON.stringify(state)).not.toContain(s.authToken);

    s.advanceClock(DAY_MS);
    const second = await singer([], tmp, { config, catalog, state });
    expect(second.code).toBe(0);
    // The three jobs created since, plus the job that was RUNNING in the first sync (job_results
    // polled it to completion): emitted again because its status changed.
    const secondJobs = records(second, 'jobs');
    const wasRunning = jobs.filter((j) => j.Status === 'RUNNING').map((j) => j.Id);
    expect(wasRunning).toHaveLength(1);
    expect(secondJobs.filter((j) => wasRunning.includes(j.Id)).map((j) => j.Status)).toEqual(['COMPLETED']);
    const newJobs = secondJobs.filter((j) => !wasRunning.includes(j.Id));
    expect(newJobs).toHaveLength(3);
    const known = new Set(jobs.map((j) => j.Id));
    expect(newJobs.every((j) => !known.has(j.Id))).toBe(true);
    const newResults = new Set(records(second, 'job_results').map((r) => r.job_id));
    expect([...newResults].sort()).toEqual(newJobs.map((j) => j.Id as string).sort());

    const report = checkRequests(contract, s.requests, DOCUMENTED_EXCEPTIONS);
    expect(report.violations).toEqual([]);
  });
});
