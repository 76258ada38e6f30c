/**
 * source-impact end to end through the built CLI against the impact.com sandbox: spec, check,
 * discover, incremental jobs, result downloads (200, 202 then 200, 302 to the file host), replay,
 * typed CSV/JSON/XLSX results, report exports, and every request checked against the seed contract.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/sandbox/framework/faults.js';
import type { RecordedRequest } from '../../src/sandbox/framework/server.js';
import { startImpactSandbox, type ImpactSandbox, type ImpactSandboxOptions } from '../../src/sandbox/impact/index.js';
import { DOCUMENTED_EXCEPTIONS } from './contract-exceptions.js';
import { expectedData } from './expected.js';
import { airbyte, airbyteCatalog, connectionStatus, SOURCE, baseConfig, DAY_MS, dayOffset, errorTraces, lastStates, logs, records, TempDir, type Message } from './harness.js';
import { checkRequests, loadOpenApiFromMarkdown } from './openapi-contract.js';
import { parseJsonLines, spawnCli } from '../helpers/cli.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const contract = loadOpenApiFromMarkdown(path.join(here, 'fixtures', 'partner-jobs-api.seed.md'));

/** Every request any sandbox of this file received, for the contract test at the end. */
const allRequests: RecordedRequest[] = [];
const sandboxes: ImpactSandbox[] = [];
const tmp = new TempDir();

async function sandbox(options: ImpactSandboxOptions = {}): Promise<ImpactSandbox> {
  const s = await startImpactSandbox(options);
  sandboxes.push(s);
  return s;
}

afterEach(async () => {
  for (const s of sandboxes.splice(0)) {
    allRequests.push(...s.requests);
    await s.close();
    // Under impact.com's limits (on by default) jobtap never provoked a 429.
    expect(s.stats().served429).toBe(0);
  }
});

afterAll(() => tmp.remove());

type Job = Record<string, unknown> & { Id: string; Type: string; Status: string; CreatedDate: string };

function jobsBetween(s: ImpactSandbox, startDay: string): Job[] {
  return (s.jobs() as Job[]).filter((j) => Date.parse(j.CreatedDate) >= Date.parse(`${startDay}T00:00:00Z`));
}

function requestsTo(s: ImpactSandbox, suffix: string, method = 'GET'): RecordedRequest[] {
  return s.requests.filter((r) => r.method === method && r.path.endsWith(suffix));
}

describe('source-impact spec, check and discover', () => {
  it('prints a spec with the secret marked and the common settings merged in', async () => {
    const result = await airbyte(['spec'], tmp);
    expect(result.code).toBe(0);
    const spec = result.messages.find((m) => m.type === 'SPEC')!.spec as { connectionSpecification: { properties: Record<string, Record<string, unknown>>; required: string[] } };
    const props = spec.connectionSpecification.properties;
    expect(props.auth_token!.airbyte_secret).toBe(true);
    expect(props.base_url!.default).toBe('https://api.impact.com');
    expect(spec.connectionSpecification.required).toEqual(['account_sid', 'auth_token', 'start_date']);
    for (const name of ['job_types', 'replay', 'max_concurrent_downloads', 'poll_interval_seconds', 'job_timeout_minutes', 'report_exports', 'checkpoint_interval_records', 'on_cast_error']) {
      expect(props, name).toHaveProperty(name);
    }
  });

  it('check succeeds with good credentials and lists today’s jobs', async () => {
    const s = await sandbox();
    const result = await airbyte(['check'], tmp, { config: baseConfig(s) });
    const status = connectionStatus(result);
    expect(status.status).toBe('SUCCEEDED');
    const list = requestsTo(s, '/Jobs');
    expect(list).toHaveLength(1);
    expect(list[0]!.query.CreatedAfter).toBe(dayOffset(0));
  });

  it('check validates the configured report ids with one report listing, without exporting anything', async () => {
    const s = await sandbox();
    const report = (id: string) => ({ report_exports: [{ name: 'actions_report', report_id: id }] });
    const ok = connectionStatus(await airbyte(['check'], tmp, { config: baseConfig(s, report('mp_action_listing_fast')) }));
    expect(ok.status).toBe('SUCCEEDED');
    expect(requestsTo(s, '/Reports')).toHaveLength(1);
    expect(requestsTo(s, '/ReportExport/mp_action_listing_fast')).toHaveLength(0);
    const unknown = connectionStatus(await airbyte(['check'], tmp, { config: baseConfig(s, report('mp_no_such_report')) }));
    expect(unknown).toEqual({ status: 'FAILED', message: expect.stringMatching(/report_exports "actions_report": impact\.com has no report "mp_no_such_report"/) as unknown });
    const uiOnly = connectionStatus(await airbyte(['check'], tmp, { config: baseConfig(s, report('mp_ui_only_summary')) }));
    expect(uiOnly.message).toMatch(/"mp_ui_only_summary" \(Summary \(app only\)\) cannot be exported through the API/);
  });

  it('check warns when the reports’ first sync needs more ReportExport calls than a day allows, and how to finish sooner', async () => {
    const s = await sandbox();
    const reports = (window?: string) => ({
      start_date: dayOffset(-365),
      report_exports: ['mp_action_listing_fast', 'mp_performance_by_day'].map((id, i) => ({ name: `report_${i}`, report_id: id, ...(window ? { window } : {}) })),
    });
    const weekly = await airbyte(['check'], tmp, { config: baseConfig(s, reports()) });
    expect(connectionStatus(weekly).status).toBe('SUCCEEDED');
    const warning = logs(weekly, 'WARN').find((l) => l.includes('ReportExport calls'));
    expect(warning).toMatch(/^check: a first sync of report_exports needs 10[4-6] ReportExport calls \(report_0: 5[23] weeks, report_1: 5[23] weeks\), more than the 100 a day allows: it takes about 2 daily syncs/);
    expect(warning).toMatch(/A larger window \(e\.g\. "month"\)/);
    const monthly = await airbyte(['check'], tmp, { config: baseConfig(s, reports('month')) });
    expect(logs(monthly, 'WARN').filter((l) => l.includes('ReportExport calls'))).toEqual([]);
  });

  it('check explains a 401 without echoing the token', async () => {
    const s = await sandbox();
    const result = await airbyte(['check'], tmp, { config: baseConfig(s, { auth_token: 'wrong-token-12345' }) });
    const status = connectionStatus(result);
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/HTTP 401/);
    expect(status.message).toMatch(/account_sid and auth_token/);
    expect(result.stdout).not.toContain('wrong-token-12345');
  });

  it('check explains a 403 (credentials accepted, no access to jobs)', async () => {
    const s = await sandbox({ deniedTokens: ['no-jobs-access-token'] });
    const result = await airbyte(['check'], tmp, { config: baseConfig(s, { auth_token: 'no-jobs-access-token' }) });
    const status = connectionStatus(result);
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/HTTP 403/);
    expect(status.message).toMatch(/refused access \(HTTP 403 from GET [^)]*\) for account /);
    expect(result.stdout).not.toContain('no-jobs-access-token');
  });

  it('read explains a 401 and a 403 as check does (config_error, no token echoed)', async () => {
    const s = await sandbox({ deniedTokens: ['no-jobs-access-token'] });
    for (const [token, status, advice] of [
      ['wrong-token-12345', 401, /account_sid and auth_token: use the Account SID and Auth Token shown under Settings → API/],
      ['no-jobs-access-token', 403, /accepted the credentials but refused access .* for account .*check account_sid and the token's permissions/],
    ] as const) {
      const result = await airbyte(['read'], tmp, { config: baseConfig(s, { auth_token: token }), catalog: airbyteCatalog(['jobs']) });
      expect(result.code).toBe(1);
      const errors = errorTraces(result).map((t) => (t.trace as Message).error as Message);
      expect(errors[0]!.failure_type).toBe('config_error');
      expect(String(errors[0]!.message)).toMatch(new RegExp(`HTTP ${status} from GET`));
      expect(String(errors[0]!.message)).toMatch(advice);
      expect(result.stdout + result.stderr).not.toContain(token);
    }
  });

  it('discovers jobs, job_results and one stream per configured report', async () => {
    const s = await sandbox();
    const config = baseConfig(s, { report_exports: [{ name: 'actions_report', report_id: 'mp_action_listing_fast' }] });
    const result = await airbyte(['discover'], tmp, { config });
    const catalog = result.messages.find((m) => m.type === 'CATALOG')!.catalog as { streams: Record<string, unknown>[] };
    const byName = new Map(catalog.streams.map((st) => [st.name as string, st]));
    expect([...byName.keys()]).toEqual(['jobs', 'job_results', 'actions_report']);
    expect(byName.get('jobs')!.default_cursor_field).toEqual(['CreatedDate']);
    expect(byName.get('jobs')!.source_defined_primary_key).toEqual([['Id']]);
    expect(byName.get('job_results')!.source_defined_primary_key).toEqual([['job_id'], ['row_number']]);
    const jobSchema = byName.get('jobs')!.json_schema as { properties: Record<string, { type: unknown; format?: string }> };
    expect(jobSchema.properties.CreatedDate!.format).toBe('date-time');
    expect(jobSchema.properties.RecordsProcessed!.type).toEqual(['null', 'integer']);
    expect(jobSchema.properties.Replayable!.type).toEqual(['null', 'boolean']);
    // discover makes no API calls: it must work before any job exists.
    expect(s.requests).toHaveLength(0);
  });
});

describe('source-impact jobs stream', () => {
  it('follows every page of the job list (@nextpageuri), so no job past the first page of a window is lost', async () => {
    // Two jobs per page: most weekly windows take several pages.
    const s = await sandbox({ maxPageSize: 2 });
    const result = await airbyte(['read'], tmp, { config: baseConfig(s, { start_date: dayOffset(-40) }), catalog: airbyteCatalog(['jobs']) });
    expect(result.code, result.stderr).toBe(0);
    expect(records(result, 'jobs').map((j) => j.Id)).toEqual(jobsBetween(s, dayOffset(-40)).map((j) => j.Id));
    const lists = requestsTo(s, '/Jobs');
    expect(lists.some((r) => r.query.Page === '3')).toBe(true);
    // Every API call asks for JSON (the API answers XML otherwise).
    expect(s.requests.every((r) => String(r.headers.accept).includes('application/json'))).toBe(true);
  });

  it('reads jobs incrementally: the second sync finds only the new jobs, a third one the job that finished', async () => {
    const s = await sandbox();
    const config = baseConfig(s, { start_date: dayOffset(-40) });
    const catalog = airbyteCatalog(['jobs']);
    const first = await airbyte(['read'], tmp, { config, catalog });
    expect(first.code).toBe(0);
    const firstJobs = records(first, 'jobs');
    const expected = jobsBetween(s, dayOffset(-40));
    expect(firstJobs.map((j) => j.Id)).toEqual(expected.map((j) => j.Id));
    // Typed by the Job schema: integers, booleans and date-times as the document declares them.
    const done = firstJobs.find((j) => j.Status === 'COMPLETED')!;
    expect(typeof done.RecordsProcessed).toBe('number');
    expect(typeof done.Replayable).toBe('boolean');
    expect(done.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect(done.FailedDate).toBeNull();
    const running = firstJobs.filter((j) => j.Status === 'RUNNING');
    expect(running).toHaveLength(1);
    // The CreatedAfter/CreatedBefore windows are plain dates.
    for (const r of requestsTo(s, '/Jobs')) {
      expect(r.query.CreatedAfter).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.query.CreatedBefore).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }

    s.advanceClock(DAY_MS);
    const second = await airbyte(['read'], tmp, { config, catalog, state: lastStates(first) });
    const newJobs = records(second, 'jobs');
    const now = jobsBetween(s, dayOffset(-40));
    const before = new Set(expected.map((j) => j.Id));
    expect(newJobs.map((j) => j.Id)).toEqual(now.filter((j) => !before.has(j.Id)).map((j) => j.Id));
    expect(newJobs).toHaveLength(3);

    // The job that was RUNNING finishes (someone polls it); the next sync emits it once more, alone.
    const auth = `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`;
    for (let i = 0; i < 3; i++) await fetch(`${s.url}/Mediapartners/${s.accountSid}/Jobs/${running[0]!.Id as string}`, { headers: { authorization: auth } });
    const third = await airbyte(['read'], tmp, { config, catalog, state: lastStates(second) });
    const changed = records(third, 'jobs');
    expect(changed.map((j) => [j.Id, j.Status])).toEqual([[running[0]!.Id, 'COMPLETED']]);
    const fourth = await airbyte(['read'], tmp, { config, catalog, state: lastStates(third) });
    expect(records(fourth, 'jobs')).toEqual([]);
  });
});

describe('source-impact job_results', () => {
  it('downloads completed results with Mode=Stream (200), polls through a 202, and never reads a job twice', async () => {
    const s = await sandbox();
    const config = baseConfig(s, { start_date: dayOffset(-15) });
    const catalog = airbyteCatalog(['job_results']);
    const first = await airbyte(['read'], tmp, { config, catalog });
    expect(first.code).toBe(0);
    expect(errorTraces(first)).toEqual([]);
    const rows = records(first, 'job_results');
    const jobs = jobsBetween(s, dayOffset(-15));
    const readable = jobs.filter((j) => j.Status === 'COMPLETED');
    // Every completed job's rows, in creation order, each with its job and row number.
    const perJob = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) perJob.set(r.job_id as string, [...(perJob.get(r.job_id as string) ?? []), r]);
    expect([...perJob.keys()]).toEqual(readable.map((j) => j.Id));
    for (const job of readable) {
      const got = perJob.get(job.Id)!;
      expect(got.map((r) => r.row_number)).toEqual(got.map((_, i) => i + 1));
      expect(got.length).toBe(job.RecordsProcessed);
      expect(got[0]!.job_type).toBe(job.Type);
      expect(got[0]!.job_created_date).toBe(job.CreatedDate);
      expect(got.map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(job.Id)!));
    }
    // The job that was RUNNING at listing time: polled to COMPLETED, then one 202 before its file.
    const late = (jobs as Job[]).find((j) => (s.requests.filter((r) => r.path.endsWith(`/Jobs/${j.Id}/Download`)).length) === 2)!;
    expect(late).toBeDefined();
    expect(perJob.get(late.Id)!.length).toBeGreaterThan(0);
    const downloads = requestsTo(s, '/Download');
    expect(downloads.length).toBe(readable.length + 1);
    expect(downloads.every((r) => r.query.Mode === 'Stream')).toBe(true);
    expect(s.fileHostRequests).toHaveLength(0);
    // FAILED and CANCELLED jobs have no result: skipped with a warning (replay is off).
    const skipped = logs(first, 'WARN').filter((l) => l.includes('skipping job'));
    expect(skipped).toHaveLength(jobs.filter((j) => j.Status === 'FAILED' || j.Status === 'CANCELLED').length);
    expect(skipped.every((l) => l.includes('replay is off'))).toBe(true);
    expect(requestsTo(s, '/Replay', 'PUT')).toHaveLength(0);

    const downloadsBefore = requestsTo(s, '/Download').length;
    const second = await airbyte(['read'], tmp, { config, catalog, state: lastStates(first) });
    expect(records(second, 'job_results')).toEqual([]);
    expect(requestsTo(s, '/Download').length).toBe(downloadsBefore);

    s.advanceClock(DAY_MS);
    const third = await airbyte(['read'], tmp, { config, catalog, state: lastStates(second) });
    const fresh = new Set(records(third, 'job_results').map((r) => r.job_id));
    const known = new Set(jobs.map((j) => j.Id));
    expect([...fresh].every((id) => !known.has(id as string))).toBe(true);
    expect(fresh.size).toBe(3);
  });

  it('a 410 on a download (a result impact.com should still keep) is skipped naming the 410, not a retention it did not pass', async () => {
    const gone = createFaultInjector([{ id: 'gone', method: 'GET', path: /\/Download$/, times: 1, action: { kind: 'status', status: 410, body: '{"Message":"Gone"}', headers: { 'content-type': 'application/json' } } }]);
    const s = await sandbox({ interceptors: [gone.interceptor] });
    const result = await airbyte(['read'], tmp, { config: baseConfig(s, { start_date: dayOffset(-5) }), catalog: airbyteCatalog(['job_results']) });
    expect(result.code).toBe(0);
    expect(gone.hits('gone')).toBe(1);
    const goneJob = requestsTo(s, '/Download')[0]!.path.split('/')[4]!;
    const skipped = logs(result, 'WARN').filter((l) => l.includes(`skipping job ${goneJob}`));
    expect(skipped).toEqual([`job_results: skipping job ${goneJob}: impact.com answered its download with 410 Gone (the result is no longer available) and replay is off`]);
    expect(logs(result).some((l) => l.includes(goneJob) && /90 days/.test(l))).toBe(false);
    expect(records(result, 'job_results').some((r) => r.job_id === goneJob)).toBe(false);
  });

  it('follows the 302 to the signed file host without sending the Authorization header', async () => {
    const s = await sandbox();
    const result = await airbyte(['read'], tmp, {
      config: baseConfig(s, { start_date: dayOffset(-8), stream_downloads: false, job_types: ['DownloadReport', 'ClickExport'] }),
      catalog: airbyteCatalog(['job_results']),
    });
    expect(result.code).toBe(0);
    const rows = records(result, 'job_results');
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.job_type))).toEqual(new Set(['DownloadReport', 'ClickExport']));
    const fileRequests = s.fileHostRequests.filter((r) => r.path.startsWith('/signed/'));
    expect(fileRequests.length).toBe(new Set(rows.map((r) => r.job_id)).size);
    for (const r of s.fileHostRequests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
    }
    expect(requestsTo(s, '/Download').every((r) => r.query.Mode === undefined)).toBe(true);
    for (const id of new Set(rows.map((r) => r.job_id as string))) {
      expect(rows.filter((r) => r.job_id === id).map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(id)!));
    }
    // Signed URLs carry their signature in the query; it must not reach the logs.
    expect(logs(result).join('\n')).not.toMatch(/Signature=[0-9a-f]{8}/);
  });

  it('asks for a fresh signed URL when the file host refuses an expired one, then ends transient (never config_error)', async () => {
    const s = await sandbox();
    const config = baseConfig(s, { start_date: dayOffset(-8), stream_downloads: false, job_types: ['DownloadReport'] });
    s.expireNextSignedUrls(2);
    const result = await airbyte(['read'], tmp, { config, catalog: airbyteCatalog(['job_results']) });
    expect(result.code).toBe(0);
    expect(errorTraces(result)).toEqual([]);
    const rows = records(result, 'job_results');
    expect(rows.length).toBeGreaterThan(0);
    for (const id of new Set(rows.map((r) => r.job_id as string))) {
      expect(rows.filter((r) => r.job_id === id).map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(id)!));
    }
    expect(logs(result).filter((l) => l.includes('asking impact.com for a fresh one'))).toHaveLength(2);
    expect(s.fileHostRequests.filter((r) => r.path.startsWith('/signed/')).length).toBe(new Set(rows.map((r) => r.job_id)).size + 2);

    // A file host that never accepts its URLs: a bounded number of fresh URLs, then a transient failure.
    const s2 = await sandbox();
    s2.expireNextSignedUrls(1000);
    const failed = await airbyte(['read'], tmp, {
      config: baseConfig(s2, { start_date: dayOffset(-8), stream_downloads: false, job_types: ['DownloadReport'] }),
      catalog: airbyteCatalog(['job_results']),
    });
    expect(failed.code).not.toBe(0);
    const traces = errorTraces(failed).map((m) => (m.trace as { error: { failure_type: string; message: string } }).error);
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.map((t) => t.failure_type)).not.toContain('config_error');
    expect(traces.map((t) => t.failure_type)).toContain('transient_error');
    expect(traces.map((t) => t.message).join('\n')).toMatch(/signed download URL .* refused \(HTTP 403 from the file host\) 4 times/);
    expect(logs(failed).join('\n')).not.toMatch(/Signature=[0-9a-f]{8}/);
  });

  it('replays a failed job and downloads its new result; a 403 on replay is logged and the job skipped', async () => {
    const s = await sandbox();
    const result = await airbyte(['read'], tmp, {
      config: baseConfig(s, { start_date: dayOffset(-10), replay: true }),
      catalog: airbyteCatalog(['job_results']),
    });
    expect(result.code).toBe(0);
    expect(errorTraces(result)).toEqual([]);
    const puts = requestsTo(s, '/Replay', 'PUT');
    expect(puts).toHaveLength(2);
    const jobs = new Map((s.jobs() as Job[]).map((j) => [j.Id, j]));
    const replayedId = puts.map((p) => p.path.split('/')[4]!).find((id) => jobs.get(id)!.Status === 'COMPLETED')!;
    const refusedId = puts.map((p) => p.path.split('/')[4]!).find((id) => id !== replayedId)!;
    expect(jobs.get(refusedId)!.Status).toBe('CANCELLED');
    const rows = records(result, 'job_results');
    const replayedRows = rows.filter((r) => r.job_id === replayedId);
    expect(replayedRows.map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(replayedId)!));
    expect(replayedRows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.job_id === refusedId)).toBe(false);
    expect(logs(result, 'WARN').some((l) => l.includes(refusedId) && l.includes('HTTP 403'))).toBe(true);
    // The replayed job was polled after its PUT, then downloaded.
    const after = s.requests.slice(s.requests.indexOf(puts.find((p) => p.path.includes(replayedId))!));
    expect(after.some((r) => r.path.endsWith(`/Jobs/${replayedId}`))).toBe(true);
    expect(after.some((r) => r.path.endsWith(`/Jobs/${replayedId}/Download`))).toBe(true);
  });

  it('gives the same exactly typed records from CSV, XLSX and JSON exports of one window', async () => {
    const s = await sandbox();
    const result = await airbyte(['read'], tmp, {
      config: baseConfig(s, { start_date: dayOffset(-13), job_types: ['DownloadReport', 'ApiReport'] }),
      catalog: airbyteCatalog(['job_results']),
    });
    expect(result.code).toBe(0);
    const rows = records(result, 'job_results');
    const byJob = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) byJob.set(r.job_id as string, [...(byJob.get(r.job_id as string) ?? []), r.data as Record<string, unknown>]);
    // Group the jobs by the window their result covers; find a window exported in all three formats.
    const byWindow = new Map<string, Map<string, string>>();
    for (const id of byJob.keys()) {
      const spec = s.resultOf(id)!;
      const key = `${spec.kind}|${spec.start}`;
      byWindow.set(key, (byWindow.get(key) ?? new Map()).set(spec.format, id));
    }
    const trio = [...byWindow.values()].find((m) => m.size === 3)!;
    expect(trio).toBeDefined();
    const [csv, xlsx, json] = ['CSV', 'XLSX', 'JSON'].map((f) => byJob.get(trio.get(f)!)!);
    expect(csv).toEqual(expectedData(s.accountSid, s.resultOf(trio.get('CSV')!)!));
    expect(xlsx).toEqual(csv);
    expect(json).toEqual(csv);
    // Spot-check the typing itself.
    const first = csv![0]!;
    expect(typeof first.sale_amount).toBe('number');
    expect(typeof first.campaign_id).toBe('number');
    expect(typeof first.action_id).toBe('string');
    expect(first.event_date).toMatch(/-05:00$/);
  });
});

describe('source-impact report exports', () => {
  it('exports a configured report per complete day window (through yesterday) and re-exports only the last day on the next sync', async () => {
    const s = await sandbox();
    const config = baseConfig(s, {
      report_exports: [{ name: 'actions_report', report_id: 'mp_action_listing_fast', window: 'day', start_date: dayOffset(-3), result_format: 'JSON' }],
    });
    const catalog = airbyteCatalog(['actions_report']);
    const first = await airbyte(['read'], tmp, { config, catalog });
    expect(first.code).toBe(0);
    const rows = records(first, 'actions_report');
    const windows = [...new Set(rows.map((r) => r.window_start as string))];
    // Today is not over: its window is not exported.
    expect(windows).toEqual([dayOffset(-3), dayOffset(-2), dayOffset(-1)]);
    for (const day of windows) {
      const got = rows.filter((r) => r.window_start === day);
      expect(got.map((r) => r.data)).toEqual(expectedData(s.accountSid, { kind: 'actions', start: day, end: day, format: 'JSON', seed: '' }));
    }
    const exports = requestsTo(s, '/ReportExport/mp_action_listing_fast');
    expect(exports.map((r) => r.query.START_DATE)).toEqual(windows);
    expect(exports.every((r) => r.query.ResultFormat === 'JSON' && r.query.END_DATE === r.query.START_DATE)).toBe(true);

    // The default lookback of one day re-exports yesterday's window, under the same keys.
    const second = await airbyte(['read'], tmp, { config, catalog, state: lastStates(first) });
    expect([...new Set(records(second, 'actions_report').map((r) => r.window_start))]).toEqual([dayOffset(-1)]);
  });

  it("with include_partial_window, exports this week so far under the week's own keys, and again (same keys) on the next sync", async () => {
    const s = await sandbox();
    const monday = (() => {
      const d = new Date(`${dayOffset(-1)}T00:00:00Z`);
      return dayOffset(-1 - ((d.getUTCDay() + 6) % 7));
    })();
    const sunday = new Date(Date.parse(`${monday}T00:00:00Z`) + 6 * DAY_MS).toISOString().slice(0, 10);
    const config = baseConfig(s, {
      report_exports: [{ name: 'actions_report', report_id: 'mp_action_listing_fast', window: 'week', start_date: monday, include_partial_window: true, lookback_days: 0 }],
    });
    const catalog = airbyteCatalog(['actions_report']);
    const first = await airbyte(['read'], tmp, { config, catalog });
    expect(first.code).toBe(0);
    const rows = records(first, 'actions_report');
    expect(new Set(rows.map((r) => `${String(r.window_start)}..${String(r.window_end)}@${String(r.as_of)}`))).toEqual(new Set([`${monday}..${sunday}@${dayOffset(-1)}`]));
    const exported = requestsTo(s, '/ReportExport/mp_action_listing_fast').at(-1)!;
    expect([exported.query.START_DATE, exported.query.END_DATE]).toEqual([monday, dayOffset(-1)]);
    // The cursor stays before the week in progress: the next sync reads it again, under the same keys.
    const second = await airbyte(['read'], tmp, { config, catalog, state: lastStates(first) });
    const again = records(second, 'actions_report');
    expect(new Set(again.map((r) => `${String(r.window_start)}..${String(r.window_end)}`))).toEqual(new Set([`${monday}..${sunday}`]));
    expect(again.map((r) => r.row_number)).toEqual(rows.map((r) => r.row_number));
  });

  it('fails with a config error naming the report when impact.com does not know it', async () => {
    const s = await sandbox();
    const result = await airbyte(['read'], tmp, {
      config: baseConfig(s, { report_exports: [{ name: 'nope', report_id: 'mp_no_such_report', start_date: dayOffset(-1), window: 'day' }] }),
      catalog: airbyteCatalog(['nope']),
    });
    const traces = errorTraces(result);
    // The stream's error, then the sync's naming the stream.
    expect(traces).toHaveLength(2);
    const error = (traces[0]!.trace as { error: { failure_type: string; message: string; stream_descriptor: { name: string } } }).error;
    expect(error.failure_type).toBe('config_error');
    expect(error.message).toMatch(/mp_no_such_report/);
    expect(error.stream_descriptor.name).toBe('nope');
    const final = (traces[1]!.trace as { error: { failure_type: string; message: string } }).error;
    expect(final).toMatchObject({ failure_type: 'config_error' });
    expect(final.message).toMatch(/^During the sync, the following streams did not sync successfully: nope: .*mp_no_such_report/);
  });
});

const PROXY_PAGE = '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>';

describe('source-impact against a hostile server', () => {
  it('retries 429/503, re-downloads truncated and reset files, and still emits every row exactly once', async () => {
    const faults = createFaultInjector([
      { id: 'list-429', method: 'GET', path: /\/Jobs$/, times: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 0 } },
      { id: 'status-503', method: 'GET', path: /\/Jobs\/[^/]+$/, every: 4, action: { kind: 'status', status: 503 } },
      { id: 'download-truncate', method: 'GET', path: /\/Download$/, skip: 1, times: 1, action: { kind: 'truncate', fraction: 0.6 } },
      { id: 'download-reset', method: 'GET', path: /\/Download$/, skip: 4, times: 1, action: { kind: 'reset_mid_body', fraction: 0.5 } },
      // A proxy's HTML page with a 200 in impact.com's place: asked again, never a system_error.
      { id: 'list-html', method: 'GET', path: /\/Jobs$/, skip: 1, times: 1, action: { kind: 'status', status: 200, body: PROXY_PAGE, headers: { 'content-type': 'text/html' } } },
      { id: 'status-html', method: 'GET', path: /\/Jobs\/[^/]+$/, skip: 1, times: 1, action: { kind: 'status', status: 200, body: PROXY_PAGE, headers: { 'content-type': 'text/html' } } },
    ]);
    const s = await sandbox({ interceptors: [faults.interceptor] });
    const result = await airbyte(['read'], tmp, {
      config: baseConfig(s, { start_date: dayOffset(-8), job_types: ['DownloadReport', 'ApiReport', 'ClickExport'] }),
      catalog: airbyteCatalog(['job_results']),
    });
    expect(errorTraces(result)).toEqual([]);
    expect(result.code).toBe(0);
    for (const id of ['list-429', 'status-503', 'download-truncate', 'download-reset', 'list-html', 'status-html']) expect(faults.hits(id), id).toBeGreaterThan(0);
    expect(logs(result, 'WARN').filter((l) => l.includes('HTTP 200 (text/html) is not JSON: <html>'))).toHaveLength(2);
    const rows = records(result, 'job_results');
    const ids = [...new Set(rows.map((r) => r.job_id as string))];
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) {
      const got = rows.filter((r) => r.job_id === id);
      expect(got.map((r) => r.row_number)).toEqual(got.map((_, i) => i + 1));
      expect(got.map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(id)!));
    }
    expect(logs(result, 'WARN').some((l) => /retry/i.test(l))).toBe(true);
  });
});

describe('source-impact interrupted and resumed', () => {
  it('resumes job_results from the last STATE after SIGTERM: no job read twice, no row lost', async () => {
    const slow = createFaultInjector([{ id: 'slow', method: 'GET', path: /\/Download$/, every: 1, action: { kind: 'slow_body', chunkBytes: 256, delayMs: 15 } }]);
    const s = await sandbox({ interceptors: [slow.interceptor] });
    const config = baseConfig(s, { start_date: dayOffset(-12), job_types: ['DownloadReport', 'ApiReport', 'ClickExport'], max_concurrent_downloads: 2 });
    const catalog = airbyteCatalog(['job_results']);
    const args = ['read', '--config', tmp.file('config.json', config), '--catalog', tmp.file('catalog.json', catalog)];
    const child = spawnCli(SOURCE, args);
    let out = '';
    let seen = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        seen = (out.match(/"type":"RECORD"/g) ?? []).length;
        if (seen >= 12 && !child.killed) child.kill('SIGTERM');
      });
      child.on('close', () => resolve());
    });
    const firstMessages = parseJsonLines(out.slice(0, out.lastIndexOf('\n') + 1));
    assertValidAirbyteMessages(firstMessages);
    // Rows covered by the last STATE of the interrupted run; later ones are re-read (at least once).
    const lastStateIndex = firstMessages.map((m) => m.type).lastIndexOf('STATE');
    const covered = firstMessages.slice(0, lastStateIndex).filter((m) => m.type === 'RECORD').map((m) => (m.record as { data: Record<string, unknown> }).data);
    const state = firstMessages[lastStateIndex]!.state as { stream: unknown };
    expect(covered.length).toBeGreaterThan(0);

    const resumed = await airbyte(['read'], tmp, { config, catalog, state: [{ type: 'STREAM', stream: state.stream }] });
    expect(resumed.code).toBe(0);
    const rest = records(resumed, 'job_results');
    const key = (r: Record<string, unknown>): string => `${r.job_id as string}#${r.row_number as number}`;
    const coveredKeys = new Set(covered.map(key));
    expect(rest.filter((r) => coveredKeys.has(key(r)))).toEqual([]);
    const all = [...covered, ...rest];
    const expectedJobs = jobsBetween(s, dayOffset(-12)).filter((j) => j.Status === 'COMPLETED' && ['DownloadReport', 'ApiReport', 'ClickExport'].includes(j.Type));
    expect([...new Set(all.map((r) => r.job_id))]).toEqual(expectedJobs.map((j) => j.Id));
    for (const job of expectedJobs) {
      expect(all.filter((r) => r.job_id === job.Id).map((r) => r.data)).toEqual(expectedData(s.accountSid, s.resultOf(job.Id)!));
    }
  });
});

describe('impact contract', () => {
  beforeAll(() => undefined);
  it('every request the connector made follows the seed OpenAPI document (ReportExport as documented exception)', () => {
    expect(allRequests.length).toBeGreaterThan(50);
    const report = checkRequests(contract, allRequests, DOCUMENTED_EXCEPTIONS);
    expect(report.violations).toEqual([]);
    expect(Object.keys(report.operationsSeen).sort()).toEqual(['downloadJobResults', 'listJobs', 'replayJob', 'retrieveJobStatus']);
    expect(report.exceptionsUsed['/Mediapartners/{AccountSID}/ReportExport/{Id}']).toBeGreaterThan(0);
  });
});
