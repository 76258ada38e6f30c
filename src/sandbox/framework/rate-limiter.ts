/**
 * Vendor rate limits as the sandboxes enforce them, on the sandbox clock: per account (an
 * Addepar firm, an impact.com account), each limit a number of requests per window, the window
 * either sliding ("at most N in any W": Addepar) or fixed ("N per hour, resetting on the hour":
 * impact.com). A refused request is not counted (the vendor did no work for it). Every refusal
 * is counted, so tests can assert that jobtap never provoked one.
 */
import type { SandboxClock } from './clock.js';

export interface SandboxLimit {
  /** For messages: "15-minute window", "ReportExport per day". */
  name: string;
  requests: number;
  /** Sandbox milliseconds. */
  windowMs: number;
  window: 'sliding' | 'fixed';
  /** Which requests count against this limit; every request when absent. */
  counts?: (route: string | undefined, path: string) => boolean;
}

export type Admission =
  | { allowed: true; tightest?: LimitStatus }
  | { allowed: false; limit: SandboxLimit; status: LimitStatus };

export interface LimitStatus {
  limit: SandboxLimit;
  used: number;
  remaining: number;
  /** Sandbox ms until a request would be admitted again (sliding) or the window resets (fixed). */
  resetMs: number;
}

export class SandboxRateLimiter {
  /** 429 answers served, in total and by limit name. */
  served429 = 0;
  readonly refusedBy = new Map<string, number>();
  private readonly log = new Map<string, number[]>();

  constructor(
    readonly limits: readonly SandboxLimit[],
    private readonly clock: SandboxClock,
  ) {}

  /** Admits and counts the request, or says which limit refuses it and for how long. */
  admit(account: string, route: string | undefined, path: string): Admission {
    const now = this.clock.now();
    const applicable = this.limits.filter((l) => l.counts === undefined || l.counts(route, path));
    let tightest: LimitStatus | undefined;
    for (const limit of applicable) {
      const status = this.status(account, limit, now);
      if (status.remaining <= 0) {
        this.served429++;
        this.refusedBy.set(limit.name, (this.refusedBy.get(limit.name) ?? 0) + 1);
        return { allowed: false, limit, status };
      }
      if (tightest === undefined || status.remaining < tightest.remaining) tightest = status;
    }
    for (const limit of applicable) this.times(account, limit).push(now);
    if (tightest !== undefined) tightest = { ...tightest, used: tightest.used + 1, remaining: tightest.remaining - 1 };
    return { allowed: true, ...(tightest === undefined ? {} : { tightest }) };
  }

  status(account: string, limit: SandboxLimit, now: number = this.clock.now()): LimitStatus {
    const times = this.times(account, limit);
    if (limit.window === 'fixed') {
      const start = Math.floor(now / limit.windowMs) * limit.windowMs;
      const used = countFrom(times, start);
      return { limit, used, remaining: limit.requests - used, resetMs: start + limit.windowMs - now };
    }
    const since = now - limit.windowMs;
    // Drop what no longer counts, so the log stays as long as the limit.
    let drop = 0;
    while (drop < times.length && times[drop]! <= since) drop++;
    if (drop > 0) times.splice(0, drop);
    const used = times.length;
    const freeAt = used >= limit.requests ? times[used - limit.requests]! + limit.windowMs : now;
    return { limit, used, remaining: limit.requests - used, resetMs: Math.max(0, freeAt - now) };
  }

  private times(account: string, limit: SandboxLimit): number[] {
    const key = `${account}\u0000${limit.name}`;
    let list = this.log.get(key);
    if (list === undefined) {
      list = [];
      this.log.set(key, list);
    }
    return list;
  }
}

function countFrom(sorted: number[], start: number): number {
  let n = 0;
  for (let i = sorted.length - 1; i >= 0 && sorted[i]! >= start; i--) n++;
  return n;
}
