import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RecordedRequest } from '../../src/sandbox/framework/server.js';
import { startImpactSandbox, type ImpactSandbox } from '../../src/sandbox/impact/index.js';
import { checkRequests, loadOpenApiFromMarkdown } from './openapi-contract.js';
import { DOCUMENTED_EXCEPTIONS } from './contract-exceptions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SEED_COPY = path.join(here, 'fixtures', 'partner-jobs-api.seed.md');
const SHARED_SEED = path.resolve(here, '../../../shared/seeds/000_282cf23bea9d7386.txt');

const doc = loadOpenApiFromMarkdown(SEED_COPY);
const AUTH = `Basic ${Buffer.from('IRacct:token').toString('base64')}`;

function req(method: string, p: string, query: Record<string, string> = {}, auth: string | null = AUTH): RecordedRequest {
  return { method, path: p, query, headers: auth === null ? {} : { authorization: auth }, body: '', at: 0 };
}

describe('OpenAPI contract from the seed', () => {
  it('is the vendor seed, unchanged', () => {
    if (existsSync(SHARED_SEED)) expect(readFileSync(SEED_COPY, 'utf8')).toBe(readFileSync(SHARED_SEED, 'utf8'));
  });

  it('merges the four Jobs operations and the Job schema from every JSON block', () => {
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/Mediapartners/{AccountSID}/Jobs',
      '/Mediapartners/{AccountSID}/Jobs/{JobId}',
      '/Mediapartners/{AccountSID}/Jobs/{JobId}/Download',
      '/Mediapartners/{AccountSID}/Jobs/{JobId}/Replay',
    ]);
    expect(doc.paths['/Mediapartners/{AccountSID}/Jobs/{JobId}/Replay']!.put!.operationId).toBe('replayJob');
    expect(Object.keys(doc.components.schemas)).toContain('Job');
  });

  it('accepts requests that follow the document', () => {
    const report = checkRequests(doc, [
      req('GET', '/Mediapartners/IRacct/Jobs', { CreatedAfter: '2026-01-01', CreatedBefore: '2026-01-08' }),
      req('GET', '/Mediapartners/IRacct/Jobs/abc'),
      req('GET', '/Mediapartners/IRacct/Jobs/abc/Download', { Mode: 'Stream' }),
      req('GET', '/Mediapartners/IRacct/Jobs/abc/Download'),
      req('PUT', '/Mediapartners/IRacct/Jobs/abc/Replay'),
    ]);
    expect(report.violations).toEqual([]);
    expect(report.operationsSeen).toEqual({ listJobs: 1, retrieveJobStatus: 1, downloadJobResults: 2, replayJob: 1 });
  });

  it('flags undeclared paths, methods and parameters, mistyped values and missing auth', () => {
    const report = checkRequests(doc, [
      req('GET', '/Mediapartners/IRacct/Jobs', { CreatedAfter: '2026-1-1' }),
      req('GET', '/Mediapartners/IRacct/Jobs', { CreatedAfter: '2026-02-30' }),
      req('GET', '/Mediapartners/IRacct/Jobs', { Page: '2' }),
      req('GET', '/Mediapartners/IRacct/Jobs/abc/Download', { Mode: 'Redirect' }),
      req('DELETE', '/Mediapartners/IRacct/Jobs/abc'),
      req('GET', '/Mediapartners/IRacct/ReportExport/mp_action_listing_fast', { START_DATE: '2026-01-01', END_DATE: '2026-01-02' }),
      req('GET', '/Mediapartners/IRacct/Jobs', {}, null),
    ]);
    expect(report.violations.map((v) => v.problem)).toEqual([
      'query CreatedAfter="2026-1-1" is not a date (YYYY-MM-DD)',
      'query CreatedAfter="2026-02-30" is not a date (YYYY-MM-DD)',
      'query parameter Page is not declared',
      'query Mode="Redirect" is not one of ["Stream"]',
      'method DELETE is not declared for /Mediapartners/{AccountSID}/Jobs/{JobId}',
      'path is not declared in the OpenAPI document',
      'no basic Authorization header',
    ]);
  });

  it('accepts the report export only as a documented exception, with its own parameters checked', () => {
    const ok = checkRequests(
      doc,
      [req('GET', '/Mediapartners/IRacct/ReportExport/mp_action_listing_fast', { START_DATE: '2026-01-01', END_DATE: '2026-01-02', ResultFormat: 'CSV' })],
      DOCUMENTED_EXCEPTIONS,
    );
    expect(ok.violations).toEqual([]);
    expect(ok.exceptionsUsed).toEqual({ '/Mediapartners/{AccountSID}/ReportExport/{Id}': 1 });
    const bad = checkRequests(doc, [req('GET', '/Mediapartners/IRacct/ReportExport/x', { START_DATE: '2026-01-01', ResultFormat: 'XLS' })], DOCUMENTED_EXCEPTIONS);
    expect(bad.violations.map((v) => v.problem)).toEqual([
      'query ResultFormat="XLS" is not one of ["CSV","JSON","XML"]',
      'required query parameter END_DATE is missing',
    ]);
  });
});

describe('impact sandbox responses', () => {
  let sandbox: ImpactSandbox;
  beforeAll(async () => {
    sandbox = await startImpactSandbox({ anchor: new Date('2026-06-15T12:00:00Z'), maxPageSize: 1000 });
  });
  afterAll(async () => {
    await sandbox.close();
    // Under impact.com's limits (on by default) jobtap provoked no 429.
    expect(sandbox.stats().served429).toBe(0);
  });

  it('serves jobs that validate against the seed Job schema (date-times, integers, booleans, enums)', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(doc.components.schemas.Job as object);
    const auth = `Basic ${Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64')}`;
    const res = await fetch(`${sandbox.url}/Mediapartners/${sandbox.accountSid}/Jobs?CreatedAfter=2026-01-01&CreatedBefore=2026-07-01&PageSize=1000`, {
      headers: { authorization: auth, accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Jobs: unknown[] };
    expect(body.Jobs.length).toBeGreaterThan(50);
    for (const job of body.Jobs) expect(validate(job), JSON.stringify(validate.errors)).toBe(true);
    const types = new Set(body.Jobs.map((j) => (j as { Type: string }).Type));
    expect([...types].sort()).toEqual(['ApiReport', 'ClickExport', 'DownloadReport', 'TermModification', 'UploadAds']);
    const statuses = new Set(body.Jobs.map((j) => (j as { Status: string }).Status));
    expect([...statuses].sort()).toEqual(['CANCELLED', 'COMPLETED', 'FAILED', 'RUNNING']);
  });

  it('answers 401 without credentials and 403 for another account', async () => {
    expect((await fetch(`${sandbox.url}/Mediapartners/${sandbox.accountSid}/Jobs`)).status).toBe(401);
    const auth = `Basic ${Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64')}`;
    expect((await fetch(`${sandbox.url}/Mediapartners/IRother/Jobs`, { headers: { authorization: auth } })).status).toBe(403);
  });
});
