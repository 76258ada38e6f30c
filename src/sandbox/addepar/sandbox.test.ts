// Response bodies are untyped JSON documents; these tests read them as `any` on purpose.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAddeparSandbox, type AddeparSandbox, type AddeparSandboxOptions } from './sandbox.js';
import { formatCell } from './render.js';

let sb: AddeparSandbox;
const open: AddeparSandbox[] = [];

async function start(options: AddeparSandboxOptions = {}): Promise<AddeparSandbox> {
  const s = await startAddeparSandbox(options);
  open.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function headers(s: AddeparSandbox, extra: Record<string, string> = {}): Record<string, string> {
  const { apiKey, apiSecret, firmId } = s.credentials;
  return {
    authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`,
    'addepar-firm': firmId,
    accept: 'application/vnd.api+json',
    'content-type': 'application/vnd.api+json',
    ...extra,
  };
}

function viewJob(parameters: Record<string, unknown> = {}): unknown {
  return {
    data: {
      type: 'jobs',
      attributes: {
        job_type: 'portfolio_view_results',
        parameters: { view_id: 12, portfolio_type: 'ENTITY', portfolio_id: '101', output_type: 'CSV', start_date: '2024-01-01', end_date: '2024-01-31', ...parameters },
      },
    },
  };
}

async function post(s: AddeparSandbox, body: unknown, h = headers(s)): Promise<{ status: number; json: any }> {
  const r = await fetch(`${s.url}/v1/jobs`, { method: 'POST', headers: h, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

async function get(s: AddeparSandbox, path: string, h = headers(s)): Promise<Response> {
  return fetch(`${s.url}${path}`, { headers: h, redirect: 'manual' });
}

async function statusOf(s: AddeparSandbox, id: string): Promise<any> {
  return ((await (await get(s, `/v1/jobs/${id}`)).json()) as any).data.attributes;
}

describe('Addepar sandbox', () => {
  beforeEach(async () => {
    sb = await start();
  });

  it('listens on loopback only', () => {
    expect(new URL(sb.url).hostname).toBe('127.0.0.1');
    expect(new URL(sb.fileHostUrl).hostname).toBe('127.0.0.1');
  });

  it('requires credentials (401) and the right Addepar-Firm header (403)', async () => {
    expect((await get(sb, '/v1/jobs', { 'addepar-firm': '1' })).status).toBe(401);
    expect((await get(sb, '/v1/jobs', headers(sb, { authorization: 'Basic d3Jvbmc6d3Jvbmc=' }))).status).toBe(401);
    expect((await get(sb, '/v1/jobs', headers(sb, { 'addepar-firm': '999' }))).status).toBe(403);
    expect((await get(sb, '/v1/jobs', headers(sb, { authorization: `Bearer ${sb.credentials.bearerToken}` }))).status).toBe(200);
    const forbidden = await start({ forbidden: true });
    const r = await get(forbidden, '/v1/jobs', headers(forbidden));
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toBe('application/vnd.api+json');
  });

  it('validates POST /v1/jobs with 400 and errors[]', async () => {
    const missing = await post(sb, viewJob({ output_type: undefined, start_date: undefined }));
    expect(missing.status).toBe(400);
    expect(missing.json.errors.map((e: any) => e.detail)).toEqual(['Missing parameter: start_date', 'Missing parameter: output_type']);
    expect((await post(sb, viewJob({ portfolio_type: 'PLANET' }))).status).toBe(400);
    expect((await post(sb, viewJob({ start_date: '2024-02-30' }))).status).toBe(400);
    expect((await post(sb, viewJob({ start_date: '2024-03-01', end_date: '2024-02-01' }))).status).toBe(400);
    expect((await post(sb, { nope: true })).status).toBe(400);
    const query = await post(sb, {
      data: { type: 'jobs', attributes: { job_type: 'PORTFOLIO_QUERY', parameters: { columns: [{ key: 'bogus' }], groupings: [], portfolio_type: 'ENTITY', portfolio_id: [101], start_date: '2024-01-01', end_date: '2024-01-31' } } },
    });
    expect(query.status).toBe(400);
    expect(query.json.errors[0].detail).toMatch(/bogus/);
    expect(sb.jobs).toHaveLength(0);
  });

  it('runs a job through the documented statuses, one stage per poll', async () => {
    const created = await post(sb, viewJob());
    expect(created.status).toBe(202);
    expect(created.json.data.attributes.status).toBe('Queued');
    const id = created.json.data.id as string;
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      const a = await statusOf(sb, id);
      seen.push(`${a.status}@${a.percent_complete}`);
    }
    expect(seen).toEqual([
      'In Progress - Waiting For Capacity@0',
      'Picked Up By Job Runner@0',
      'In Progress@0.25',
      'In Progress@0.5',
      'In Progress@0.75',
      'Completed@1',
      'Completed@1',
    ]);
  });

  it('answers 404 before completion, the file after, and 410 once the result expired', async () => {
    const id = (await post(sb, viewJob())).json.data.id as string;
    expect((await get(sb, `/v1/jobs/${id}/download`)).status).toBe(404);
    for (let i = 0; i < 6; i++) await statusOf(sb, id);
    const ok = await get(sb, `/v1/jobs/${id}/download`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="portfolio_data.csv"');
    expect((await ok.text()).split('\r\n')[0]).toBe('Asset Class,Security,Value,Cost Basis,Unrealized Gain/Loss,Time Weighted Return,Weight,Quantity,Price,Sector,Inception Date');
    sb.clock.advance(24 * 3_600_000);
    expect((await get(sb, `/v1/jobs/${id}/download`)).status).toBe(410);
    expect((await statusOf(sb, id)).status).toBe('Timed Out');
  });

  it('ends a job for an unknown portfolio as Error Cancelled with the 400 error object', async () => {
    const id = (await post(sb, viewJob({ portfolio_id: '10' }))).json.data.id as string;
    await statusOf(sb, id);
    const a = await statusOf(sb, id);
    expect(a.status).toBe('Error Cancelled');
    expect(a.errors).toEqual([{ status: '400', title: 'Bad Request', detail: 'Invalid portfolio: ENTITY 10' }]);
  });

  it('redirects downloads to the file host with 303; the file host is a different origin', async () => {
    const s = await start({ redirectDownloads: true });
    const id = (await post(s, viewJob())).json.data.id as string;
    for (let i = 0; i < 6; i++) await statusOf(s, id);
    const r = await get(s, `/v1/jobs/${id}/download`);
    expect(r.status).toBe(303);
    const location = r.headers.get('location')!;
    expect(new URL(location).origin).toBe(s.fileHostUrl);
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(s.fileHostRequests[0]!.headers.authorization).toBeUndefined();
  });

  it('cancels: a running job goes through Cancel Requested to User Cancelled, a queued one at once', async () => {
    const running = (await post(sb, viewJob())).json.data.id as string;
    for (let i = 0; i < 3; i++) await statusOf(sb, running);
    const del = await fetch(`${sb.url}/v1/jobs/${running}`, { method: 'DELETE', headers: headers(sb) });
    expect(del.status).toBe(204);
    expect(sb.job(running)!.status).toBe('Cancel Requested');
    expect((await statusOf(sb, running)).status).toBe('User Cancelled');
    const queued = (await post(sb, viewJob())).json.data.id as string;
    await fetch(`${sb.url}/v1/jobs/${queued}`, { method: 'DELETE', headers: headers(sb) });
    expect(sb.job(queued)!.status).toBe('User Cancelled');
    expect((await fetch(`${sb.url}/v1/jobs/nope`, { method: 'DELETE', headers: headers(sb) })).status).toBe(404);
  });

  it('a cancel by someone in Addepar shows Cancel Requested for a few polls, then settles (User Cancelled, or Completed when too late)', async () => {
    sb.faults.userCancelNextJobs = 1;
    sb.faults.lateUserCancelNextJobs = 1;
    const cancelled = (await post(sb, viewJob())).json.data.id as string;
    const late = (await post(sb, viewJob())).json.data.id as string;
    const seen = (id: string) => Array.from({ length: 10 }, () => 0).reduce<Promise<string[]>>(async (acc) => [...(await acc), (await statusOf(sb, id)).status as string], Promise.resolve([]));
    const a = await seen(cancelled);
    const b = await seen(late);
    expect(a.filter((x) => x === 'Cancel Requested')).toHaveLength(3);
    expect(a.at(-1)).toBe('User Cancelled');
    expect(b.filter((x) => x === 'Cancel Requested')).toHaveLength(3);
    expect(b.at(-1)).toBe('Completed');
    expect((await fetch(`${sb.url}/v1/jobs/${late}/download`, { headers: headers(sb) })).status).toBe(200);
  });

  it('rejects jobs beyond the queue quota', async () => {
    const s = await start({ queueQuota: 1 });
    expect((await post(s, viewJob())).json.data.attributes.status).toBe('Queued');
    expect((await post(s, viewJob())).json.data.attributes.status).toBe('Rejected');
  });

  it('injects stuck and failing jobs', async () => {
    sb.faults.stuckNextJobs = 1;
    sb.faults.failNextJobs = 1;
    const stuck = (await post(sb, viewJob())).json.data.id as string;
    const failing = (await post(sb, viewJob())).json.data.id as string;
    for (let i = 0; i < 20; i++) {
      await statusOf(sb, stuck);
      await statusOf(sb, failing);
    }
    expect(sb.job(stuck)).toMatchObject({ status: 'In Progress', percentComplete: 50 });
    expect(sb.job(failing)!.status).toBe('Failed');
  });

  it('paginates GET /v1/jobs with page[limit] and links.next', async () => {
    for (let i = 0; i < 5; i++) await post(sb, viewJob());
    const ids: string[] = [];
    let next: string | null = '/v1/jobs?page%5Blimit%5D=2';
    let pages = 0;
    while (next) {
      const body = (await (await get(sb, next)).json()) as any;
      ids.push(...body.data.map((d: any) => d.id));
      next = body.links.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(ids).toEqual(sb.jobs.map((j) => j.id));
  });

  it('describes saved views as query bodies, and attributes with display names and output types', async () => {
    const body = (await (await get(sb, '/v1/portfolio/views/14')).json()) as any;
    expect(body.data.attributes.parameters.groupings).toEqual([{ key: 'sector', arguments: {} }]);
    expect(body.data.attributes.parameters.columns.map((c: any) => c.key)).toEqual(['value', 'time_weighted_return', 'weight']);
    expect((await get(sb, '/v1/portfolio/views/999')).status).toBe(404);
    const twr = (await (await get(sb, '/v1/attributes/time_weighted_return')).json()) as any;
    expect(twr.data.attributes).toMatchObject({ display_name: 'Time Weighted Return', output_type: 'Percent' });
    expect((await get(sb, '/v1/attributes/nope')).status).toBe(404);
  });
});

describe('formatCell', () => {
  it('formats values the way Addepar CSV exports show them', () => {
    expect(formatCell(1234.5, 'Financial')).toBe('$1,234.50');
    expect(formatCell(-12, 'Financial')).toBe('-$12.00');
    expect(formatCell(0.1234, 'Percent')).toBe('12.34%');
    expect(formatCell(1200, 'Number')).toBe('1,200');
    expect(formatCell('2019-03-15', 'Date')).toBe('03/15/2019');
    expect(formatCell(null, 'Financial')).toBe('');
  });
});

describe('Addepar sandbox rate limits (published defaults, sandbox clock)', () => {
  it('answers the 51st request in 15 minutes with 429 and X-RateLimit-Retry-After, and counts it', async () => {
    const s = await start();
    expect(s.rateLimits).toEqual({ requestsPerWindow: 50, windowMs: 900_000, requestsPerDay: 1000, dayMs: 86_400_000 });
    for (let i = 0; i < 50; i++) expect((await fetch(`${s.url}/v1/jobs`, { headers: headers(s) })).status).toBe(200);
    const limited = await fetch(`${s.url}/v1/jobs`, { headers: headers(s) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('x-ratelimit-retry-after'))).toBeGreaterThan(890);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(((await limited.json()) as any).errors[0].title).toBe('Too Many Requests');
    expect(s.stats()).toEqual({ served429: 1, requestsTimedOut: 0 });
    // Unauthenticated calls are not counted (and not limited).
    expect((await fetch(`${s.url}/v1/jobs`)).status).toBe(401);
    // Fifteen minutes later the window has room again.
    s.clock.advance(15 * 60_000 + 1_000);
    expect((await fetch(`${s.url}/v1/jobs`, { headers: headers(s) })).status).toBe(200);
  });

  it('keeps a 24-hour window of 1,000 (a raised window shows it) and can be turned off', async () => {
    const s = await start({ rateLimits: { requestsPerWindow: 5_000, requestsPerDay: 3 } });
    for (let i = 0; i < 3; i++) await fetch(`${s.url}/v1/jobs`, { headers: headers(s) });
    const limited = await fetch(`${s.url}/v1/jobs`, { headers: headers(s) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('x-ratelimit-retry-after'))).toBeGreaterThan(86_000);
    const off = await start({ rateLimits: false });
    for (let i = 0; i < 60; i++) expect((await fetch(`${off.url}/v1/jobs`, { headers: headers(off) })).status).toBe(200);
    expect(off.stats().served429).toBe(0);
  });

  it('runs its clock faster when asked: a 15-minute window passes in 0.9 s at ×1000', async () => {
    const s = await start({ clockSpeed: 1000, rateLimits: { requestsPerWindow: 1 } });
    expect((await fetch(`${s.url}/v1/jobs`, { headers: headers(s) })).status).toBe(200);
    expect((await fetch(`${s.url}/v1/jobs`, { headers: headers(s) })).status).toBe(429);
    await new Promise((r) => setTimeout(r, 950));
    expect((await fetch(`${s.url}/v1/jobs`, { headers: headers(s) })).status).toBe(200);
  });

  it('cancels a request still running after 60 s (sandbox clock) with 400, or cuts a body still flowing', async () => {
    const s = await start({
      clockSpeed: 600,
      maxRequestMs: 60_000,
      interceptors: [
        async (req) => {
          // A slow server for one request: 0.3 s real is 180 s of sandbox time.
          if (req.path.endsWith('/portfolio/views')) await new Promise((r) => setTimeout(r, 300));
          return false;
        },
      ],
    });
    const slow = await fetch(`${s.url}/v1/portfolio/views`, { headers: headers(s) });
    expect(slow.status).toBe(400);
    expect(((await slow.json()) as any).errors[0].detail).toMatch(/ran longer than 60 seconds/);
    expect((await fetch(`${s.url}/v1/jobs`, { headers: headers(s) })).status).toBe(200);
    expect(s.stats().requestsTimedOut).toBe(1);
  });
});
