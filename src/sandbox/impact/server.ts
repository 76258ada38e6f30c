/**
 * The impact.com sandbox: a local, deterministic Partner Jobs API (the seed's OpenAPI paths) plus
 * the Partner Reports API's ReportExport endpoint, and a second server standing in for the signed
 * file host that a download without `Mode=Stream` redirects to. Both listen on 127.0.0.1 only.
 *
 * Behaviour worth knowing when reading tests:
 * - Basic auth AccountSID:AuthToken on every API route (401 otherwise; 403 for another account's path).
 * - CreatedAfter=D lists jobs created at or after D 00:00 UTC; CreatedBefore=D those before D 00:00 UTC.
 * - Jobs progress QUEUED → RUNNING → COMPLETED by "touches" (status polls and download attempts).
 * - Download: 200 file with Mode=Stream, else 302 to the file host; 202 + Job JSON while not finished;
 *   410 once the result is older than the 90-day retention.
 * - The clock starts a day behind the anchor and runs (`clockSpeed` times real time); `advanceClock`
 *   jumps it, revealing the jobs scheduled since.
 * - Lists page as impact.com's do: Page / PageSize (at most `maxPageSize`), answered with @page,
 *   @numpages, @pagesize, @total and @nextpageuri (empty on the last page).
 * - Without `Accept: application/json` the API answers XML, as impact.com does.
 * - Rate limits as impact.com documents them, by default: per account, 1,000 requests per hour and
 *   100 ReportExport calls per day (fixed windows on the sandbox clock); every answer carries
 *   X-RateLimit-Limit/Remaining/Reset (seconds until the hour resets); over a limit, 429 with
 *   those headers and no Retry-After.
 * - `resultFile` (benchmarks) replaces the catalogue with one completed job whose result is a file
 *   on disk, streamed as it is served.
 */
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createSandboxClock } from '../framework/clock.js';
import { SandboxRateLimiter, type LimitStatus, type SandboxLimit } from '../framework/rate-limiter.js';
import { sendJson, startSimServer, type RecordedRequest, type SimInterceptor, type SimRequest, type SimServer } from '../framework/server.js';
import { diskFile, renderFile, type DiskFile, type RenderedFile, type SandboxFileFormat } from './files.js';
import { buildCatalogue, fileJob, jobJson, jobStatus, jobUuid, resultRows, RESULT_COLUMNS, type ResultKind, type ResultSpec, type SimJob } from './jobs.js';

export const DEFAULT_ACCOUNT_SID = 'IRsandbox7Xk2PartnerAcct1';
export const DEFAULT_AUTH_TOKEN = 'sandbox-auth-token-5f0c2e9b7d';
const DAY_MS = 86_400_000;
const RETENTION_MS = 90 * DAY_MS;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Reports the sandbox can export, and which rows they hold. */
export const SANDBOX_REPORTS: Record<string, ResultKind> = {
  mp_action_listing_fast: 'actions',
  mp_performance_by_day: 'performance',
};

const REPORT_NAMES: Record<string, string> = {
  mp_action_listing_fast: 'Action Listing',
  mp_performance_by_day: 'Performance by Day',
};

export interface ImpactSandboxOptions {
  accountSid?: string;
  authToken?: string;
  /** The sandbox's "now" for building the catalogue; default the current time. */
  anchor?: Date;
  /** How far the clock starts behind the anchor; jobs scheduled in between appear on advanceClock. Default one day. */
  initialLagMs?: number;
  /** Default 127.0.0.1. */
  host?: string;
  port?: number;
  fileHostPort?: number;
  interceptors?: SimInterceptor[];
  /** Multiplies the action and click rows per day (default 1): large result files for benchmarks. */
  volume?: number;
  /** Tokens that authenticate for the account but lack API access to its jobs (answered 403). */
  deniedTokens?: string[];
  /** How many times faster than real time the sandbox clock runs. Default 1. */
  clockSpeed?: number;
  /** The largest page a list answers (a larger PageSize is cut to it; also the default). Default 25, so paging always shows. */
  maxPageSize?: number;
  /**
   * Status messages of failed and cancelled jobs quote the Authorization header of the request
   * that reads them, as a careless vendor's might: what jobtap must mask wherever it shows them.
   */
  echoCredentials?: boolean;
  /** impact.com's limits by default; `false` turns them off (a test that needs them off says so). */
  rateLimits?: Partial<ImpactRateLimits> | false;
  /**
   * Benchmarks: a path to a CSV, TSV, JSON or XLSX file on disk. The catalogue is then one completed
   * DownloadReport job (created an hour before the clock starts, its id fixed by the file name)
   * whose result is that file, streamed from disk with the Content-Type of its extension.
   */
  resultFile?: string;
}

/** Per account (second-hand, see shared/research/vendor-facts.md); fixed windows on the sandbox clock. */
export interface ImpactRateLimits {
  requestsPerHour: number;
  /** Sandbox ms; default one hour. */
  hourMs: number;
  reportExportsPerDay: number;
  /** Sandbox ms; default one day (windows start at UTC midnight). */
  dayMs: number;
}

export const IMPACT_RATE_LIMITS: ImpactRateLimits = { requestsPerHour: 1000, hourMs: 3_600_000, reportExportsPerDay: 100, dayMs: DAY_MS };

export interface ImpactSandboxStats {
  /** 429 answers served. */
  served429: number;
  /** ReportExport calls accepted (each one counts against the daily quota). */
  reportExports: number;
}

export interface ImpactSandbox {
  /** API base URL, e.g. http://127.0.0.1:40123 (use as the connector's base_url). */
  url: string;
  /** Base URL of the signed-file host that downloads are redirected to. */
  fileHostUrl: string;
  accountSid: string;
  authToken: string;
  /** Every API request received, in order. */
  requests: RecordedRequest[];
  /** Every request the file host received (to check that no Authorization header reached it). */
  fileHostRequests: RecordedRequest[];
  /** The sandbox's current time. */
  now(): Date;
  /** Moves the clock forward; jobs scheduled up to the new time become visible. */
  advanceClock(ms: number): void;
  /** Snapshot of every job visible now, as the API would return it. */
  jobs(): Record<string, unknown>[];
  /** What a job's result file holds (kind, window, format), for tests that check records. */
  resultOf(jobId: string): ResultSpec | undefined;
  /** Makes a job refuse replays with 403 (or accept them again). */
  setRefuseReplay(jobId: string, refuse: boolean): void;
  /** The next `n` signed file URLs handed out are already expired when used (403 from the file host). */
  expireNextSignedUrls(n: number): void;
  addInterceptor(interceptor: SimInterceptor): void;
  /** The rate limits in force (undefined when off). */
  rateLimits: ImpactRateLimits | undefined;
  /** How many times faster than real time the clock runs. */
  clockSpeed: number;
  stats(): ImpactSandboxStats;
  close(): Promise<void>;
}

/** The connector's `rate_limit` for this sandbox: its limits (the published ones when off) and its clock speed. */
export function impactSandboxRateLimit(sandbox: Pick<ImpactSandbox, 'rateLimits' | 'clockSpeed'>): Record<string, number> {
  const l = sandbox.rateLimits ?? IMPACT_RATE_LIMITS;
  return { requests_per_hour: l.requestsPerHour, report_exports_per_day: l.reportExportsPerDay, clock_speed: sandbox.clockSpeed };
}

function impactLimits(l: ImpactRateLimits): SandboxLimit[] {
  return [
    { name: 'requests per hour', requests: l.requestsPerHour, windowMs: l.hourMs, window: 'fixed' },
    {
      name: 'ReportExport calls per day',
      requests: l.reportExportsPerDay,
      windowMs: l.dayMs,
      window: 'fixed',
      counts: (_route, path) => path.includes('/ReportExport/'),
    },
  ];
}

function rateLimitHeaders(status: LimitStatus): Record<string, string> {
  return {
    'x-ratelimit-limit': String(status.limit.requests),
    'x-ratelimit-remaining': String(Math.max(0, status.remaining)),
    'x-ratelimit-reset': String(Math.max(1, Math.ceil(status.resetMs / 1000))),
  };
}

function impactError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { Status: 'ERROR', Message: message }, headers);
}

/** impact.com answers XML unless the client asks for JSON. */
function wantsJson(req: SimRequest): boolean {
  return /application\/json/i.test(String(req.headers.accept ?? ''));
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A JSON body as impact.com writes the same document in XML (enough to be unmistakably not JSON). */
function toXml(name: string, value: unknown): string {
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml(name.replace(/s$/, ''), v)).join('')}</${name}>`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const attrs = entries.filter(([k]) => k.startsWith('@')).map(([k, v]) => ` ${k.slice(1)}="${xmlEscape(String(v))}"`).join('');
    const children = entries.filter(([k]) => !k.startsWith('@')).map(([k, v]) => toXml(k, v)).join('');
    return `<${name}${attrs}>${children}</${name}>`;
  }
  return `<${name}>${xmlEscape(value === null || value === undefined ? '' : String(value))}</${name}>`;
}

/** Answers in the representation the client asked for: JSON with Accept: application/json, else XML. */
function answer(req: SimRequest, res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (wantsJson(req)) {
    sendJson(res, status, body, headers);
    return;
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>${toXml('ImpactRadiusResponse', body)}`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(xml)), ...headers });
  res.end(xml);
}

export async function startImpactSandbox(options: ImpactSandboxOptions = {}): Promise<ImpactSandbox> {
  const account = options.accountSid ?? DEFAULT_ACCOUNT_SID;
  const token = options.authToken ?? DEFAULT_AUTH_TOKEN;
  const anchorMs = (options.anchor ?? new Date()).getTime();
  const volume = Math.max(1, Math.floor(options.volume ?? 1));
  const clock = createSandboxClock({ startTime: anchorMs - (options.initialLagMs ?? DAY_MS), speed: options.clockSpeed });
  const nowMs = (): number => Math.floor(clock.now());
  const rateLimits = options.rateLimits === false ? undefined : { ...IMPACT_RATE_LIMITS, ...options.rateLimits };
  const limiter = rateLimits === undefined ? undefined : new SandboxRateLimiter(impactLimits(rateLimits), clock);
  let reportExports = 0;
  const servedFile = options.resultFile === undefined ? undefined : diskFile(options.resultFile);
  const jobs =
    servedFile === undefined ? buildCatalogue(account, anchorMs) : [fileJob(account, Math.floor(clock.now()) - 3_600_000, servedFile.fileName)];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  /** Report exports already queued, by their parameters: impact.com returns the same job for a repeat request. */
  const exportCache = new Map<string, SimJob>();
  /** Signed file tokens → file. */
  const signed = new Map<string, { file: RenderedFile | DiskFile; expiresMs: number }>();
  let expireNextSigned = 0;
  const expectedAuth = `Basic ${Buffer.from(`${account}:${token}`).toString('base64')}`;
  const deniedAuth = new Set((options.deniedTokens ?? []).map((t) => `Basic ${Buffer.from(`${account}:${t}`).toString('base64')}`));

  const visible = (job: SimJob): boolean => job.createdMs <= nowMs();
  const maxPageSize = Math.max(1, Math.floor(options.maxPageSize ?? 25));

  /** A job as this request sees it (with the echoed credentials of a careless vendor, when asked). */
  function served(job: SimJob, req: SimRequest): Record<string, unknown> {
    const json = jobJson(job, account, volume);
    if (options.echoCredentials === true && (json.Status === 'FAILED' || json.Status === 'CANCELLED')) {
      json.StatusMessage = `${String(json.StatusMessage)} (request: Authorization: ${String(req.headers.authorization)})`;
    }
    return json;
  }

  /** One page of a list, with impact.com's paging fields; undefined when it answered a bad Page/PageSize itself. */
  function pageOf<T>(req: SimRequest, res: ServerResponse, items: T[]): { items: T[]; meta: Record<string, string> } | undefined {
    const pageRaw = req.query.get('Page') ?? '1';
    const sizeRaw = req.query.get('PageSize') ?? String(maxPageSize);
    if (!/^[1-9]\d*$/.test(pageRaw) || !/^[1-9]\d*$/.test(sizeRaw)) {
      impactError(res, 400, 'Page and PageSize must be positive integers');
      return undefined;
    }
    const size = Math.min(Number(sizeRaw), maxPageSize);
    const page = Number(pageRaw);
    const numPages = Math.max(1, Math.ceil(items.length / size));
    const query = new URLSearchParams(req.query);
    query.set('PageSize', String(size));
    const uri = (n: number): string => {
      query.set('Page', String(n));
      return `${req.path}?${query.toString()}`;
    };
    return {
      items: items.slice((page - 1) * size, page * size),
      meta: {
        '@page': String(page),
        '@numpages': String(numPages),
        '@pagesize': String(size),
        '@total': String(items.length),
        '@start': String(Math.min(items.length, (page - 1) * size)),
        '@end': String(Math.min(items.length, page * size) - 1),
        '@uri': uri(page),
        '@firstpageuri': uri(1),
        '@previouspageuri': page > 1 ? uri(page - 1) : '',
        '@nextpageuri': page < numPages ? uri(page + 1) : '',
        '@lastpageuri': uri(numPages),
      },
    };
  }
  const fileCache = new Map<string, RenderedFile>();
  async function fileOf(job: SimJob): Promise<RenderedFile | DiskFile> {
    if (servedFile !== undefined) return servedFile;
    const cached = fileCache.get(job.id);
    if (cached) return cached;
    const spec = job.result!;
    const rows = resultRows(account, spec, volume);
    const file = await renderFile(rows, RESULT_COLUMNS[spec.kind], spec.format, `${job.type}_${job.id}`);
    fileCache.set(job.id, file);
    return file;
  }

  /** Records the moments a progressing job changes status, as the real API would. */
  function touch(job: SimJob): void {
    job.touches++;
    const status = jobStatus(job);
    if (status !== 'QUEUED' && job.startedMs === undefined) job.startedMs = nowMs();
    if (status === 'COMPLETED' && job.completedMs === undefined) job.completedMs = nowMs();
  }

  /** Auth and account checks shared by every API route; true when it answered the request. */
  function rejectUnauthorised(req: SimRequest, res: ServerResponse): boolean {
    if (req.headers.authorization !== undefined && deniedAuth.has(req.headers.authorization)) {
      impactError(res, 403, 'This API token does not have access to Jobs');
      return true;
    }
    if (req.headers.authorization !== expectedAuth) {
      impactError(res, 401, 'Authentication failed: check the AccountSID and AuthToken', { 'www-authenticate': 'Basic realm="impact.com"' });
      return true;
    }
    if (req.params.AccountSID !== account) {
      impactError(res, 403, 'The credentials are not authorised for this account');
      return true;
    }
    const admission = limiter?.admit(account, undefined, req.path);
    if (admission === undefined) return false;
    if (!admission.allowed) {
      impactError(res, 429, `Rate limit exceeded: ${admission.limit.requests} ${admission.limit.name}`, rateLimitHeaders(admission.status));
      return true;
    }
    // Every answer tells the client where it stands in the hourly window, as the API does.
    const hourly = limiter!.status(account, limiter!.limits[0]!);
    for (const [name, value] of Object.entries(rateLimitHeaders(hourly))) res.setHeader(name, value);
    if (req.path.includes('/ReportExport/')) reportExports++;
    return false;
  }

  function findJob(req: SimRequest, res: ServerResponse): SimJob | undefined {
    const job = byId.get(req.params.JobId ?? '');
    if (job === undefined || !visible(job)) {
      impactError(res, 404, `Job ${req.params.JobId ?? ''} not found`);
      return undefined;
    }
    return job;
  }

  function queryDate(req: SimRequest, res: ServerResponse, name: string): string | undefined | null {
    const value = req.query.get(name);
    if (value === null) return undefined;
    if (!DATE_RE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      impactError(res, 400, `${name} must be a date in YYYY-MM-DD format`);
      return null;
    }
    return value;
  }

  function newJob(type: SimJob['type'], result: SimJob['result']): SimJob {
    const job: SimJob = {
      id: jobUuid(account, nowMs(), `${type}|${byId.size}`),
      type,
      createdBy: account,
      createdMs: nowMs(),
      replayable: true,
      refuseReplay: false,
      touches: 0,
      touchesToRunning: 1,
      touchesToCompleted: 2,
      finalisingDownloads: 0,
      replays: 0,
      result,
    };
    jobs.push(job);
    byId.set(job.id, job);
    return job;
  }

  const api: SimServer = await startSimServer({
    host: options.host,
    port: options.port,
    interceptors: options.interceptors,
    routes: [
      {
        method: 'GET',
        pattern: '/Mediapartners/:AccountSID/Jobs',
        handler: (req, res) => {
          if (rejectUnauthorised(req, res)) return;
          const after = queryDate(req, res, 'CreatedAfter');
          if (after === null) return;
          const before = queryDate(req, res, 'CreatedBefore');
          if (before === null) return;
          const from = after === undefined ? -Infinity : Date.parse(`${after}T00:00:00Z`);
          const to = before === undefined ? Infinity : Date.parse(`${before}T00:00:00Z`);
          const listed = jobs
            .filter((j) => visible(j) && j.createdMs >= from && j.createdMs < to)
            .sort((a, b) => a.createdMs - b.createdMs || a.id.localeCompare(b.id))
            .map((j) => served(j, req));
          const page = pageOf(req, res, listed);
          if (page === undefined) return;
          answer(req, res, 200, { ...page.meta, Jobs: page.items });
        },
      },
      {
        method: 'GET',
        pattern: '/Mediapartners/:AccountSID/Jobs/:JobId',
        handler: (req, res) => {
          if (rejectUnauthorised(req, res)) return;
          const job = findJob(req, res);
          if (!job) return;
          touch(job);
          answer(req, res, 200, served(job, req));
        },
      },
      {
        method: 'GET',
        pattern: '/Mediapartners/:AccountSID/Jobs/:JobId/Download',
        handler: async (req, res) => {
          if (rejectUnauthorised(req, res)) return;
          const job = findJob(req, res);
          if (!job) return;
          const mode = req.query.get('Mode');
          if (mode !== null && mode !== 'Stream') {
            impactError(res, 400, 'Mode must be Stream when given');
            return;
          }
          const status = jobStatus(job);
          touch(job);
          if (status === 'FAILED' || status === 'CANCELLED' || status === 'ERROR') {
            impactError(res, 404, `Job ${job.id} is ${status} and has no result`);
            return;
          }
          if (status !== 'COMPLETED') {
            answer(req, res, 202, jobJson(job, account, volume));
            return;
          }
          if (job.finalisingDownloads > 0) {
            // The status already reads COMPLETED while the file is still being written: answer as the
            // API does for an unfinished job, with the job's (in-progress) status.
            job.finalisingDownloads--;
            answer(req, res, 202, { ...jobJson(job, account, volume), Status: 'RUNNING', PercentageComplete: 99, StatusMessage: 'Writing result file' });
            return;
          }
          if (job.completedMs !== undefined && nowMs() - job.completedMs > RETENTION_MS) {
            impactError(res, 410, `The result of job ${job.id} is older than 90 days and no longer available`);
            return;
          }
          const file = await fileOf(job);
          if (mode === 'Stream') {
            sendFile(res, file);
            return;
          }
          const tokenValue = randomBytes(12).toString('hex');
          // Signed URLs live five minutes of sandbox time; a test can hand out ones already expired.
          const expiresMs = expireNextSigned > 0 ? (expireNextSigned--, nowMs() - 1) : nowMs() + 5 * 60_000;
          signed.set(tokenValue, { file, expiresMs });
          const location = `${files.url}/signed/${tokenValue}/${encodeURIComponent(file.fileName)}?Expires=${Math.floor(expiresMs / 1000)}&Signature=${randomBytes(16).toString('hex')}`;
          res.writeHead(302, { location, 'content-length': 0 });
          res.end();
        },
      },
      {
        method: 'PUT',
        pattern: '/Mediapartners/:AccountSID/Jobs/:JobId/Replay',
        handler: (req, res) => {
          if (rejectUnauthorised(req, res)) return;
          const job = findJob(req, res);
          if (!job) return;
          const status = jobStatus(job);
          const replayableState = status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
          if (!job.replayable || job.refuseReplay || !replayableState) {
            impactError(res, 403, `Job ${job.id} is not in a replayable state or is not of a replayable type`);
            return;
          }
          // Re-queued in place: the same job id runs again and produces a fresh result file.
          job.finalStatus = undefined;
          job.touches = 0;
          job.touchesToRunning = 1;
          job.touchesToCompleted = 2;
          job.startedMs = undefined;
          job.completedMs = undefined;
          job.failedMs = undefined;
          job.cancelledMs = undefined;
          job.statusMessage = 'Queued for replay';
          job.replays++;
          fileCache.delete(job.id);
          answer(req, res, 200, served(job, req));
        },
      },
      {
        // Partner Reports API (not in the Jobs seed): the account's reports, which ones the API may export.
        method: 'GET',
        pattern: '/Mediapartners/:AccountSID/Reports',
        handler: (req, res) => {
          if (rejectUnauthorised(req, res)) return;
          const reports = [
            ...Object.keys(SANDBOX_REPORTS).map((id) => ({ Id: id, Name: REPORT_NAMES[id] ?? id, ApiAccessible: true })),
            { Id: 'mp_ui_only_summary', Name: 'Summary (app only)', ApiAccessible: false },
          ];
          const page = pageOf(req, res, reports);
          if (page === undefined) return;
          answer(req, res, 200, { ...page.meta, Reports: page.items });
        },
      },
      {
        // Partner Reports API (not in the Jobs seed): schedules a report export as a job.
        method: 'GET',
        pattern: '/Mediapartners/:AccountSID/ReportExport/:Id',
        handler: (req, res) => {
          if (rejectUnauthorised(req, res)) return;
          const kind = SANDBOX_REPORTS[req.params.Id ?? ''];
          if (kind === undefined) {
            impactError(res, 404, `No API-accessible report ${req.params.Id ?? ''}`);
            return;
          }
          const start = queryDate(req, res, 'START_DATE');
          if (start === null) return;
          const end = queryDate(req, res, 'END_DATE');
          if (end === null) return;
          if (start === undefined || end === undefined || end < start) {
            impactError(res, 400, 'START_DATE and END_DATE (YYYY-MM-DD, START_DATE <= END_DATE) are required');
            return;
          }
          const format = (req.query.get('ResultFormat') ?? 'CSV').toUpperCase();
          if (format !== 'CSV' && format !== 'JSON') {
            impactError(res, 400, `ResultFormat ${format} is not supported by the sandbox (CSV, JSON)`);
            return;
          }
          const programId = req.query.get('SUBAID') ?? undefined;
          const key = `${req.params.Id}|${start}|${end}|${format}|${programId ?? ''}`;
          let job = exportCache.get(key);
          if (job === undefined) {
            job = newJob('ApiReport', { kind, start, end, format: format as SandboxFileFormat, programId, seed: key });
            exportCache.set(key, job);
          }
          const base = `/Mediapartners/${account}/Jobs/${job.id}`;
          answer(req, res, 200, { Status: 'QUEUED', QueuedUri: base, ResultUri: `${base}/Download`, ReplayUri: `${base}/Replay` });
        },
      },
    ],
  });

  const files: SimServer = await startSimServer({
    host: options.host,
    port: options.fileHostPort,
    routes: [
      {
        method: 'GET',
        pattern: '/signed/:token/:name',
        handler: (req, res) => {
          const entry = signed.get(req.params.token ?? '');
          const expires = Number(req.query.get('Expires'));
          if (entry === undefined || !req.query.get('Signature') || Number.isNaN(expires) || nowMs() > entry.expiresMs) {
            res.writeHead(403, { 'content-type': 'application/xml' });
            res.end('<Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match</Message></Error>');
            return;
          }
          sendFile(res, entry.file);
        },
      },
    ],
  });

  return {
    url: api.url,
    fileHostUrl: files.url,
    accountSid: account,
    authToken: token,
    requests: api.requests,
    fileHostRequests: files.requests,
    now: () => new Date(nowMs()),
    advanceClock: (ms) => {
      clock.advance(ms);
    },
    jobs: () =>
      jobs
        .filter(visible)
        .sort((a, b) => a.createdMs - b.createdMs || a.id.localeCompare(b.id))
        .map((j) => jobJson(j, account, volume)),
    resultOf: (jobId) => {
      const spec = byId.get(jobId)?.result;
      return spec === undefined ? undefined : { ...spec };
    },
    expireNextSignedUrls: (n) => {
      expireNextSigned = n;
    },
    setRefuseReplay: (jobId, refuse) => {
      const job = byId.get(jobId);
      if (job) job.refuseReplay = refuse;
    },
    addInterceptor: (i) => api.addInterceptor(i),
    rateLimits,
    clockSpeed: clock.speed,
    stats: () => ({ served429: limiter?.served429 ?? 0, reportExports }),
    close: async () => {
      await Promise.all([api.close(), files.close()]);
    },
  };
}

function sendFile(res: ServerResponse, file: RenderedFile | DiskFile): void {
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': 'body' in file ? file.body.length : file.size,
    'content-disposition': `attachment; filename="${file.fileName}"`,
  });
  if ('body' in file) {
    res.end(file.body);
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

