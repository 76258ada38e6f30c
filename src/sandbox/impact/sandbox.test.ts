import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionsForDay } from './dataset.js';
import { renderCsv } from './files.js';
import { startImpactSandbox, type ImpactSandbox } from './server.js';

const ANCHOR = new Date('2026-06-15T12:00:00Z');
const open: ImpactSandbox[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function start(options: Parameters<typeof startImpactSandbox>[0] = {}): Promise<ImpactSandbox> {
  const s = await startImpactSandbox({ anchor: ANCHOR, ...options });
  open.push(s);
  return s;
}

function client(s: ImpactSandbox) {
  const authorization = `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`;
  const base = `${s.url}/Mediapartners/${s.accountSid}`;
  return (p: string, init: RequestInit = {}) =>
    fetch(`${base}${p}`, { redirect: 'manual', ...init, headers: { authorization, accept: 'application/json', ...(init.headers as object) } });
}

describe('impact sandbox', () => {
  it('is deterministic: same anchor, same jobs and byte-identical files', async () => {
    const [a, b] = [await start(), await start()];
    expect(a.jobs()).toEqual(b.jobs());
    const id = (a.jobs() as { Id: string; Status: string }[]).find((j) => j.Status === 'COMPLETED')!.Id;
    const [fa, fb] = await Promise.all([client(a)(`/Jobs/${id}/Download?Mode=Stream`), client(b)(`/Jobs/${id}/Download?Mode=Stream`)]);
    expect(Buffer.from(await fa.arrayBuffer())).toEqual(Buffer.from(await fb.arrayBuffer()));
    expect(actionsForDay('x', '2026-01-01')).toEqual(actionsForDay('x', '2026-01-01'));
  });

  it('pages its lists (Page, PageSize up to its maximum, @numpages, @nextpageuri) and answers XML without Accept: application/json', async () => {
    const s = await start({ maxPageSize: 10 });
    const first = (await (await client(s)('/Jobs?PageSize=1000')).json()) as Record<string, unknown> & { Jobs: unknown[] };
    expect(first.Jobs).toHaveLength(10);
    expect(first['@page']).toBe('1');
    expect(first['@pagesize']).toBe('10');
    const pages = Number(first['@numpages']);
    expect(pages).toBe(Math.ceil(Number(first['@total']) / 10));
    const seen = [...first.Jobs];
    let next = first['@nextpageuri'] as string;
    while (next !== '') {
      const page = (await (await fetch(`${s.url}${next}`, { headers: { authorization: `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`, accept: 'application/json' } })).json()) as Record<string, unknown> & { Jobs: unknown[] };
      seen.push(...page.Jobs);
      next = page['@nextpageuri'] as string;
    }
    expect(seen).toEqual(s.jobs());
    const xml = await client(s)('/Jobs', { headers: { accept: '*/*' } });
    expect(xml.headers.get('content-type')).toBe('application/xml');
    expect(await xml.text()).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><ImpactRadiusResponse page="1" numpages="\d+"/);
  });

  it('lists by CreatedAfter (inclusive day) and CreatedBefore (exclusive day), and rejects bad dates', async () => {
    const s = await start({ maxPageSize: 1000 });
    const all = (await (await client(s)('/Jobs')).json()) as { Jobs: { CreatedDate: string }[] };
    const some = (await (await client(s)('/Jobs?CreatedAfter=2026-06-01&CreatedBefore=2026-06-08')).json()) as { Jobs: { CreatedDate: string }[] };
    expect(some.Jobs.length).toBeGreaterThan(0);
    expect(some.Jobs.length).toBeLessThan(all.Jobs.length);
    for (const j of some.Jobs) {
      expect(Date.parse(j.CreatedDate)).toBeGreaterThanOrEqual(Date.parse('2026-06-01T00:00:00Z'));
      expect(Date.parse(j.CreatedDate)).toBeLessThan(Date.parse('2026-06-08T00:00:00Z'));
    }
    expect((await client(s)('/Jobs?CreatedAfter=June')).status).toBe(400);
  });

  it('hides the last day until the clock moves on', async () => {
    const s = await start();
    const before = s.jobs().length;
    s.advanceClock(24 * 3600_000);
    expect(s.jobs().length).toBe(before + 3);
  });

  it('moves a running job to COMPLETED by polls, answers 202 while the file is written, then serves it', async () => {
    const s = await start();
    const running = (s.jobs() as { Id: string; Status: string }[]).find((j) => j.Status === 'RUNNING')!;
    const get = client(s);
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) statuses.push(((await (await get(`/Jobs/${running.Id}`)).json()) as { Status: string }).Status);
    expect(statuses).toEqual(['RUNNING', 'COMPLETED', 'COMPLETED']);
    const first = await get(`/Jobs/${running.Id}/Download?Mode=Stream`);
    expect(first.status).toBe(202);
    expect(((await first.json()) as { Status: string }).Status).toBe('RUNNING');
    const second = await get(`/Jobs/${running.Id}/Download?Mode=Stream`);
    expect(second.status).toBe(200);
    expect(second.headers.get('content-disposition')).toMatch(/attachment; filename="DownloadReport_.*\.csv"/);
  });

  it('redirects a download without Mode=Stream to the signed file host', async () => {
    const s = await start();
    const id = (s.jobs() as { Id: string; Status: string; CompletedDate?: string }[]).filter((j) => j.Status === 'COMPLETED').at(-1)!.Id;
    const res = await client(s)(`/Jobs/${id}/Download`);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${s.fileHostUrl}/signed/`)).toBe(true);
    expect(location).toMatch(/Signature=/);
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(s.fileHostRequests[0]!.headers.authorization).toBeUndefined();
    expect((await fetch(location.replace(/Signature=[^&]+/, ''))).status).toBe(403);
  });

  it('answers 410 for results past 90 days', async () => {
    const s = await start();
    const old = (s.jobs() as { Id: string; Status: string; CompletedDate?: string }[]).find((j) => j.Status === 'COMPLETED' && Date.parse(j.CompletedDate!) < ANCHOR.getTime() - 92 * 86_400_000)!;
    expect((await client(s)(`/Jobs/${old.Id}/Download?Mode=Stream`)).status).toBe(410);
  });

  it('replays failed jobs (200, re-queued) and refuses cancelled-by-user ones (403)', async () => {
    const s = await start();
    const jobs = s.jobs() as { Id: string; Status: string }[];
    const failed = jobs.find((j) => j.Status === 'FAILED')!;
    const cancelled = jobs.find((j) => j.Status === 'CANCELLED')!;
    const replay = await client(s)(`/Jobs/${failed.Id}/Replay`, { method: 'PUT' });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { Status: string }).Status).toBe('QUEUED');
    expect((await client(s)(`/Jobs/${cancelled.Id}/Replay`, { method: 'PUT' })).status).toBe(403);
  });

  it('queues a report export once per parameter set and serves its rows', async () => {
    const s = await start();
    const get = client(s);
    const q = '/ReportExport/mp_action_listing_fast?START_DATE=2026-06-01&END_DATE=2026-06-02&ResultFormat=CSV';
    const first = (await (await get(q)).json()) as { Status: string; QueuedUri: string; ResultUri: string };
    const again = (await (await get(q)).json()) as { QueuedUri: string };
    expect(first.Status).toBe('QUEUED');
    expect(again.QueuedUri).toBe(first.QueuedUri);
    expect((await get(first.ResultUri.replace(`/Mediapartners/${s.accountSid}`, '') + '?Mode=Stream')).status).toBe(202);
    const jobPath = first.QueuedUri.replace(`/Mediapartners/${s.accountSid}`, '');
    await get(jobPath);
    const file = await get(`${jobPath}/Download?Mode=Stream`);
    expect(file.status).toBe(200);
    const rows = [...actionsForDay(s.accountSid, '2026-06-01'), ...actionsForDay(s.accountSid, '2026-06-02')];
    const columns = Object.keys(rows[0]!);
    expect(await file.text()).toBe(renderCsv(rows, columns).toString('utf8'));
    expect((await get('/ReportExport/nope?START_DATE=2026-06-01&END_DATE=2026-06-02')).status).toBe(404);
    expect((await get('/ReportExport/mp_action_listing_fast?START_DATE=2026-06-01')).status).toBe(400);
  });
});

describe('impact sandbox serving a file from disk (resultFile)', () => {
  it('lists one completed job, the same id in every run, and streams the file with its Content-Type, directly or signed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-sandbox-file-'));
    try {
      const file = path.join(dir, 'holdings.tsv');
      const text = 'ID\tName\r\n1\tZürich\r\n';
      writeFileSync(file, text);
      const s = await start({ resultFile: file });
      const other = await start({ resultFile: file, anchor: new Date('2026-07-01T00:00:00Z') });
      const jobs = s.jobs() as { Id: string; Status: string; Type: string }[];
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ Status: 'COMPLETED', Type: 'DownloadReport' });
      expect((other.jobs() as { Id: string }[])[0]!.Id).toBe(jobs[0]!.Id);
      const res = await client(s)(`/Jobs/${jobs[0]!.Id}/Download?Mode=Stream`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/tab-separated-values');
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="holdings.tsv"');
      expect(await res.text()).toBe(text);
      const redirect = await client(s)(`/Jobs/${jobs[0]!.Id}/Download`);
      expect(await (await fetch(redirect.headers.get('location')!)).text()).toBe(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('impact sandbox rate limits (published defaults, sandbox clock)', () => {
  it('tells every answer where the hour stands, and answers over the limit with 429 and X-RateLimit-* but no Retry-After', async () => {
    const s = await start({ rateLimits: { requestsPerHour: 3 } });
    const first = await client(s)('/Jobs');
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    await client(s)('/Jobs');
    await client(s)('/Jobs');
    const limited = await client(s)('/Jobs');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(limited.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(3600);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(s.stats().served429).toBe(1);
    s.advanceClock(reset * 1000);
    expect((await client(s)('/Jobs')).status).toBe(200);
  });

  it('counts ReportExport calls against a daily quota of their own', async () => {
    const s = await start({ rateLimits: { reportExportsPerDay: 2 } });
    const exportOnce = (day: string) => client(s)(`/ReportExport/mp_action_listing_fast?START_DATE=${day}&END_DATE=${day}`);
    expect((await exportOnce('2026-06-01')).status).toBe(200);
    expect((await exportOnce('2026-06-02')).status).toBe(200);
    const limited = await exportOnce('2026-06-03');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('2');
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(86_400);
    // Other calls go on.
    expect((await client(s)('/Jobs')).status).toBe(200);
    expect(s.stats()).toEqual({ served429: 1, reportExports: 2 });
  });
});
