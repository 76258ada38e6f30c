/**
 * HTTP failures as classified ConnectorErrors, and the recognition of network failures that are
 * worth a retry (connection resets, sockets closed mid-response, undici socket errors).
 */
import { ConnectorError, type FailureType } from '../core/errors.js';

export interface HttpErrorDetails {
  status: number;
  method: string;
  /** Already masked: no credentials, no signed-URL query values. */
  url: string;
  /** A short, masked excerpt of the response body. */
  bodyExcerpt?: string;
  cause?: unknown;
}

/**
 * A response the caller did not accept. 401/403 are config errors (credentials or permissions the
 * user must fix), other 4xx system errors (jobtap asked something wrong; vendors may reclassify),
 * 429/5xx only reach the caller after retries, as transient errors.
 */
export class HttpError extends ConnectorError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly bodyExcerpt?: string;

  constructor(details: HttpErrorDetails, failureType: FailureType = failureTypeForStatus(details.status)) {
    const excerpt = details.bodyExcerpt ? `: ${details.bodyExcerpt}` : '';
    super(`HTTP ${details.status} from ${details.method} ${details.url}${excerpt}`, failureType, {
      cause: details.cause,
      internalMessage: `status=${details.status} method=${details.method} url=${details.url}`,
    });
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.bodyExcerpt = details.bodyExcerpt;
  }
}

export function failureTypeForStatus(status: number): FailureType {
  if (status === 401 || status === 403) return 'config_error';
  if (status === 429 || status >= 500) return 'transient_error';
  return 'system_error';
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * True for failures of the transport that a new attempt may not hit: resets, refused or dropped
 * connections, undici's socket/body errors ("terminated", "other side closed", UND_ERR_*).
 * fetch wraps the real reason in `cause`, sometimes twice, so the whole chain is inspected.
 */
export function isRetryableNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e === 'object') {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && (RETRYABLE_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
      const message = (e as { message?: unknown }).message;
      if (typeof message === 'string' && /terminated|other side closed|socket hang up|fetch failed|ECONNRESET/i.test(message)) return true;
      e = (e as { cause?: unknown }).cause;
    } else break;
  }
  return false;
}

/** Failures that happen before a request reaches the server: repeating it cannot do the work twice. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** True when the failure certainly happened before the server received the request (a refused connection, a DNS failure). */
export function failedBeforeSending(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e !== 'object') break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Statuses that say a request was not processed (refused for its rate, or the service is down),
 * so even a POST may be sent again. A 500/502/504 leaves it open whether the work was done.
 */
export function saysNotProcessed(status: number): boolean {
  return status === 429 || status === 503;
}

/** A one-line description of a network failure including its root cause code. */
export function describeNetworkError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e !== 'object') {
      parts.push(String(e));
      break;
    }
    const code = (e as { code?: unknown }).code;
    const message = (e as { message?: unknown }).message;
    parts.push([typeof code === 'string' ? code : '', typeof message === 'string' ? message : ''].filter(Boolean).join(' '));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.filter(Boolean).join(' <- ');
}
