/**
 * How long a vendor asks us to wait after a 429, from whichever header it uses:
 * - `X-RateLimit-Retry-After: <seconds>` (Addepar; not the standard header),
 * - `Retry-After: <seconds>` or `Retry-After: <HTTP-date>` (RFC 9110),
 * - `X-RateLimit-Reset: <seconds until the window resets>` (impact.com), or an epoch timestamp,
 *   which some APIs send in the same header.
 * An HTTP-date or epoch is read against the response's own `Date` header when there is one, so a
 * vendor whose clock differs from ours (or runs fast, like the sandbox) is still understood.
 * All results are durations on the vendor's clock, in milliseconds.
 */
import { parseRetryAfterMs } from './backoff.js';

/** Epoch seconds are ten digits today; any "seconds until reset" is far smaller than this. */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

export interface RateLimitHint {
  /** Vendor milliseconds until a request may succeed. */
  waitMs: number;
  /** Which header said so, for the log line. */
  header: string;
  /** X-RateLimit-Limit, when the vendor sent it. */
  limit?: number;
  /** X-RateLimit-Remaining, when the vendor sent it. */
  remaining?: number;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || !/^\s*\d+(\.\d+)?\s*$/.test(raw)) return undefined;
  return Number(raw);
}

/** The vendor's "now": its Date header, else our clock. */
function vendorNow(headers: Headers, now: number): number {
  const date = headers.get('date');
  const parsed = date === null ? Number.NaN : Date.parse(date);
  return Number.isNaN(parsed) ? now : parsed;
}

/** The wait a 429 (or any response) asks for; undefined when no header says. */
export function rateLimitHint(headers: Headers, now: number = Date.now()): RateLimitHint | undefined {
  const limit = numberHeader(headers, 'x-ratelimit-limit');
  const remaining = numberHeader(headers, 'x-ratelimit-remaining');
  const extra = { ...(limit === undefined ? {} : { limit }), ...(remaining === undefined ? {} : { remaining }) };

  const addepar = numberHeader(headers, 'x-ratelimit-retry-after');
  if (addepar !== undefined) return { waitMs: Math.round(addepar * 1000), header: 'X-RateLimit-Retry-After', ...extra };

  const retryAfter = parseRetryAfterMs(headers.get('retry-after'), vendorNow(headers, now));
  if (retryAfter !== undefined) return { waitMs: retryAfter, header: 'Retry-After', ...extra };

  const reset = numberHeader(headers, 'x-ratelimit-reset');
  if (reset !== undefined) {
    const waitMs = reset >= EPOCH_SECONDS_THRESHOLD ? Math.max(0, reset * 1000 - vendorNow(headers, now)) : Math.round(reset * 1000);
    return { waitMs, header: 'X-RateLimit-Reset', ...extra };
  }
  return undefined;
}
