/**
 * The contract of jobtap's HTTP client (implemented in client.ts on Node's fetch/undici).
 * Vendors describe requests; the client owns retries, backoff, timeouts, redirects and
 * length-checked streaming bodies.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../core/logger.js';
import type { RequestBudget } from './request-budget.js';

export interface RetryPolicy {
  /** Retries after the first attempt, for 5xx, timeouts and connection resets (429s are waited out apart). */
  maxRetries: number;
  /** First backoff delay; doubles each retry, with full jitter, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpClientOptions {
  /** Requests with a relative path are resolved against it. */
  baseUrl: string;
  /** Sent on every request to the base URL's host; auth headers are never sent to another host. */
  headers?: Record<string, string>;
  retry?: Partial<RetryPolicy>;
  /** Time allowed until response headers arrive, and between body chunks of a stream. */
  timeoutMs?: number;
  logger: Logger;
  /** Secrets to mask if they would appear in an error or log line (e.g. URL credentials). */
  secrets?: string[];
  /** The vendor account's request budget; every request to the base origin waits for it. Default: unlimited. */
  budget?: RequestBudget;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Absolute URL or a path relative to baseUrl. */
  url: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string. */
  body?: unknown;
  /**
   * Statuses the caller handles itself (returned, not retried or thrown), e.g. [202, 404, 410].
   * 2xx are always returned. Any other status is retried (429/5xx) or thrown as HttpError.
   */
  acceptStatuses?: number[];
  /** Follow 301/302/303/307/308 by hand; auth headers are dropped when the host changes. Default true. */
  followRedirects?: boolean;
  signal?: AbortSignal;
  /** Which of the budget's limits count this request besides the general ones, e.g. "report_export". */
  category?: string;
  /** Longest wait for room in the budget (vendor clock); e.g. 0 for a best-effort cancel. */
  budgetMaxWaitMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Final URL after redirects. */
  url: string;
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
  /**
   * The body as a Node stream. It errors (instead of ending) when fewer bytes than
   * Content-Length arrive, so a truncated download is never parsed as a short file.
   */
  stream(): Readable;
  /** Discards the body so the connection can be reused. */
  discard(): Promise<void>;
}
