/**
 * The impact.com Partner API calls jobtap makes, on the shared HTTP client: list jobs by creation
 * date, read one job, download its result (streamed, or through the signed-URL redirect), replay
 * it, and schedule a report export. Basic auth AccountSID:AuthToken goes to the API host only; the
 * client drops it when a download is redirected to the file host.
 */
import { ConfigError, SystemError, TransientError } from '../../core/errors.js';
import { sleep } from '../../http/backoff.js';
import type { Logger } from '../../core/logger.js';
import type { ResultBody } from '../../formats/types.js';
import { HttpClient, HttpError } from '../../http/client.js';
import type { RequestBudget } from '../../http/request-budget.js';
import { createVendorBudget } from '../../http/vendor-budget.js';
import type { HttpRequest, HttpResponse } from '../../http/types.js';
import { withAuthAdvice } from './auth-failure.js';
import { resultBodyOf } from '../../jobs/result-body.js';
import type { ImpactSettings } from './config.js';
import { toJob, type ImpactJob } from './job-record.js';

export type DownloadResult =
  | { kind: 'file'; body: ResultBody; contentLength?: number }
  /** 202: the job is not finished; the body is the job as it is now. */
  | { kind: 'not_ready'; job: ImpactJob }
  /** 410: the result is past impact.com's 90-day retention. */
  | { kind: 'expired' };

export type ReplayResult = { kind: 'replayed'; job: ImpactJob } | { kind: 'refused'; reason: string };

export interface ReportExportRequest {
  reportId: string;
  startDate: string;
  endDate: string;
  resultFormat: 'CSV' | 'JSON';
  programId?: string;
}

/** Download requests per result when the file host keeps refusing its signed URL. */
const SIGNED_URL_ATTEMPTS = 4;

/** Page size asked of list endpoints: few requests per list (the server may answer smaller pages). */
const LIST_PAGE_SIZE = 1000;

/** Budget category of ReportExport calls: they count against the daily quota too. */
export const REPORT_EXPORT_CATEGORY = 'report_export';

/** The account's request budget: every API call per hour, ReportExport calls per day. */
export function createImpactBudget(settings: ImpactSettings, logger: Logger): RequestBudget {
  const r = settings.rateLimit;
  return createVendorBudget({
    vendor: 'impact.com',
    account: `impact|${settings.baseUrl}|${settings.accountSid}`,
    limits: [
      { noun: 'requests', requests: r.requests_per_hour, windowMs: 3_600_000 },
      { noun: 'ReportExport calls', requests: r.report_exports_per_day, windowMs: 86_400_000, categories: [REPORT_EXPORT_CATEGORY], quota: true },
    ],
    maxWaitMinutes: r.max_wait_minutes,
    clockSpeed: r.clock_speed,
    logger,
  });
}

export class ImpactApi {
  private readonly http: HttpClient;
  private readonly base: string;

  /** The account's request budget (daily ReportExport quota included), for launch decisions. */
  get budget(): RequestBudget {
    return this.http.budget;
  }

  constructor(
    private readonly settings: ImpactSettings,
    private readonly logger: Logger,
  ) {
    const basic = Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64');
    this.http = new HttpClient({
      budget: createImpactBudget(settings, logger),
      baseUrl: settings.baseUrl,
      headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
      timeoutMs: settings.requestTimeoutMs,
      logger,
      secrets: [settings.authToken, basic],
    });
    this.base = `/Mediapartners/${encodeURIComponent(settings.accountSid)}`;
  }

  /** Jobs created in [createdAfter, createdBefore) as the API understands those dates (YYYY-MM-DD), every page. */
  async listJobs(createdAfter: string, createdBefore: string, signal: AbortSignal): Promise<ImpactJob[]> {
    const jobs: ImpactJob[] = [];
    for await (const page of this.pages(`${this.base}/Jobs`, { CreatedAfter: createdAfter, CreatedBefore: createdBefore }, 'Jobs', signal)) {
      for (const j of page) jobs.push(toJob(j, this.settings.onCastError));
    }
    return jobs;
  }

  /**
   * Every page of an impact.com list: asks for large pages (fewer requests under the rate limit),
   * follows `@nextpageuri` until it is empty, and checks the count against `@numpages`, so jobs on
   * a later page are never silently lost.
   */
  private async *pages(path: string, query: Record<string, string | undefined>, key: string, signal: AbortSignal): AsyncGenerator<unknown[]> {
    let url: string | undefined = path;
    let params: Record<string, string | number | undefined> | undefined = { ...query, Page: 1, PageSize: LIST_PAGE_SIZE };
    const seen = new Set<string>();
    let pages = 0;
    let declared: number | undefined;
    while (url !== undefined) {
      const res = await this.request({ method: 'GET', url, query: params, signal });
      const body = await res.json<Record<string, unknown>>();
      const items = body === null || typeof body !== 'object' ? undefined : body[key];
      if (items !== undefined && !Array.isArray(items)) throw new SystemError(`impact.com returned an unexpected list from ${path} (no "${key}" array)`);
      pages++;
      const numPages = Number(body['@numpages']);
      if (declared === undefined && Number.isInteger(numPages) && numPages > 0) declared = numPages;
      yield (items ?? []) as unknown[];
      const next = typeof body['@nextpageuri'] === 'string' ? body['@nextpageuri'] : '';
      if (next === '') break;
      // A server that repeats a link would loop forever; stop loudly instead.
      if (seen.has(next)) throw new SystemError(`impact.com repeated the page link ${next} of ${path}`);
      seen.add(next);
      url = next;
      params = undefined;
    }
    if (declared !== undefined && pages < declared) {
      throw new SystemError(`impact.com said ${path} has ${declared} pages but its page links stopped after ${pages}; the list would be incomplete`);
    }
  }

  async getJob(jobId: string, signal: AbortSignal): Promise<ImpactJob> {
    const res = await this.request({ method: 'GET', url: `${this.base}/Jobs/${encodeURIComponent(jobId)}`, signal });
    return toJob(await res.json(), this.settings.onCastError);
  }

  /**
   * The job's result. Without Mode=Stream the API answers 302 to a signed URL on a file host,
   * followed without credentials; a signed URL that expired before it was used answers 403 there,
   * which says nothing about our credentials: the API is asked again for a fresh URL (a few times),
   * then the failure is transient.
   */
  async download(jobId: string, signal: AbortSignal): Promise<DownloadResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.downloadOnce(jobId, signal);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 403 || this.isApiUrl(err.url)) throw err;
        if (attempt >= SIGNED_URL_ATTEMPTS) {
          throw new TransientError(`The signed download URL of job ${jobId} was refused (HTTP 403 from the file host) ${attempt} times, each a fresh one; the next sync tries again`, {
            cause: err,
          });
        }
        this.logger.warn(`Job ${jobId}: the file host refused its signed download URL (HTTP 403, expired?); asking impact.com for a fresh one (${attempt}/${SIGNED_URL_ATTEMPTS - 1})`);
        await sleep(Math.min(5_000, 250 * 2 ** attempt), signal);
      }
    }
  }

  /**
   * A call whose 401/403 from the API host is about the credentials: explained as `check` explains
   * it (config_error). A 403 from the file host stays an HttpError for download() to handle.
   */
  private async request(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.http.request(req);
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || err.status === 403) && this.isApiUrl(err.url)) throw withAuthAdvice(err, this.settings.accountSid);
      throw err;
    }
  }

  private isApiUrl(url: string): boolean {
    try {
      return new URL(url).origin === new URL(this.settings.baseUrl).origin;
    } catch {
      return true;
    }
  }

  private async downloadOnce(jobId: string, signal: AbortSignal): Promise<DownloadResult> {
    const res = await this.request({
      method: 'GET',
      url: `${this.base}/Jobs/${encodeURIComponent(jobId)}/Download`,
      query: this.settings.streamDownloads ? { Mode: 'Stream' } : undefined,
      // The file itself, whatever its type; JSON for the API's own answers (a 202 with the job).
      headers: { accept: 'application/json, */*;q=0.8' },
      acceptStatuses: [202, 410],
      // Without Mode=Stream the API answers 302 to a signed URL on another host; the client follows
      // it by hand and does not carry the Authorization header there.
      followRedirects: true,
      signal,
    });
    if (res.status === 202) return { kind: 'not_ready', job: toJob(await res.json(), this.settings.onCastError) };
    if (res.status === 410) {
      await res.discard();
      return { kind: 'expired' };
    }
    return { kind: 'file', ...resultBodyOf(res, jobId) };
  }

  /** The account's reports (GET /Mediapartners/{AccountSID}/Reports): handle → name and whether the API may export it. */
  async listReports(signal: AbortSignal): Promise<Map<string, { name: string; apiAccessible: boolean }>> {
    const out = new Map<string, { name: string; apiAccessible: boolean }>();
    for await (const page of this.pages(`${this.base}/Reports`, {}, 'Reports', signal)) {
      for (const r of page as { Id?: unknown; Name?: unknown; ApiAccessible?: unknown }[]) {
        if (typeof r?.Id !== 'string') continue;
        out.set(r.Id, { name: typeof r.Name === 'string' ? r.Name : r.Id, apiAccessible: r.ApiAccessible !== false });
      }
    }
    return out;
  }

  /** PUT Replay; a 403 (not replayable now) is an answer, not an error. */
  async replay(jobId: string, signal: AbortSignal): Promise<ReplayResult> {
    try {
      const res = await this.http.request({ method: 'PUT', url: `${this.base}/Jobs/${encodeURIComponent(jobId)}/Replay`, signal });
      return { kind: 'replayed', job: toJob(await res.json(), this.settings.onCastError) };
    } catch (err) {
      // Here a 403 says the job cannot be replayed now; a 401 is still about the credentials.
      if (err instanceof HttpError && err.status === 403) return { kind: 'refused', reason: err.bodyExcerpt ?? 'HTTP 403' };
      throw withAuthAdvice(err, this.settings.accountSid);
    }
  }

  /** Schedules a report export; returns the id of the job that will produce it. */
  async exportReport(request: ReportExportRequest, signal: AbortSignal): Promise<string> {
    let res: HttpResponse;
    try {
      res = await this.request({
        method: 'GET',
        url: `${this.base}/ReportExport/${encodeURIComponent(request.reportId)}`,
        query: { START_DATE: request.startDate, END_DATE: request.endDate, ResultFormat: request.resultFormat, SUBAID: request.programId },
        category: REPORT_EXPORT_CATEGORY,
        signal,
      });
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        throw new ConfigError(`impact.com has no API-accessible report "${request.reportId}" for this account (HTTP 404); check report_id in report_exports`, { cause: err });
      }
      if (err instanceof HttpError && err.status === 400) {
        throw new ConfigError(`impact.com refused the export of report "${request.reportId}": ${err.bodyExcerpt ?? 'HTTP 400'}`, { cause: err });
      }
      throw err;
    }
    const body = await res.json<{ Status?: unknown; QueuedUri?: unknown; Message?: unknown }>();
    if (body?.Status === 'ERROR') {
      throw new ConfigError(`impact.com refused the export of report "${request.reportId}": ${typeof body.Message === 'string' ? body.Message : 'no reason given'}`);
    }
    const jobId = typeof body?.QueuedUri === 'string' ? /\/Jobs\/([^/?#]+)/.exec(body.QueuedUri)?.[1] : undefined;
    if (jobId === undefined) throw new SystemError(`impact.com answered the export of report "${request.reportId}" without a QueuedUri naming a job`);
    return decodeURIComponent(jobId);
  }
}
