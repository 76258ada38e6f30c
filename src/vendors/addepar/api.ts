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
import type { HttpResponse } from '../../http/types.js';
import { resultBodyOf } from '../../jobs/result-body.js';
import type { DownloadOutcome, JobAdapter, JobStatus } from '../../jobs/types.js';
import type { ResolvedConfig } from './config.js';
import { mapAddeparStatus, type AddeparErrorObject, type AddeparJobAttributes } from './status.js';

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

export function createAddeparHttpClient(config: ResolvedConfig, logger: Logger): HttpClient {
  const raw = config.raw;
  return new HttpClient({
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
  constructor(
    private readonly http: HttpClient,
    private readonly config: ResolvedConfig,
    private readonly logger: Logger,
  ) {}

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

  async download(jobId: string, signal: AbortSignal): Promise<DownloadOutcome> {
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
      return { kind: 'not_ready' };
    }
    if (res.status === 410) {
      await res.discard();
      return { kind: 'expired' };
    }
    return { kind: 'ready', ...resultBodyOf(res, jobId) };
  }

  async cancel(jobId: string): Promise<void> {
    try {
      const res = await this.http.request({ method: 'DELETE', url: `v1/jobs/${encodeURIComponent(jobId)}`, acceptStatuses: [404] });
      await res.discard();
      this.logger.info(`Cancelled Addepar job ${jobId} (HTTP ${res.status})`);
    } catch (err) {
      this.logger.warn(`Could not cancel Addepar job ${jobId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Every job of the firm visible to the user, page by page via links.next. */
  async *listJobs(pageSize: number, signal?: AbortSignal): AsyncGenerator<AddeparJobResource[]> {
    let url: string | undefined = 'v1/jobs';
    let query: Record<string, number> | undefined = { 'page[limit]': pageSize };
    const seen = new Set<string>();
    while (url !== undefined) {
      const res = await this.guardAuth(await this.http.request({ method: 'GET', url, query, acceptStatuses: [401, 403], signal }));
      const body = await res.json<{ data?: AddeparJobResource[]; links?: { next?: string | null } }>();
      if (!Array.isArray(body.data)) throw new SystemError('Addepar returned a job list without a data array');
      yield body.data;
      const next = body.links?.next;
      if (typeof next !== 'string' || next === '') break;
      const resolved = nextLinkUrl(this.config.baseUrl, next);
      // A server that repeats a link would loop forever; stop loudly instead.
      if (seen.has(resolved)) throw new SystemError(`Addepar repeated the pagination link ${next}`);
      seen.add(resolved);
      url = resolved;
      query = undefined;
    }
  }

  /**
   * A saved view's columns and groupings; undefined when the view does not exist.
   * GET /v1/portfolio/views/:id gives the view as a Portfolio Query body (attribute keys); each
   * key's display name (the header of tabular exports) and output type (the field type) come
   * from GET /v1/attributes/:key. Attributes the API does not describe keep their key as name.
   */
  async viewDefinition(viewId: number, signal?: AbortSignal): Promise<AddeparViewDefinition | undefined> {
    const res = await this.guardAuth(
      await this.http.request({ method: 'GET', url: `v1/portfolio/views/${viewId}`, acceptStatuses: [401, 403, 404], signal }),
    );
    if (res.status === 404) {
      await res.discard();
      return undefined;
    }
    const body = await res.json<{ data?: { id?: unknown; attributes?: Record<string, unknown> } }>();
    const a = body.data?.attributes ?? {};
    const query = (typeof a.parameters === 'object' && a.parameters !== null ? a.parameters : a) as Record<string, unknown>;
    const keysOf = (v: unknown, what: string): string[] => {
      if (!Array.isArray(v)) throw new SystemError(`Addepar returned view ${viewId} without ${what}`);
      return v.map((item: unknown) => {
        const key = typeof item === 'string' ? item : (item as { key?: unknown } | null)?.key;
        if (typeof key !== 'string') throw new SystemError(`Addepar returned view ${viewId} with a ${what} entry without a key`);
        return key;
      });
    };
    const columnKeys = keysOf(query.columns, 'columns');
    const groupingKeys = keysOf(query.groupings, 'groupings');
    const columns: AddeparViewDefinition['columns'] = [];
    for (const key of columnKeys) {
      const meta = await this.attribute(key, signal);
      columns.push({ key, display_name: meta?.displayName ?? key, ...(meta?.outputType ? { output_type: meta.outputType } : {}) });
    }
    const groupings: AddeparViewDefinition['groupings'] = [];
    for (const key of groupingKeys) groupings.push({ key, display_name: (await this.attribute(key, signal))?.displayName ?? key });
    return {
      id: String(body.data?.id ?? viewId),
      ...(typeof a.display_name === 'string' ? { displayName: a.display_name } : {}),
      columns,
      groupings,
    };
  }

  private readonly attributeCache = new Map<string, { displayName?: string; outputType?: string } | undefined>();

  /** An attribute's display name and output type (GET /v1/attributes/:key), cached; undefined when unknown. */
  async attribute(key: string, signal?: AbortSignal): Promise<{ displayName?: string; outputType?: string } | undefined> {
    if (this.attributeCache.has(key)) return this.attributeCache.get(key);
    const res = await this.guardAuth(
      await this.http.request({ method: 'GET', url: `v1/attributes/${encodeURIComponent(key)}`, acceptStatuses: [401, 403, 404], signal }),
    );
    let meta: { displayName?: string; outputType?: string } | undefined;
    if (res.status === 404) {
      await res.discard();
    } else {
      const body = await res.json<{ data?: { attributes?: { display_name?: unknown; output_type?: unknown } } }>();
      const attrs = body.data?.attributes ?? {};
      meta = {
        ...(typeof attrs.display_name === 'string' && attrs.display_name !== '' ? { displayName: attrs.display_name } : {}),
        ...(typeof attrs.output_type === 'string' ? { outputType: attrs.output_type } : {}),
      };
    }
    this.attributeCache.set(key, meta);
    return meta;
  }
}
