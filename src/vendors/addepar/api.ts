/**
 * The Addepar REST calls jobtap makes, on the shared HttpClient: job launch / status / download /
 * cancel (the engine's JobAdapter), the job list (`jobs` stream, `check`) and saved view
 * definitions (view export schemas). All requests carry the JSON:API Accept header, the
 * Addepar-Firm header and Basic or Bearer credentials; none of those follow a redirect to
 * another host (the HttpClient drops them).
 */
import { ConfigError, SystemError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { HttpClient } from '../../http/client.js';
import type { RequestBudget } from '../../http/request-budget.js';
import { createVendorBudget } from '../../http/vendor-budget.js';
import type { HttpResponse } from '../../http/types.js';
import { sleep } from '../../http/backoff.js';
import { resultBodyOf } from '../../jobs/result-body.js';
import type { DownloadOutcome, JobAdapter, JobStatus } from '../../jobs/types.js';
import type { ResolvedConfig } from './config.js';
import { mapAddeparStatus, normaliseStatus, type AddeparErrorObject, type AddeparJobAttributes } from './status.js';

export const JSON_API = 'application/vnd.api+json';

/** The `parameters` object of a portfolio view or query job, sent as-is. */
export interface AddeparJobParams {
  job_type: 'portfolio_view_results' | 'PORTFOLIO_QUERY';
  parameters: Record<string, unknown>;
}

export interface AddeparJobResource {
  id: string;
  type?: string;
  attributes: AddeparJobAttributes;
  relationships?: { creator?: { data?: { id?: string } | null } };
}

export interface AddeparViewDefinition {
  id: string;
  displayName?: string;
  columns: { key: string; display_name: string; output_type?: string }[];
  groupings: { key: string; display_name: string }[];
}

/** Plain-words explanation of a 401/403 from Addepar. */
export function explainAuthFailure(status: number, detail?: string): string {
  const suffix = detail ? ` (Addepar said: ${detail})` : '';
  if (status === 401) {
    return (
      'Addepar did not accept the credentials (HTTP 401): check api_key and api_secret (or oauth_access_token), ' +
      `and that base_url is your firm's API URL${suffix}.`
    );
  }
  return (
    'Addepar refused access (HTTP 403): the API user needs the "API Access: Create, edit, and delete" permission and ' +
    'access to the portfolios requested; an OAuth token needs the PORTFOLIO scope; and firm_id (the Addepar-Firm header) ' +
    `must be a firm that user belongs to${suffix}.`
  );
}

async function errorDetail(res: HttpResponse): Promise<string | undefined> {
  try {
    const body = await res.json<{ errors?: AddeparErrorObject[] }>();
    const details = (body.errors ?? []).map((e) => e.detail ?? e.title).filter((s): s is string => typeof s === 'string');
    return details.length > 0 ? details.join('; ') : undefined;
  } catch {
    return undefined;
  }
}

function credentialHeader(config: ResolvedConfig): string {
  const raw = config.raw;
  if (raw.oauth_access_token) return `Bearer ${raw.oauth_access_token}`;
  return `Basic ${Buffer.from(`${raw.api_key ?? ''}:${raw.api_secret ?? ''}`).toString('base64')}`;
}

/** The firm's request budget: Addepar counts every authenticated call of the firm. */
export function createAddeparBudget(config: ResolvedConfig, logger: Logger): RequestBudget {
  const r = config.rateLimit;
  return createVendorBudget({
    vendor: 'Addepar',
    account: `addepar|${config.baseUrl}|${config.raw.firm_id}`,
    limits: [
      { noun: 'requests', requests: r.requests_per_window, windowMs: r.window_seconds * 1000 },
      { noun: 'requests', requests: r.requests_per_day, windowMs: 86_400_000, quota: true },
    ],
    maxWaitMinutes: r.max_wait_minutes,
    clockSpeed: r.clock_speed,
    logger,
  });
}

export function createAddeparHttpClient(config: ResolvedConfig, logger: Logger): HttpClient {
  const raw = config.raw;
  return new HttpClient({
    budget: createAddeparBudget(config, logger),
    baseUrl: config.baseUrl,
    headers: {
      authorization: credentialHeader(config),
      'addepar-firm': raw.firm_id,
      accept: JSON_API,
    },
    logger,
    secrets: [raw.api_key, raw.api_secret, raw.oauth_access_token].filter((s): s is string => typeof s === 'string' && s.length > 0),
  });
}

/** Resolves a `links.next` value (relative to the API base, or absolute) to a request URL. */
export function nextLinkUrl(baseUrl: string, next: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(next)) return next;
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  // Links may or may not repeat the base path ("/api/v1/jobs?..." vs "/v1/jobs?...").
  if (basePath !== '' && next.startsWith(`${basePath}/`)) return `${base.origin}${next}`;
  return `${base.origin}${basePath}/${next.replace(/^\/+/, '')}`;
}

export class AddeparApi implements JobAdapter<AddeparJobParams> {
  /** Pages the job list took to show every wanted job last time (measured; 1 until then). */
  private listPagesEstimate = 1;
  private listPolling = true;
  private attributeQuery = true;

  constructor(
    private readonly http: HttpClient,
    private readonly config: ResolvedConfig,
    private readonly logger: Logger,
  ) {}

  /** The firm's request budget every call of this API goes through. */
  get budget(): RequestBudget {
    return this.http.budget;
  }

  /** Throws a ConfigError in plain words for 401/403; returns the response otherwise. */
  private async guardAuth(res: HttpResponse): Promise<HttpResponse> {
    if (res.status === 401 || res.status === 403) {
      const detail = await errorDetail(res);
      throw new ConfigError(explainAuthFailure(res.status, detail), { internalMessage: `HTTP ${res.status} from ${res.url}` });
    }
    return res;
  }

  async launch(params: AddeparJobParams, signal: AbortSignal): Promise<{ jobId: string }> {
    const res = await this.guardAuth(
      await this.http.request({
        method: 'POST',
        url: 'v1/jobs',
        headers: { 'content-type': JSON_API },
        body: { data: { type: 'jobs', attributes: { job_type: params.job_type, parameters: params.parameters } } },
        acceptStatuses: [400, 401, 403],
        signal,
      }),
    );
    if (res.status === 400) {
      const detail = (await errorDetail(res)) ?? 'no details given';
      throw new ConfigError(`Addepar rejected the ${params.job_type} job request (HTTP 400): ${detail}`, {
        internalMessage: `parameters=${JSON.stringify(params.parameters)}`,
      });
    }
    const body = await res.json<{ data?: { id?: unknown } }>();
    const id = body.data?.id;
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new SystemError(`Addepar answered POST /v1/jobs with HTTP ${res.status} but no job id`);
    }
    return { jobId: String(id) };
  }

  async status(jobId: string, signal: AbortSignal): Promise<JobStatus> {
    const res = await this.guardAuth(
      await this.http.request({ method: 'GET', url: `v1/jobs/${encodeURIComponent(jobId)}`, acceptStatuses: [401, 403, 404], signal }),
    );
    if (res.status === 404) {
      await res.discard();
      // Unknown (deleted or not ours): nothing to wait for; the engine launches the slice again.
      return { state: 'expired', vendorStatus: 'Not Found', message: `job ${jobId} no longer exists in Addepar` };
    }
    const body = await res.json<{ data?: AddeparJobResource }>();
    if (!body.data?.attributes) throw new SystemError(`Addepar returned a job document without attributes for job ${jobId}`);
    return mapAddeparStatus(jobId, body.data.attributes);
  }

  /**
   * The result of a job that reported Completed. A 404 then is the documentation's other reading
   * of 404, "does not return any results": after one short re-check (a result still being written
   * would appear), the slice is done with zero records instead of waiting out the job timeout.
   */
  async download(jobId: string, signal: AbortSignal, recheck = true): Promise<DownloadOutcome> {
    const res = await this.guardAuth(
      await this.http.request({
        method: 'GET',
        url: `v1/jobs/${encodeURIComponent(jobId)}/download`,
        headers: { accept: '*/*' },
        acceptStatuses: [401, 403, 404, 410],
        followRedirects: true,
        signal,
      }),
    );
    if (res.status === 404) {
      await res.discard();
      if (recheck) {
        await sleep(Math.min(this.config.pollIntervalMs, EMPTY_RECHECK_MAX_MS), signal);
        return this.download(jobId, signal, false);
      }
      return { kind: 'empty', why: 'Addepar answered its download with 404 twice after it completed: the job returns no results' };
    }
    if (res.status === 410) {
      await res.discard();
      return { kind: 'expired' };
    }
    return { kind: 'ready', ...resultBodyOf(res, jobId) };
  }

  async cancel(jobId: string): Promise<void> {
    try {
      // Best effort, and never a reason to wait: a sync being stopped must stop now.
      const res = await this.http.request({ method: 'DELETE', url: `v1/jobs/${encodeURIComponent(jobId)}`, acceptStatuses: [404], budgetMaxWaitMs: 0 });
      await res.discard();
      this.logger.info(`Cancelled Addepar job ${jobId} (HTTP ${res.status})`);
    } catch (err) {
      this.logger.warn(`Could not cancel Addepar job ${jobId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Every job of the firm visible to the user, page by page via links.next. */
  listJobs(pageSize: number, signal?: AbortSignal): AsyncGenerator<AddeparJobResource[]> {
    return this.pages<AddeparJobResource>('v1/jobs', { 'page[limit]': pageSize }, 'job list', signal);
  }

  /**
   * Statuses of several in-flight jobs from GET /v1/jobs ("the status and parameters of every
   * job"), when listing costs fewer requests than polling each job: the list's page count is
   * measured on every round and compared with the number of jobs to poll. Pages are read only
   * until every wanted job was seen. If the list ever fails to show a wanted job, list polling is
   * off for the rest of the sync (the engine polls those jobs one by one).
   */
  async statuses(jobIds: string[], signal: AbortSignal): Promise<Map<string, JobStatus>> {
    const found = new Map<string, JobStatus>();
    if (!this.listPolling || jobIds.length < 2 || this.listPagesEstimate >= jobIds.length) return found;
    const wanted = new Set(jobIds);
    let pages = 0;
    for await (const page of this.listJobs(LIST_POLL_PAGE_SIZE, signal)) {
      pages++;
      for (const job of page) {
        if (!wanted.has(job.id)) continue;
        found.set(job.id, mapAddeparStatus(job.id, job.attributes));
        wanted.delete(job.id);
      }
      if (wanted.size === 0) break;
    }
    this.listPagesEstimate = pages;
    if (wanted.size > 0) {
      this.listPolling = false;
      this.logger.info(`Addepar's job list did not show ${wanted.size} in-flight job(s); polling jobs one by one from now on`);
    } else {
      this.logger.debug(`Addepar: ${jobIds.length} job statuses from ${pages} page(s) of the job list`);
    }
    return found;
  }

  /**
   * The job an interrupted launch created, if Addepar has one: a job of the same type whose
   * parameters include every parameter we sent (compared as Addepar echoes them: case-insensitive
   * strings, numbers as text) and that was created at or after `since` (less a margin for clock
   * skew). Without timestamps in the list, only a job still queued or running counts (an older,
   * finished job with the same parameters belongs to an earlier sync).
   */
  async findLaunched(params: AddeparJobParams, since: string, signal: AbortSignal): Promise<{ jobId: string; launchedAt?: string } | undefined> {
    const notBefore = Date.parse(since) - CLOCK_SKEW_MS;
    let best: { jobId: string; launchedAt?: string; at: number } | undefined;
    for await (const page of this.listJobs(LIST_POLL_PAGE_SIZE, signal)) {
      for (const job of page) {
        const a = job.attributes;
        if (normaliseStatus(a.job_type ?? '') !== normaliseStatus(params.job_type) || !sameParameters(params.parameters, a.parameters)) continue;
        const stamp = [a.created_at, a.started_at, a.completed_at].map((t) => (typeof t === 'string' ? Date.parse(t) : Number.NaN)).find((t) => !Number.isNaN(t));
        if (stamp !== undefined ? stamp < notBefore : !isActiveStatus(a.status)) continue;
        const at = stamp ?? Number.POSITIVE_INFINITY;
        if (best === undefined || at >= best.at) best = { jobId: job.id, at, ...(typeof a.created_at === 'string' ? { launchedAt: a.created_at } : {}) };
      }
    }
    return best === undefined ? undefined : { jobId: best.jobId, ...(best.launchedAt === undefined ? {} : { launchedAt: best.launchedAt }) };
  }

  /**
   * The definitions of saved views (undefined for an id Addepar does not show this user), in a
   * few requests however many views and columns there are: the view list (its pages), a view's
   * own GET only where the list leaves out its query, and one attribute query for every key of
   * every view. Display names are the headers of tabular exports; output types type the fields.
   */
  async viewDefinitions(viewIds: number[], signal?: AbortSignal): Promise<Map<number, AddeparViewDefinition | undefined>> {
    const listed = await this.listViews(signal);
    const queries = new Map<number, { displayName?: string; columns: string[]; groupings: string[] } | undefined>();
    for (const id of new Set(viewIds)) {
      const entry = listed.get(id);
      if (entry === undefined) queries.set(id, undefined);
      else queries.set(id, entry.query === undefined ? await this.viewQuery(id, signal) : { ...entry.query, ...(entry.displayName ? { displayName: entry.displayName } : {}) });
    }
    const keys = [...new Set([...queries.values()].flatMap((q) => (q === undefined ? [] : [...q.columns, ...q.groupings])))];
    const meta = await this.attributes(keys, signal);
    const out = new Map<number, AddeparViewDefinition | undefined>();
    for (const [id, q] of queries) {
      if (q === undefined) {
        out.set(id, undefined);
        continue;
      }
      out.set(id, {
        id: String(id),
        ...(q.displayName === undefined ? {} : { displayName: q.displayName }),
        columns: q.columns.map((key) => {
          const m = meta.get(key);
          return { key, display_name: m?.displayName ?? key, ...(m?.outputType ? { output_type: m.outputType } : {}) };
        }),
        groupings: q.groupings.map((key) => ({ key, display_name: meta.get(key)?.displayName ?? key })),
      });
    }
    return out;
  }

  /** Which of these view ids exist for this user: one listing, no attribute lookups (what `check` needs). */
  async missingViews(viewIds: number[], signal?: AbortSignal): Promise<number[]> {
    const listed = await this.listViews(signal);
    return viewIds.filter((id) => !listed.has(id));
  }

  /** GET /v1/portfolio/views, every page: id → name and, when the list carries it, the view's query. */
  private async listViews(signal?: AbortSignal): Promise<Map<number, { displayName?: string; query?: { columns: string[]; groupings: string[] } }>> {
    const out = new Map<number, { displayName?: string; query?: { columns: string[]; groupings: string[] } }>();
    for await (const page of this.pages<{ id?: unknown; attributes?: Record<string, unknown> }>('v1/portfolio/views', undefined, 'view list', signal)) {
      for (const view of page) {
        const id = Number(view.id);
        if (!Number.isInteger(id)) continue;
        const a = view.attributes ?? {};
        const params = typeof a.parameters === 'object' && a.parameters !== null ? (a.parameters as Record<string, unknown>) : undefined;
        out.set(id, {
          ...(typeof a.display_name === 'string' ? { displayName: a.display_name } : {}),
          ...(params !== undefined && Array.isArray(params.columns) && Array.isArray(params.groupings)
            ? { query: { columns: attributeKeys(params.columns, id, 'columns'), groupings: attributeKeys(params.groupings, id, 'groupings') } }
            : {}),
        });
      }
    }
    return out;
  }

  /** GET /v1/portfolio/views/:id for a view whose query the list left out. */
  private async viewQuery(viewId: number, signal?: AbortSignal): Promise<{ displayName?: string; columns: string[]; groupings: string[] } | undefined> {
    const res = await this.guardAuth(
      await this.http.request({ method: 'GET', url: `v1/portfolio/views/${viewId}`, acceptStatuses: [401, 403, 404], signal }),
    );
    if (res.status === 404) {
      await res.discard();
      return undefined;
    }
    const body = await res.json<{ data?: { attributes?: Record<string, unknown> } }>();
    const a = body.data?.attributes ?? {};
    const query = (typeof a.parameters === 'object' && a.parameters !== null ? a.parameters : a) as Record<string, unknown>;
    return {
      ...(typeof a.display_name === 'string' ? { displayName: a.display_name } : {}),
      columns: attributeKeys(query.columns, viewId, 'columns'),
      groupings: attributeKeys(query.groupings, viewId, 'groupings'),
    };
  }

  /**
   * Display names and output types of attributes: one POST /v1/attributes/query for all of them.
   * Where the firm's API has no such endpoint (404/405), one GET /v1/attributes/:key each, once.
   * An attribute the API does not describe is left out (its key stays its name).
   */
  async attributes(keys: string[], signal?: AbortSignal): Promise<Map<string, AttributeMeta>> {
    const out = new Map<string, AttributeMeta>();
    if (keys.length === 0) return out;
    if (this.attributeQuery) {
      const res = await this.guardAuth(
        await this.http.request({
          method: 'POST',
          url: 'v1/attributes/query',
          headers: { 'content-type': JSON_API },
          body: { data: { type: 'attribute_search', attributes: { attribute_keys: keys } } },
          acceptStatuses: [401, 403, 404, 405],
          signal,
        }),
      );
      if (res.status === 404 || res.status === 405) {
        await res.discard();
        this.attributeQuery = false;
        this.logger.info('Addepar has no attribute query endpoint here; looking attributes up one by one');
      } else {
        const body = await res.json<{ data?: { id?: unknown; attributes?: { display_name?: unknown; output_type?: unknown } }[] }>();
        for (const item of Array.isArray(body.data) ? body.data : []) {
          if (typeof item.id === 'string') out.set(item.id, attributeMeta(item.attributes));
        }
        return out;
      }
    }
    for (const key of keys) {
      const res = await this.guardAuth(
        await this.http.request({ method: 'GET', url: `v1/attributes/${encodeURIComponent(key)}`, acceptStatuses: [401, 403, 404], signal }),
      );
      if (res.status === 404) {
        await res.discard();
        continue;
      }
      const body = await res.json<{ data?: { attributes?: { display_name?: unknown; output_type?: unknown } } }>();
      out.set(key, attributeMeta(body.data?.attributes));
    }
    return out;
  }

  /** Every page of a JSON:API list, following links.next. */
  private async *pages<T>(url: string, query: Record<string, number> | undefined, what: string, signal?: AbortSignal): AsyncGenerator<T[]> {
    let next: string | undefined = url;
    let q = query;
    const seen = new Set<string>();
    while (next !== undefined) {
      const res = await this.guardAuth(await this.http.request({ method: 'GET', url: next, query: q, acceptStatuses: [401, 403], signal }));
      const body = await res.json<{ data?: T[]; links?: { next?: string | null } }>();
      if (!Array.isArray(body.data)) throw new SystemError(`Addepar returned a ${what} without a data array`);
      yield body.data;
      const link = body.links?.next;
      if (typeof link !== 'string' || link === '') break;
      const resolved = nextLinkUrl(this.config.baseUrl, link);
      // A server that repeats a link would loop forever; stop loudly instead.
      if (seen.has(resolved)) throw new SystemError(`Addepar repeated the pagination link ${link}`);
      seen.add(resolved);
      next = resolved;
      q = undefined;
    }
  }
}

/** The longest pause before re-checking a completed job's 404 download. */
const EMPTY_RECHECK_MAX_MS = 30_000;

/** The largest page GET /v1/jobs serves: one request observes up to this many jobs. */
const LIST_POLL_PAGE_SIZE = 2000;
/** Our clock and Addepar's may disagree by this much when matching a lost launch by its time. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface AttributeMeta {
  displayName?: string;
  outputType?: string;
}

function attributeMeta(attrs: { display_name?: unknown; output_type?: unknown } | undefined): AttributeMeta {
  return {
    ...(typeof attrs?.display_name === 'string' && attrs.display_name !== '' ? { displayName: attrs.display_name } : {}),
    ...(typeof attrs?.output_type === 'string' ? { outputType: attrs.output_type } : {}),
  };
}

function attributeKeys(v: unknown, viewId: number, what: string): string[] {
  if (!Array.isArray(v)) throw new SystemError(`Addepar returned view ${viewId} without ${what}`);
  return v.map((item: unknown) => {
    const key = typeof item === 'string' ? item : (item as { key?: unknown } | null)?.key;
    if (typeof key !== 'string') throw new SystemError(`Addepar returned view ${viewId} with a ${what} entry without a key`);
    return key;
  });
}

/** A parameter as Addepar may echo it: "ENTITY"/"entity", 22/"22", [22]/["22"]. */
function normaliseParam(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseParam);
  if (typeof value === 'string') return value.trim().toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).toLowerCase();
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, normaliseParam(v)]));
  }
  return value;
}

/** Every parameter we sent is in the job's parameters with the same value. */
export function sameParameters(sent: Record<string, unknown>, echoed: Record<string, unknown> | undefined): boolean {
  if (echoed === undefined) return false;
  return Object.entries(sent).every(([k, v]) => JSON.stringify(normaliseParam(v)) === JSON.stringify(normaliseParam(echoed[k])));
}

function isActiveStatus(status: string | undefined): boolean {
  const s = normaliseStatus(status ?? '');
  return s === 'queued' || s.includes('waiting_for_capacity') || s === 'picked_up_by_job_runner' || s === 'in_progress';
}
