/**
 * The Addepar sandbox: a local, deterministic stand-in for a firm's Addepar API that follows
 * the Jobs API documentation. It serves the test suite and the demo.
 *
 * - JSON:API bodies with `application/vnd.api+json`; Basic auth (API key:secret) or Bearer
 *   (OAuth) plus the `Addepar-Firm` header on every call (401 / 403 otherwise).
 * - POST /v1/jobs validates like the docs say (400 with errors[]); unknown portfolios end the job
 *   as "Error Cancelled" with the 400 error object.
 * - Status progression Queued → Waiting For Capacity → Picked Up → In Progress (25/50/75 %) →
 *   Completed, by polls and/or sandbox time; a queue quota rejects excess jobs ("Rejected").
 * - Download: 404 before completion, 200 with the file, or 303 to a second host (the "file host",
 *   which records whether it was sent an Authorization header); 410 once the result expired.
 * - DELETE → 204 and Cancel Requested / User Cancelled; GET /v1/jobs paginated with links.next.
 * - GET /v1/portfolio/views/:id describes a saved view (its query body: column and grouping keys);
 *   GET /v1/portfolio/views lists them; GET /v1/attributes/:id gives an attribute's display name
 *   and output type, POST /v1/attributes/query several at once.
 * - Rate limits as Addepar publishes them, by default: per firm, over every authenticated call,
 *   at most 50 requests in any 15 minutes and 1,000 in any 24 hours; over a limit, 429 with
 *   `X-RateLimit-Retry-After: <seconds>`. A request still running after 60 s is cancelled with 400.
 *   All on the sandbox clock, which can run faster than real time (`clockSpeed`).
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { encodeWindows1252 } from './windows-1252.js';
import { pipeline } from 'node:stream/promises';
import { createSandboxClock, type SandboxClock } from '../framework/clock.js';
import { SandboxRateLimiter, type SandboxLimit } from '../framework/rate-limiter.js';
import { requestTimeLimit } from '../framework/request-time-limit.js';
import { sendJson, startSimServer, type RecordedRequest, type SimInterceptor, type SimRequest, type SimServer } from '../framework/server.js';
import { analyse, columnAttribute, groupingAttribute } from './analysis.js';
import {
  advance,
  isActive,
  isUnsettled,
  jobIdFor,
  jobResource,
  requestCancel,
  type JobErrorObject,
  type JobFate,
  type ProgressionOptions,
  type SandboxJob,
} from './jobs.js';
import { findPortfolio } from './dataset.js';
import { CONTENT_TYPES, FILE_EXTENSIONS, formatCell, renderResult } from './render.js';
import { validateJobRequest, type JobPlan } from './requests.js';
import { findView, SAVED_VIEWS, type SavedView } from './views.js';

export const JSON_API = 'application/vnd.api+json';

export interface SandboxFaults {
  /** The next N jobs created end as "Rejected" (queue quota), whatever the quota. */
  rejectNextJobs: number;
  /** The next N jobs never finish: they stay "In Progress" at 50 %. */
  stuckNextJobs: number;
  /** The next N jobs end as "Failed" once picked up. */
  failNextJobs: number;
  /** The next N downloads of completed results answer 410 Gone, as if the result had expired. */
  expireNextDownloads: number;
  /** The next N jobs created complete but return no results: their download answers 404, as Addepar documents. */
  noResultsNextJobs: number;
  /** The next N jobs are cancelled by someone in Addepar once running: "Cancel Requested" for a few polls, then User Cancelled. */
  userCancelNextJobs: number;
  /** Like userCancelNextJobs, but the cancel comes too late: the job settles as Completed. */
  lateUserCancelNextJobs: number;
  /** The next N CSV/TSV results repeat their last row (a vendor bug: two rows for one holding path). */
  duplicateRowNextResults: number;
}

export interface AddeparSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** The firm id expected in the Addepar-Firm header. Default "1". */
  firmId?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Accepted OAuth bearer tokens. */
  bearerTokens?: string[];
  /** Credentials are valid but the user lacks "API Access" / the PORTFOLIO scope: every call is 403. */
  forbidden?: boolean;
  progression?: Partial<ProgressionOptions>;
  /** How long results stay downloadable after job creation. Default 24 h. */
  retentionMs?: number;
  /** Answer completed downloads with 303 to the file host instead of the bytes. */
  redirectDownloads?: boolean;
  /** Jobs that may be active at once; a job created beyond it is "Rejected". Default unlimited. */
  queueQuota?: number;
  /** Default page size of GET /v1/jobs. Default 500; at most 2000. */
  defaultPageLimit?: number;
  faults?: Partial<SandboxFaults>;
  /** Extra interceptors on the API host (e.g. the framework's fault injector). */
  interceptors?: SimInterceptor[];
  /** Interceptors on the file host that 303 downloads point to. */
  fileHostInterceptors?: SimInterceptor[];
  /**
   * Stream result files with chunked encoding instead of rendering them first to send a
   * Content-Length (the default, which lets clients detect truncated downloads). For large results.
   */
  chunkedResults?: boolean;
  /** Start of the sandbox clock (ms since epoch). Default: the real clock. */
  startTime?: number;
  /**
   * CSV/TSV results written in Windows-1252 instead of UTF-8, as some legacy exports are; with
   * `declared` the Content-Type says so, otherwise it carries no charset at all.
   */
  legacyEncoding?: { declared: boolean };
  /**
   * Job error details quote the Authorization header of the request that created the job, as a
   * careless vendor's might: what jobtap must mask wherever it shows them.
   */
  echoCredentials?: boolean;
  /** How many times faster than real time the sandbox clock runs (rate-limit windows, job progress, retention). Default 1. */
  clockSpeed?: number;
  /** Addepar's published rate limits by default; `false` turns them off (a test that needs them off says so). */
  rateLimits?: Partial<AddeparRateLimits> | false;
  /** Requests running longer than this (sandbox ms) are cancelled with 400, as Addepar does after 60 s. `false`: no limit. */
  maxRequestMs?: number | false;
}

/** Addepar's limits per firm, over every authenticated call (developers.addepar.com/docs/rate-limiting-1). */
export interface AddeparRateLimits {
  requestsPerWindow: number;
  /** Sandbox ms; default 15 minutes. */
  windowMs: number;
  requestsPerDay: number;
  /** Sandbox ms; default 24 hours. */
  dayMs: number;
}

export const ADDEPAR_RATE_LIMITS: AddeparRateLimits = { requestsPerWindow: 50, windowMs: 15 * 60_000, requestsPerDay: 1000, dayMs: 24 * 3_600_000 };
export const ADDEPAR_MAX_REQUEST_MS = 60_000;

export type { SandboxClock } from '../framework/clock.js';

/** What the sandbox refused or cut, for tests that assert jobtap never provoked it. */
export interface AddeparSandboxStats {
  /** 429 answers served. */
  served429: number;
  /** Requests cancelled for running longer than the request time limit. */
  requestsTimedOut: number;
}

export interface AddeparSandbox {
  /** API base URL, e.g. http://127.0.0.1:40123/api (what a firm's `https://<firm>.addepar.com/api` is). */
  url: string;
  /** Base URL of the second host that 303 downloads point to. */
  fileHostUrl: string;
  /** Every request the API host received. */
  requests: RecordedRequest[];
  /** Every request the file host received (check `headers.authorization` there). */
  fileHostRequests: RecordedRequest[];
  /** Jobs in creation order, live objects. */
  jobs: SandboxJob[];
  job(id: string): SandboxJob | undefined;
  /** Mutable: set a count before a test step to inject the fault. */
  faults: SandboxFaults;
  clock: SandboxClock;
  credentials: { firmId: string; apiKey: string; apiSecret: string; bearerToken: string };
  /** Jobs created (POST /v1/jobs answered 202) whose parameters match, e.g. { portfolio_id: '101' }. */
  launches(match?: Record<string, unknown>): SandboxJob[];
  /** Lets stuck jobs (faults.stuckNextJobs) run to completion from their next status poll. */
  releaseStuckJobs(): void;
  /** The rate limits in force (undefined when off). */
  rateLimits: AddeparRateLimits | undefined;
  stats(): AddeparSandboxStats;
  close(): Promise<void>;
}

function addeparLimits(l: AddeparRateLimits): SandboxLimit[] {
  return [
    { name: `${Math.round(l.windowMs / 60_000)}-minute window`, requests: l.requestsPerWindow, windowMs: l.windowMs, window: 'sliding' },
    { name: `${Math.round(l.dayMs / 3_600_000)}-hour window`, requests: l.requestsPerDay, windowMs: l.dayMs, window: 'sliding' },
  ];
}

function errorBody(status: number, title: string, detail: string): { errors: JobErrorObject[] } {
  return { errors: [{ status: String(status), title, detail }] };
}

function sendApi(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, { 'content-type': JSON_API });
}

/**
 * A saved view as GET /v1/portfolio/views/:id documents it: share type, name, and the view as a
 * Portfolio Query request body (`parameters` with column and grouping keys). Display names and
 * output types are not part of it; they come from the Attributes API.
 */
function viewResource(v: SavedView): Record<string, unknown> {
  return {
    id: String(v.id),
    type: 'portfolio_views',
    attributes: {
      share_type: 'FIRM',
      display_name: v.displayName,
      parameters: {
        columns: v.columns.map((key) => ({ key, arguments: {} })),
        groupings: v.groupings.map((key) => ({ key, arguments: {} })),
      },
    },
    links: { self: `/v1/portfolio_views/${v.id}` },
  };
}

/** An attribute as GET /v1/attributes/:id describes it. */
function attributeResource(key: string): Record<string, unknown> | undefined {
  const column = columnAttribute(key);
  const grouping = groupingAttribute(key);
  const a = column ?? grouping;
  if (!a) return undefined;
  const usage = [...(column ? ['columns'] : []), ...(grouping ? ['groupings', 'filters'] : [])];
  return {
    id: a.key,
    type: 'attributes',
    attributes: { display_name: a.displayName, output_type: a.outputType, usage, category: 'Sandbox' },
    links: { self: `/v1/attributes/${a.key}` },
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

function matches(params: Record<string, unknown>, match: Record<string, unknown>): boolean {
  return Object.entries(match).every(([k, v]) => JSON.stringify(params[k]) === JSON.stringify(v) || String(params[k]) === String(v));
}

export async function startAddeparSandbox(options: AddeparSandboxOptions = {}): Promise<AddeparSandbox> {
  const firmId = options.firmId ?? '1';
  const apiKey = options.apiKey ?? 'sandbox-key';
  const apiSecret = options.apiSecret ?? 'sandbox-secret';
  const bearerTokens = options.bearerTokens ?? ['sandbox-oauth-token'];
  const progression: ProgressionOptions = { pollsPerStage: 1, msPerStage: 0, ...options.progression };
  const retentionMs = options.retentionMs ?? 24 * 3_600_000;
  const defaultPageLimit = Math.min(2000, options.defaultPageLimit ?? 500);
  const faults: SandboxFaults = { rejectNextJobs: 0, stuckNextJobs: 0, failNextJobs: 0, expireNextDownloads: 0, noResultsNextJobs: 0, userCancelNextJobs: 0, lateUserCancelNextJobs: 0, duplicateRowNextResults: 0, ...options.faults };
  const clock: SandboxClock = createSandboxClock({ startTime: options.startTime, speed: options.clockSpeed });
  const rateLimits = options.rateLimits === false ? undefined : { ...ADDEPAR_RATE_LIMITS, ...options.rateLimits };
  const limiter = rateLimits === undefined ? undefined : new SandboxRateLimiter(addeparLimits(rateLimits), clock);
  const maxRequestMs = options.maxRequestMs === false ? undefined : (options.maxRequestMs ?? ADDEPAR_MAX_REQUEST_MS);
  const timeLimit =
    maxRequestMs === undefined
      ? undefined
      : requestTimeLimit({
          limitMs: maxRequestMs,
          clock,
          answer: (res) => sendApi(res, 400, errorBody(400, 'Bad Request', `Request cancelled: it ran longer than ${Math.round(maxRequestMs / 1000)} seconds`)),
        });

  const jobs: SandboxJob[] = [];
  const plans = new Map<string, JobPlan>();
  const fileTokens = new Map<string, string>();
  let sequence = 0;
  const expectedBasic = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;

  /** Answers 401/403 itself and returns false when the caller may not proceed. */
  function authorised(req: SimRequest, res: ServerResponse): boolean {
    const auth = req.headers.authorization;
    const ok = auth === expectedBasic || (typeof auth === 'string' && auth.startsWith('Bearer ') && bearerTokens.includes(auth.slice(7)));
    if (!ok) {
      sendApi(res, 401, errorBody(401, 'Unauthorized', auth ? 'Invalid API key and secret or access token' : 'Authentication required'));
      return false;
    }
    const firm = req.headers['addepar-firm'];
    if (firm !== firmId) {
      sendApi(res, 403, errorBody(403, 'Forbidden', firm ? `User does not have access to firm ${String(firm)}` : 'Missing Addepar-Firm header'));
      return false;
    }
    if (options.forbidden) {
      sendApi(res, 403, errorBody(403, 'Forbidden', 'User lacks API permission or has not granted the appropriate scope'));
      return false;
    }
    const admission = limiter?.admit(firmId, undefined, req.path);
    if (admission !== undefined && !admission.allowed) {
      const seconds = Math.max(1, Math.ceil(admission.status.resetMs / 1000));
      res.writeHead(429, { 'content-type': JSON_API, 'x-ratelimit-retry-after': String(seconds) });
      res.end(JSON.stringify(errorBody(429, 'Too Many Requests', `Rate limit exceeded: ${admission.limit.requests} requests per ${admission.limit.name}`)));
      return false;
    }
    return true;
  }

  function fateFor(plan: JobPlan, authorization: string): JobFate {
    const fate = baseFateFor(plan);
    if (options.echoCredentials !== true) return fate;
    const echo = ` (request: Authorization: ${authorization})`;
    if (fate.kind === 'fail') return { kind: 'fail', error: { status: '500', title: 'Internal Server Error', detail: `The job runner failed${echo}` } };
    if (fate.kind === 'error') return { kind: 'error', error: { ...fate.error, detail: `${fate.error.detail}${echo}` } };
    return fate;
  }

  function baseFateFor(plan: JobPlan): JobFate {
    if (faults.rejectNextJobs > 0) {
      faults.rejectNextJobs -= 1;
      return { kind: 'reject' };
    }
    if (options.queueQuota !== undefined && jobs.filter(isActive).length >= options.queueQuota) return { kind: 'reject' };
    if (plan.runError) return { kind: 'error', error: plan.runError };
    if (faults.stuckNextJobs > 0) {
      faults.stuckNextJobs -= 1;
      return { kind: 'stuck' };
    }
    if (faults.failNextJobs > 0) {
      faults.failNextJobs -= 1;
      return { kind: 'fail' };
    }
    if (faults.userCancelNextJobs > 0) {
      faults.userCancelNextJobs -= 1;
      return { kind: 'cancelled_by_user', settlesAs: 'User Cancelled' };
    }
    if (faults.lateUserCancelNextJobs > 0) {
      faults.lateUserCancelNextJobs -= 1;
      return { kind: 'cancelled_by_user', settlesAs: 'Completed' };
    }
    return { kind: 'complete' };
  }

  function refresh(job: SandboxJob): void {
    advance(job, clock.now(), progression, retentionMs);
  }

  function findJob(req: SimRequest, res: ServerResponse): SandboxJob | undefined {
    const job = jobs.find((j) => j.id === req.params.id);
    if (!job) sendApi(res, 404, errorBody(404, 'Not Found', `Unable to locate job ${req.params.id ?? ''}`));
    return job;
  }

  async function sendResult(job: SandboxJob, res: ServerResponse): Promise<void> {
    const plan = plans.get(job.id)!;
    const tree = analyse(plan.analysis);
    const a = plan.analysis;
    const portfolios = a.portfolioIds.map((id) => findPortfolio(a.portfolioType, id)?.name ?? `${a.portfolioType} ${id}`).join(', ');
    const titleLines = [plan.title, `${portfolios} | ${formatCell(a.startDate, 'Date')} to ${formatCell(a.endDate, 'Date')}`];
    let body = renderResult({ tree, columns: a.columns, groupings: a.groupings, dataType: plan.dataType, titleLines }, plan.outputType);
    const headers: Record<string, string | number> = {
      'content-type': CONTENT_TYPES[plan.outputType],
      'content-disposition': `attachment; filename="portfolio_data.${FILE_EXTENSIONS[plan.outputType]}"`,
    };
    if (faults.duplicateRowNextResults > 0 && (plan.outputType === 'CSV' || plan.outputType === 'TSV')) {
      faults.duplicateRowNextResults -= 1;
      const lines = (await collect(body)).toString('utf8').split(/(?<=\n)/);
      const last = lines.at(-1)!;
      body = Readable.from([Buffer.from([...lines, last.endsWith('\n') ? last : `\n${last}`].join(''), 'utf8')]);
    }
    const legacy = options.legacyEncoding;
    if (legacy !== undefined && (plan.outputType === 'CSV' || plan.outputType === 'TSV')) {
      body = Readable.from([encodeWindows1252((await collect(body)).toString('utf8'))]);
      const mediaType = CONTENT_TYPES[plan.outputType].split(';')[0]!;
      headers['content-type'] = legacy.declared ? `${mediaType}; charset=windows-1252` : mediaType;
    }
    if (options.chunkedResults) {
      res.writeHead(200, headers);
      await pipeline(body, res);
      return;
    }
    const bytes = await collect(body);
    res.writeHead(200, { ...headers, 'content-length': bytes.length });
    res.end(bytes);
  }

  const fileHost: SimServer = await startSimServer({
    host: options.host,
    interceptors: options.fileHostInterceptors,
    routes: [
      {
        method: 'GET',
        pattern: '/files/:token',
        handler: async (req, res) => {
          const jobId = fileTokens.get(req.params.token ?? '');
          const job = jobId === undefined ? undefined : jobs.find((j) => j.id === jobId);
          if (!job || req.query.get('signature') !== 'sandbox') {
            sendJson(res, 404, errorBody(404, 'Not Found', 'No such file'));
            return;
          }
          await sendResult(job, res);
        },
      },
    ],
  });

  const api: SimServer = await startSimServer({
    host: options.host,
    port: options.port,
    interceptors: [...(timeLimit === undefined ? [] : [timeLimit.interceptor]), ...(options.interceptors ?? [])],
    routes: [
      {
        method: 'POST',
        pattern: '/api/v1/jobs',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          let body: unknown;
          try {
            body = req.json();
          } catch {
            sendApi(res, 400, errorBody(400, 'Bad Request', 'Bad JSON: the body is not valid JSON'));
            return;
          }
          const result = validateJobRequest(body);
          if (!result.ok) {
            sendApi(res, 400, { errors: result.errors });
            return;
          }
          sequence += 1;
          const fate = fateFor(result.plan, String(req.headers.authorization ?? ''));
          const job: SandboxJob = {
            id: jobIdFor(sequence),
            jobType: result.plan.jobType,
            parameters: result.plan.echo,
            status: fate.kind === 'reject' ? 'Rejected' : 'Queued',
            percentComplete: 0,
            createdAt: clock.now(),
            fate,
            polls: 0,
            downloads: 0,
            cancelRequests: 0,
            listed: 0,
            noResults: faults.noResultsNextJobs > 0 && fate.kind === 'complete',
            creatorId: '44',
          };
          if (fate.kind === 'reject') job.completedAt = job.createdAt;
          if (job.noResults) faults.noResultsNextJobs -= 1;
          jobs.push(job);
          plans.set(job.id, result.plan);
          sendApi(res, 202, { data: jobResource(job), included: [] });
        },
      },
      {
        method: 'GET',
        pattern: '/api/v1/jobs',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          // Documented: default 500, at most 2000 per response (larger requests are truncated, not refused).
          const limitRaw = req.query.get('page[limit]');
          const requested = limitRaw === null ? defaultPageLimit : Number(limitRaw);
          if (!Number.isInteger(requested) || requested < 1) {
            sendApi(res, 400, errorBody(400, 'Bad Request', 'page[limit] must be a positive integer'));
            return;
          }
          const limit = Math.min(requested, 2000);
          const after = req.query.get('page[after]');
          let start = 0;
          if (after !== null) {
            const i = jobs.findIndex((j) => j.id === after);
            if (i < 0) {
              sendApi(res, 400, errorBody(400, 'Bad Request', `Invalid page[after]: ${after}`));
              return;
            }
            start = i + 1;
          }
          const page = jobs.slice(start, start + limit);
          for (const job of page) {
            // Seeing a job in the list is a status observation, like a GET of the job itself.
            if (isUnsettled(job)) job.listed += 1;
            refresh(job);
          }
          const more = start + limit < jobs.length;
          // Written like the documentation's example: relative to the API base, brackets unencoded.
          const next = more ? `/v1/jobs?page[limit]=${limit}&page[after]=${page[page.length - 1]!.id}` : null;
          sendApi(res, 200, { data: page.map(jobResource), links: { next } });
        },
      },
      {
        method: 'GET',
        pattern: '/api/v1/jobs/:id',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          const job = findJob(req, res);
          if (!job) return;
          job.polls += 1;
          refresh(job);
          sendApi(res, 200, { data: jobResource(job) });
        },
      },
      {
        method: 'DELETE',
        pattern: '/api/v1/jobs/:id',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          const job = findJob(req, res);
          if (!job) return;
          refresh(job);
          requestCancel(job, clock.now());
          res.writeHead(204);
          res.end();
        },
      },
      {
        method: 'GET',
        pattern: '/api/v1/jobs/:id/download',
        handler: async (req, res) => {
          if (!authorised(req, res)) return;
          const job = findJob(req, res);
          if (!job) return;
          job.downloads += 1;
          refresh(job);
          if (job.status === 'Completed' && faults.expireNextDownloads > 0) {
            faults.expireNextDownloads -= 1;
            job.status = 'Timed Out';
          }
          if (job.status === 'Timed Out') {
            sendApi(res, 410, errorBody(410, 'Gone', 'Job results have expired'));
            return;
          }
          if (job.status !== 'Completed' || job.noResults) {
            sendApi(res, 404, errorBody(404, 'Not Found', 'Job has not completed or does not return any results'));
            return;
          }
          if (options.redirectDownloads) {
            const token = `${job.id}-${job.downloads}`;
            fileTokens.set(token, job.id);
            res.writeHead(303, { location: `${fileHost.url}/files/${token}?signature=sandbox`, 'content-length': 0 });
            res.end();
            return;
          }
          await sendResult(job, res);
        },
      },
      {
        method: 'GET',
        pattern: '/api/v1/portfolio/views',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          sendApi(res, 200, { data: SAVED_VIEWS.map(viewResource), links: { next: null } });
        },
      },
      {
        method: 'GET',
        pattern: '/api/v1/portfolio/views/:id',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          const view = /^\d+$/.test(req.params.id ?? '') ? findView(Number(req.params.id)) : undefined;
          if (!view) {
            sendApi(res, 404, errorBody(404, 'Not Found', `Unable to locate view ${req.params.id ?? ''}`));
            return;
          }
          sendApi(res, 200, { data: viewResource(view) });
        },
      },
      {
        method: 'GET',
        pattern: '/api/v1/attributes/:id',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          const resource = attributeResource(req.params.id ?? '');
          if (!resource) {
            sendApi(res, 404, errorBody(404, 'Not Found', `Unable to locate attribute ${req.params.id ?? ''}`));
            return;
          }
          sendApi(res, 200, { data: resource });
        },
      },
      {
        method: 'POST',
        pattern: '/api/v1/attributes/query',
        handler: (req, res) => {
          if (!authorised(req, res)) return;
          let keys: unknown;
          try {
            keys = (req.json() as { data?: { attributes?: { attribute_keys?: unknown } } } | null)?.data?.attributes?.attribute_keys;
          } catch {
            keys = undefined;
          }
          if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
            sendApi(res, 400, errorBody(400, 'Bad Request', 'Bad JSON: expected data.attributes.attribute_keys, an array of strings'));
            return;
          }
          const found = (keys as string[]).map(attributeResource).filter((r): r is Record<string, unknown> => r !== undefined);
          sendApi(res, 200, { data: found });
        },
      },
    ],
  });

  return {
    url: `${api.url}/api`,
    fileHostUrl: fileHost.url,
    requests: api.requests,
    fileHostRequests: fileHost.requests,
    jobs,
    job: (id) => jobs.find((j) => j.id === id),
    faults,
    clock,
    credentials: { firmId, apiKey, apiSecret, bearerToken: bearerTokens[0] ?? '' },
    launches: (match) => jobs.filter((j) => (match ? matches(j.parameters, match) : true)),
    releaseStuckJobs: () => {
      for (const j of jobs) if (j.fate.kind === 'stuck') j.fate = { kind: 'complete' };
    },
    rateLimits,
    stats: () => ({ served429: limiter?.served429 ?? 0, requestsTimedOut: timeLimit?.exceeded() ?? 0 }),
    close: async () => {
      await Promise.all([api.close(), fileHost.close()]);
    },
  };
}
