import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { startAddeparSandbox, type AddeparSandbox } from '../../sandbox/addepar/index.js';
import { AddeparApi, createAddeparHttpClient, nextLinkUrl } from './api.js';
import { resolveConfig, type AddeparConfig } from './config.js';

let sb: AddeparSandbox;
beforeAll(async () => {
  sb = await startAddeparSandbox({ defaultPageLimit: 2 });
});
afterAll(() => sb.close());

function apiFor(overrides: Partial<AddeparConfig> = {}): AddeparApi {
  const resolved = resolveConfig({ base_url: sb.url, firm_id: '1', api_key: 'sandbox-key', api_secret: 'sandbox-secret', start_date: '2024-01-01', end_date: '2024-01-31', ...overrides });
  return new AddeparApi(createAddeparHttpClient(resolved, silentLogger), resolved, silentLogger);
}

const signal = new AbortController().signal;
const viewParams = (portfolioId: string) => ({
  job_type: 'portfolio_view_results' as const,
  parameters: { view_id: 12, portfolio_type: 'ENTITY', portfolio_id: portfolioId, output_type: 'CSV', start_date: '2024-01-01', end_date: '2024-01-31' },
});

describe('AddeparApi', () => {
  it('launches with a JSON:API body and the vendor media type, then polls to completion', async () => {
    const api = apiFor();
    const { jobId } = await api.launch(viewParams('101'), signal);
    const post = sb.requests.find((q) => q.method === 'POST')!;
    expect(post.headers['content-type']).toBe('application/vnd.api+json');
    expect(JSON.parse(post.body)).toEqual({ data: { type: 'jobs', attributes: viewParams('101') } });
    const states: string[] = [];
    for (let i = 0; i < 6; i++) states.push((await api.status(jobId, signal)).state);
    expect(states).toEqual(['pending', 'running', 'running', 'running', 'running', 'completed']);
    const ready = await api.download(jobId, signal);
    expect(ready.kind).toBe('ready');
    if (ready.kind === 'ready') {
      expect(ready.body.fileName).toBe(`job ${jobId} result portfolio_data.csv`);
      ready.body.stream.destroy();
    }
  });

  it('uses the OAuth bearer token when given', async () => {
    const api = apiFor({ api_key: undefined, api_secret: undefined, oauth_access_token: sb.credentials.bearerToken });
    await api.launch(viewParams('102'), signal);
    expect(sb.requests.at(-1)!.headers.authorization).toBe(`Bearer ${sb.credentials.bearerToken}`);
  });

  it('turns a 400 on launch into a config error carrying the vendor details', async () => {
    const bad = { ...viewParams('101'), parameters: { ...viewParams('101').parameters, output_type: 'PDF' } };
    await expect(apiFor().launch(bad, signal)).rejects.toThrow(ConfigError);
    await expect(apiFor().launch(bad, signal)).rejects.toThrow(/HTTP 400\): Invalid output_type: PDF/);
  });

  it('explains 401 in plain words', async () => {
    await expect(apiFor({ api_secret: 'nope' }).status('x', signal)).rejects.toThrow(/did not accept the credentials/);
  });

  it('a completed job whose download answers 404 twice has no results (the engine asks only after Completed)', async () => {
    const api = apiFor();
    sb.faults.noResultsNextJobs = 1;
    const { jobId } = await api.launch(viewParams('104'), signal);
    for (let i = 0; i < 6; i++) await api.status(jobId, signal);
    expect(await api.download(jobId, signal)).toEqual({ kind: 'empty', why: expect.stringMatching(/404 twice after it completed/) as unknown });
    expect(sb.requests.filter((q) => q.path.endsWith(`${jobId}/download`))).toHaveLength(2);
  });

  it('a job Addepar does not know is reported expired (relaunch), not pending forever', async () => {
    expect((await apiFor().status('no-such-job', signal)).state).toBe('expired');
  });

  it('lists every job across pages following links.next', async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    for await (const page of apiFor().listJobs(2)) {
      pages.push(page.length);
      ids.push(...page.map((j) => j.id));
    }
    expect(ids).toEqual(sb.jobs.map((j) => j.id));
    expect(pages.every((n) => n <= 2)).toBe(true);
    expect(pages.length).toBe(Math.ceil(sb.jobs.length / 2));
  });

  it('cancels with DELETE and tolerates unknown jobs', async () => {
    const api = apiFor();
    const { jobId } = await api.launch(viewParams('103'), signal);
    await api.cancel(jobId);
    expect(sb.job(jobId)!.status).toBe('User Cancelled');
    await expect(api.cancel('unknown')).resolves.toBeUndefined();
  });

  it('reads saved view definitions with attribute display names and output types in two requests; unknown views are undefined', async () => {
    const before = sb.requests.length;
    const views = await apiFor().viewDefinitions([12, 14, 4040]);
    expect(sb.requests.slice(before).map((q) => `${q.method} ${q.path}`)).toEqual(['GET /api/v1/portfolio/views', 'POST /api/v1/attributes/query']);
    const view = views.get(12);
    expect(view?.groupings).toEqual([
      { key: 'asset_class', display_name: 'Asset Class' },
      { key: 'security', display_name: 'Security' },
    ]);
    expect(view?.columns[3]).toEqual({ key: 'time_weighted_return', display_name: 'Time Weighted Return', output_type: 'Percent' });
    expect(views.get(14)?.columns.length).toBeGreaterThan(0);
    expect(views.has(4040)).toBe(true);
    expect(views.get(4040)).toBeUndefined();
  });

  it('an attribute the API does not describe is left out (its key stays its name)', async () => {
    const meta = await apiFor().attributes(['custom_unknown_1', 'value']);
    expect(meta.has('custom_unknown_1')).toBe(false);
    expect(meta.get('value')).toEqual({ displayName: 'Value', outputType: 'Financial' });
  });

  it('polls several in-flight jobs with one page of the job list, and finds a job whose launch answer was lost', async () => {
    const api = apiFor();
    const since = new Date(sb.clock.now() - 1_000).toISOString();
    const a = await api.launch(viewParams('201'), signal);
    const b = await api.launch(viewParams('202'), signal);
    const before = sb.requests.length;
    const seen = await api.statuses([a.jobId, b.jobId], signal);
    expect([...seen.keys()].sort()).toEqual([a.jobId, b.jobId].sort());
    expect(sb.requests.length - before).toBe(Math.ceil(sb.jobs.length / 2000));
    // The launch of portfolio 202 "lost its answer": the list finds it by its parameters (echoed as strings).
    const echoed = { ...viewParams('202'), parameters: { ...viewParams('202').parameters, view_id: '12', portfolio_type: 'entity' } };
    expect(await api.findLaunched(echoed, since, signal)).toMatchObject({ jobId: b.jobId });
    expect(await api.findLaunched(viewParams('299'), since, signal)).toBeUndefined();
    // A job with the same parameters from before the launch mark belongs to an earlier sync.
    expect(await api.findLaunched(viewParams('202'), new Date(sb.clock.now() + 3_600_000).toISOString(), signal)).toBeUndefined();
  });
});

describe('nextLinkUrl', () => {
  it('resolves relative links against the API base, with or without the base path', () => {
    expect(nextLinkUrl('https://f.addepar.com/api', '/v1/jobs?page%5Bafter%5D=9')).toBe('https://f.addepar.com/api/v1/jobs?page%5Bafter%5D=9');
    expect(nextLinkUrl('https://f.addepar.com/api', '/api/v1/jobs?x=1')).toBe('https://f.addepar.com/api/v1/jobs?x=1');
    expect(nextLinkUrl('https://f.addepar.com/api', 'https://other/v1/jobs')).toBe('https://other/v1/jobs');
  });
});

describe('resolveConfig', () => {
  const base: AddeparConfig = { base_url: 'https://f.addepar.com/api/', firm_id: '1', api_key: 'k', api_secret: 's', start_date: '2024-01-01', end_date: '2024-03-31' };
  it('applies defaults', () => {
    const r = resolveConfig(base);
    expect(r).toMatchObject({ baseUrl: 'https://f.addepar.com/api', windowSize: 'month', lookbackDays: 0, maxConcurrentJobs: 2, jobTimeoutMs: 4 * 3_600_000, onCastError: 'fail' });
  });
  it.each([
    [{ api_key: undefined, api_secret: undefined }, /needs credentials/],
    [{ api_secret: undefined }, /go together/],
    [{ start_date: '2024-05-01' }, /after end_date/],
    [{ end_date: '2024-02-30' }, /no such calendar day/],
    [{ view_exports: [{ name: 'jobs', view_id: 1, portfolio_type: 'ENTITY', portfolio_ids: [1] }] }, /reserved/],
    [{ view_exports: [{ name: 'a', view_id: 1, portfolio_type: 'FIRM', portfolio_ids: [2] }] }, /FIRM the portfolio id must be 1/],
    [
      {
        view_exports: [{ name: 'a', view_id: 1, portfolio_type: 'ENTITY', portfolio_ids: [1] }],
        query_exports: [{ name: 'a', columns: [{ key: 'value' }], groupings: [], portfolio_type: 'ENTITY', portfolio_ids: [1] }],
      },
      /named "a"/,
    ],
  ] as [Partial<AddeparConfig>, RegExp][])('rejects %j', (overrides, message) => {
    expect(() => resolveConfig({ ...base, ...overrides })).toThrow(message);
  });
});
