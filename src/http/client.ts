/**
 * jobtap's HTTP client on Node's built-in fetch (undici). It owns what every vendor call needs:
 * a shared request budget every call to the vendor's host waits for (so the vendor's rate limits
 * are kept, not discovered), 429s waited out as long as the vendor asks (counted apart from
 * failures), retries with backoff for 5xx/timeouts/resets, a header timeout, redirects followed
 * by hand so credentials never reach another origin, and streamed bodies whose length is checked
 * so a truncated download is an error rather than a short file.
 */
import type { Readable } from 'node:stream';
import { messageOf, SystemError, TransientError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { abortReason, defaultRetryPolicy, parseRetryAfterMs, retryDelayMs, sleep } from './backoff.js';
import { checkedReadable, checkedText, declaredLength, type BodyReadOptions } from './body.js';
import { describeNetworkError, failedBeforeSending, HttpError, isRetryableNetworkError, isRetryableStatus, saysNotProcessed } from './errors.js';
import { rateLimitHint } from './rate-limit-headers.js';
import { RequestBudget, type RequestTicket } from './request-budget.js';
import { maskSecrets, maskUrl } from './redact.js';
import type { HttpClientOptions, HttpRequest, HttpResponse, RetryPolicy } from './types.js';

export { HttpError } from './errors.js';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 10;
const BODY_EXCERPT_CHARS = 300;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** 429s in a row for one request before it is given up (each one waited out as the vendor asked). */
const MAX_RATE_LIMIT_WAITS = 10;
const DEFAULT_CATEGORY = 'default';
/** Never forwarded to another origin, whoever set them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

type Method = HttpRequest['method'];

interface Hop {
  url: URL;
  method: Method;
  body: string | undefined;
  /** False once a redirect left the base origin (or the request started elsewhere). */
  sameOrigin: boolean;
}

export class HttpClient {
  private readonly base: URL;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly secrets: string[];
  private readonly defaultHeaders: Record<string, string>;
  /** Shared by every request to the base origin (redirect targets on other hosts do not count). */
  readonly budget: RequestBudget;

  constructor(options: HttpClientOptions) {
    this.base = new URL(options.baseUrl);
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger = options.logger;
    this.budget = options.budget ?? RequestBudget.unlimited(this.base.host, options.logger);
    this.defaultHeaders = { ...options.headers };
    // Configured header values (API keys, bearer tokens) are secrets too.
    this.secrets = [...(options.secrets ?? []), ...Object.values(this.defaultHeaders)].filter((s) => s.length > 0);
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    return this.send(req, 0);
  }

  /** One request with its retries; `retry` > 0 when a body read already used some of the budget. */
  private async send(req: HttpRequest, firstRetry: number): Promise<HttpResponse> {
    const url = this.resolve(req);
    let hop: Hop = {
      url,
      method: req.method,
      body: serialiseBody(req.body),
      sameOrigin: url.origin === this.base.origin,
    };
    const follow = req.followRedirects ?? true;
    const category = req.category ?? DEFAULT_CATEGORY;
    let retry = firstRetry;
    let rateLimitWaits = 0;
    let redirects = 0;
    for (;;) {
      throwIfAborted(req.signal);
      // Only calls to the vendor's own host count against its limits (not a signed file URL).
      const ticket: RequestTicket | undefined = hop.sameOrigin
        ? await this.budget.acquire(category, req.signal, req.budgetMaxWaitMs === undefined ? {} : { maxWaitMs: req.budgetMaxWaitMs })
        : undefined;
      let attempt: Awaited<ReturnType<HttpClient['attempt']>>;
      try {
        attempt = await this.attempt(hop, req);
      } finally {
        ticket?.done();
      }
      // A POST that may have reached the server is not sent again: it could create a second job.
      // The caller finds out what happened (e.g. the job engine looks the job up by its parameters).
      const repeatable = hop.method !== 'POST' && hop.method !== 'PATCH';
      if (attempt.kind === 'network') {
        if (!repeatable && attempt.retryable && !failedBeforeSending(attempt.error)) {
          throw new TransientError(
            `${hop.method} ${this.mask(hop.url)} failed (${attempt.description}); it may or may not have been processed, so it is not sent again blindly`,
            { cause: attempt.error },
          );
        }
        if (retry >= this.policy.maxRetries || !attempt.retryable) {
          throw new TransientError(`${hop.method} ${this.mask(hop.url)} failed after ${retry + 1} attempt(s): ${attempt.description}`, {
            cause: attempt.error,
          });
        }
        const delay = retryDelayMs(retry, this.policy, undefined);
        this.logger.warn(`HTTP ${hop.method} ${this.mask(hop.url)} failed (${attempt.description}); retry ${retry + 1}/${this.policy.maxRetries} in ${delay} ms`);
        retry++;
        await sleep(delay, req.signal);
        continue;
      }

      const { response, controller, release } = attempt;
      const status = response.status;
      if (status === 429 && !(req.acceptStatuses ?? []).includes(429)) {
        // A rate limit is not a failure: wait as long as the vendor asks (the budget pauses every
        // request of the sync meanwhile), without using up the retries meant for real faults.
        await discardBody(response);
        release();
        if (rateLimitWaits >= MAX_RATE_LIMIT_WAITS) {
          throw new HttpError({ status, method: hop.method, url: this.mask(hop.url), bodyExcerpt: `still rate limited after ${rateLimitWaits} waits` });
        }
        this.budget.rateLimited(rateLimitHint(response.headers), category, rateLimitWaits);
        rateLimitWaits++;
        continue;
      }
      if (hop.sameOrigin) {
        const hint = rateLimitHint(response.headers);
        if (hint?.remaining === 0) this.budget.exhaustedUntilReset(hint);
      }
      if (follow && REDIRECT_STATUSES.has(status)) {
        const location = response.headers.get('location');
        await discardBody(response);
        release();
        if (location === null) throw new HttpError({ status, method: hop.method, url: this.mask(hop.url), bodyExcerpt: 'redirect without Location' });
        if (++redirects > MAX_REDIRECTS) throw new SystemError(`Too many redirects (>${MAX_REDIRECTS}) from ${req.method} ${this.mask(url)}`);
        hop = this.redirectHop(hop, status, location);
        continue;
      }
      const accepted = (status >= 200 && status < 300) || (req.acceptStatuses ?? []).includes(status) || (!follow && REDIRECT_STATUSES.has(status));
      if (accepted) {
        // A small body (json/text) that breaks off is fetched again, within the same retry budget,
        // when the method is safe to repeat; streamed bodies are re-downloaded by their caller.
        const canRepeat = req.method !== 'POST' && req.method !== 'PATCH' && retry < this.policy.maxRetries;
        const usedRetries = retry;
        const repeat = canRepeat
          ? async (why: string): Promise<HttpResponse> => {
              const delay = retryDelayMs(usedRetries, this.policy, undefined);
              this.logger.warn(`HTTP ${req.method} ${this.mask(url)}: ${why}; retry ${usedRetries + 1}/${this.policy.maxRetries} in ${delay} ms`);
              await sleep(delay, req.signal);
              return this.send(req, usedRetries + 1);
            }
          : undefined;
        return this.wrap(response, hop, controller, release, repeat);
      }

      if (isRetryableStatus(status) && retry < this.policy.maxRetries && (repeatable || saysNotProcessed(status))) {
        const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
        await discardBody(response);
        release();
        const delay = retryDelayMs(retry, this.policy, retryAfterMs);
        const hint = retryAfterMs === undefined ? '' : ` (Retry-After ${response.headers.get('retry-after')})`;
        this.logger.warn(`HTTP ${status} from ${hop.method} ${this.mask(hop.url)}; retry ${retry + 1}/${this.policy.maxRetries} in ${delay} ms${hint}`);
        retry++;
        await sleep(delay, req.signal);
        continue;
      }
      const excerpt = await this.excerpt(response, hop, controller);
      release();
      throw new HttpError({ status, method: hop.method, url: this.mask(hop.url), bodyExcerpt: excerpt });
    }
  }

  /** Relative paths are appended to the base URL's path ("jobs/1" and "/jobs/1" alike). */
  private resolve(req: HttpRequest): URL {
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(req.url)
      ? new URL(req.url)
      : new URL(`${this.base.origin}${this.base.pathname.replace(/\/+$/, '')}/${req.url.replace(/^\/+/, '')}`);
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    return url;
  }

  private redirectHop(hop: Hop, status: number, location: string): Hop {
    const next = new URL(location, hop.url);
    // 303 always becomes a GET; 301/302 after a POST do too (what every user agent does).
    const toGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
    return {
      url: next,
      method: toGet ? 'GET' : hop.method,
      body: toGet ? undefined : hop.body,
      // Once the chain has left the base origin it never earns credentials back.
      sameOrigin: hop.sameOrigin && next.origin === this.base.origin,
    };
  }

  private headersFor(hop: Hop, req: HttpRequest): Headers {
    const headers = new Headers();
    if (hop.sameOrigin) for (const [k, v] of Object.entries(this.defaultHeaders)) headers.set(k, v);
    const configured = new Set(Object.keys(this.defaultHeaders).map((k) => k.toLowerCase()));
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      const lower = k.toLowerCase();
      if (!hop.sameOrigin && (CREDENTIAL_HEADERS.has(lower) || configured.has(lower))) continue;
      headers.set(k, v);
    }
    if (hop.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return headers;
  }

  private async attempt(
    hop: Hop,
    req: HttpRequest,
  ): Promise<
    | { kind: 'response'; response: Response; controller: AbortController; release: () => void }
    | { kind: 'network'; error: unknown; retryable: boolean; description: string }
  > {
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    // A sync-wide signal sees thousands of requests; each one's listener must go when it is done.
    const release = (): void => req.signal?.removeEventListener('abort', onCallerAbort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new TransientError(`no response headers within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    try {
      const response = await fetch(hop.url, {
        method: hop.method,
        headers: this.headersFor(hop, req),
        body: hop.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      return { kind: 'response', response, controller, release };
    } catch (error) {
      release();
      if (req.signal?.aborted) throw abortReason(req.signal);
      if (timedOut) return { kind: 'network', error, retryable: true, description: `timeout: no response headers within ${this.timeoutMs} ms` };
      return { kind: 'network', error, retryable: isRetryableNetworkError(error), description: this.maskText(describeNetworkError(error)) };
    } finally {
      clearTimeout(timer);
    }
  }

  private wrap(
    response: Response,
    hop: Hop,
    controller: AbortController,
    release: () => void,
    repeat: ((why: string) => Promise<HttpResponse>) | undefined,
  ): HttpResponse {
    const describe = `${hop.method} ${this.mask(hop.url)}`;
    const readOptions = (): BodyReadOptions => ({
      expectedLength: declaredLength(response.headers),
      idleTimeoutMs: this.timeoutMs,
      describe,
      abort: (reason) => controller.abort(reason),
      onSettled: release,
    });
    let used = false;
    const take = (): ReadableStream<Uint8Array> => {
      if (used) throw new SystemError(`Body of ${describe} was already read`);
      used = true;
      return response.body ?? emptyBody();
    };
    const text = async (): Promise<string> => {
      try {
        return await checkedText(take(), readOptions());
      } catch (err) {
        if (repeat === undefined || !(err instanceof TransientError)) throw err;
        return (await repeat(`response body broke off (${messageOf(err)})`)).text();
      }
    };
    return {
      status: response.status,
      headers: response.headers,
      url: hop.url.toString(),
      text,
      json: async <T>(): Promise<T> => {
        const raw = await text();
        try {
          return JSON.parse(raw) as T;
        } catch (err) {
          // A 2xx that is not JSON is what a proxy, a load balancer or a maintenance page sends in
          // the vendor's place (an HTML page with 200): a passing fault, so asked again, then
          // transient. The excerpt says what came instead.
          const what = `HTTP ${response.status} (${response.headers.get('content-type') ?? 'no Content-Type'}) is not JSON: ${this.maskText(excerptOf(raw) ?? '(empty body)')}`;
          if (repeat !== undefined) return (await repeat(what)).json<T>();
          throw new TransientError(`Response of ${describe}: ${what}`, { cause: err });
        }
      },
      stream: (): Readable => checkedReadable(take(), readOptions()),
      discard: async (): Promise<void> => {
        if (used) return;
        used = true;
        await discardBody(response);
        release();
      },
    };
  }

  private async excerpt(response: Response, hop: Hop, controller: AbortController): Promise<string | undefined> {
    try {
      const text = await checkedText(response.body ?? emptyBody(), {
        expectedLength: undefined,
        idleTimeoutMs: Math.min(this.timeoutMs, 5_000),
        describe: `${hop.method} ${this.mask(hop.url)}`,
        abort: (reason) => controller.abort(reason),
      });
      const cut = excerptOf(text);
      return cut === undefined ? undefined : this.maskText(cut);
    } catch {
      return undefined;
    }
  }

  private mask(url: URL): string {
    return maskUrl(url, this.secrets);
  }

  private maskText(text: string): string {
    return maskSecrets(text, this.secrets);
  }
}

function serialiseBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return body;
  return JSON.stringify(body);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function emptyBody(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
}

/** A body as one short line for a message (HTML pages and stack traces included). */
function excerptOf(text: string): string | undefined {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return undefined;
  return oneLine.length > BODY_EXCERPT_CHARS ? `${oneLine.slice(0, BODY_EXCERPT_CHARS)}…` : oneLine;
}
