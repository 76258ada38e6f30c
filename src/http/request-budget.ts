/**
 * The request budget of one vendor account, shared by every request of a sync (and, through the
 * ledger, by every jobtap process on the machine): before a request is sent it waits until each
 * limit that counts it has room, so jobtap stays inside the vendor's published limits instead of
 * finding them with 429s.
 *
 * Why a sliding log and not token buckets: vendors enforce "N requests in any window of W"
 * (Addepar: 50 in any 15 minutes). A token bucket of N refilling N per W can send 2N requests in
 * one window (a full bucket, then the refill), which such a vendor rejects. The log keeps the
 * completion time of every request that still counts and admits a request only when fewer than N
 * fall inside the window: exactly the vendor's rule, seen from our side.
 *
 * Why completion times: the vendor counts a request when it arrives, which is after we sent it
 * and before its answer reached us. Counting from the answer makes our window end no earlier than
 * the vendor's, whatever the latency. A request still in flight always counts.
 *
 * Time: limits are on the vendor's clock. `clockSpeed` > 1 says that clock runs faster than real
 * time (the sandbox's fast clock); every vendor duration is divided by it before we sleep.
 */
import { TransientError } from '../core/errors.js';
import { formatCount, formatDuration, formatWindow } from '../core/durations.js';
import type { Logger } from '../core/logger.js';
import { sleep } from './backoff.js';
import type { RateLimitHint } from './rate-limit-headers.js';
import { noLedger, type RequestLedger } from './request-ledger.js';

export interface RequestLimit {
  /** What is counted, for log lines: "requests", "ReportExport calls". */
  noun: string;
  requests: number;
  /** Window length on the vendor's clock. */
  windowMs: number;
  /** Only requests of these categories count; every request when absent. */
  categories?: readonly string[];
  /**
   * A daily quota: when it is used up, waiting within a sync is not an option. Syncs stop
   * launching work it cannot carry and end resumably; `available()` reports what is left.
   */
  quota?: boolean;
}

export interface RequestBudgetOptions {
  /** Vendor name for log lines, e.g. "Addepar". */
  vendor: string;
  limits: readonly RequestLimit[];
  /** How many times faster than real time the vendor's clock runs (1 for real vendors). */
  clockSpeed?: number;
  /** Longest wait (vendor clock) before a request is given up with a transient error. Default 20 min. */
  maxWaitMs?: number;
  logger: Logger;
  ledger?: RequestLedger;
  /** Real clock, injectable for tests. */
  now?: () => number;
}

export const DEFAULT_MAX_WAIT_MS = 20 * 60_000;
/**
 * Waits at least this long (vendor clock) are logged at INFO each time; shorter ones (the pacing of
 * a busy budget) at INFO once per QUIET_PERIOD_MS so a person sees requests being spread out,
 * and at DEBUG otherwise.
 */
const LOUD_WAIT_MS = 60_000;
const QUIET_PERIOD_MS = 15 * 60_000;
/** 429s without any hint: backoff on the vendor clock, doubling from 1 s up to 5 min. */
const HINTLESS_FIRST_MS = 1_000;
const HINTLESS_MAX_MS = 5 * 60_000;

/** The budget cannot carry a request within the longest allowed wait; the next sync continues. */
export class RequestBudgetExhausted extends TransientError {
  constructor(
    message: string,
    readonly retryInMs: number,
    readonly limit: RequestLimit | undefined,
  ) {
    super(message);
  }
}

/** Handed out by acquire(); `done()` when the answer (or the failure) arrived. */
export interface RequestTicket {
  done(): void;
}

interface Entry {
  /** Real ms the request completed; Infinity while it is in flight. */
  at: number;
  category: string;
}

export interface BudgetStats {
  /** Requests sent through the budget. */
  requests: number;
  /** Requests that waited for room in the budget before being sent. */
  budgetWaits: number;
  /** 429 answers seen (each waited out or given up). */
  rateLimited: number;
  /** Vendor-clock milliseconds spent waiting, budget and 429 waits together. */
  waitedMs: number;
}

export class RequestBudget {
  readonly vendor: string;
  readonly limits: readonly RequestLimit[];
  readonly clockSpeed: number;
  readonly maxWaitMs: number;
  private readonly logger: Logger;
  private readonly ledger: RequestLedger;
  private readonly now: () => number;
  private readonly entries: Entry[] = [];
  /** Real ms before which no request may be sent (a 429's instruction). */
  private pausedUntil = 0;
  private lastLoggedWaitEnd = 0;
  /** Real ms of the last INFO line about a wait. */
  private lastInfoAt = Number.NEGATIVE_INFINITY;
  private readonly counters: BudgetStats = { requests: 0, budgetWaits: 0, rateLimited: 0, waitedMs: 0 };

  constructor(options: RequestBudgetOptions) {
    this.vendor = options.vendor;
    this.limits = options.limits;
    this.clockSpeed = options.clockSpeed ?? 1;
    if (!(this.clockSpeed > 0)) throw new RangeError(`clockSpeed must be > 0, got ${this.clockSpeed}`);
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.logger = options.logger;
    this.ledger = options.ledger ?? noLedger;
    this.now = options.now ?? Date.now;
  }

  /** A budget without limits (clients that talk to no rate-limited vendor). */
  static unlimited(vendor: string, logger: Logger): RequestBudget {
    return new RequestBudget({ vendor, limits: [], logger });
  }

  stats(): BudgetStats {
    return { ...this.counters };
  }

  /** One line for the end of a sync: what this process asked of the vendor and how long it waited. */
  summary(): string {
    const c = this.counters;
    return (
      `${this.vendor} requests this sync: ${formatCount(c.requests)} (${formatCount(c.rateLimited)} answered 429 and waited out; ` +
      `${formatCount(c.budgetWaits)} waited for room in the rate-limit budget; ${formatDuration(c.waitedMs)} of waiting in all)`
    );
  }

  /** Longest limit window in real ms (how far back the ledger must look). */
  longestWindowRealMs(): number {
    return Math.max(60_000 / this.clockSpeed, ...this.limits.map((l) => this.windowRealMs(l)));
  }

  /**
   * Waits until every limit counting `category` has room, then reserves a slot. Throws
   * RequestBudgetExhausted when that would take longer than `maxWaitMs` (vendor clock), and the
   * signal's reason when the sync is interrupted while waiting.
   */
  async acquire(category: string, signal?: AbortSignal, options: { maxWaitMs?: number } = {}): Promise<RequestTicket> {
    const maxWait = options.maxWaitMs ?? this.maxWaitMs;
    let waited = false;
    for (;;) {
      const now = this.now();
      const blocked = this.blockedFor(category, now);
      if (blocked.waitRealMs <= 0) {
        const entry: Entry = { at: Number.POSITIVE_INFINITY, category };
        this.entries.push(entry);
        this.counters.requests++;
        if (waited) this.counters.budgetWaits++;
        // Written before the request goes out, so a process killed with it in flight still counts it.
        const completed = this.ledger.begin(category, now);
        let finished = false;
        return {
          done: () => {
            if (finished) return;
            finished = true;
            entry.at = this.now();
            completed(entry.at);
            this.prune(entry.at);
          },
        };
      }
      const waitVendorMs = blocked.waitRealMs * this.clockSpeed;
      if (waitVendorMs > maxWait) throw this.exhausted(blocked, waitVendorMs, maxWait);
      this.logWait(blocked, now);
      waited = true;
      await sleep(Math.max(1, Math.ceil(blocked.waitRealMs)), signal);
      this.counters.waitedMs += waitVendorMs;
    }
  }

  /**
   * A 429 arrived: pause every request of this budget for as long as the vendor asks (or back off
   * when it does not say), with one log line a person understands. `attempt` counts the 429s of
   * this request so far (0 for the first). Throws RequestBudgetExhausted when the vendor asks for
   * longer than the longest allowed wait.
   */
  rateLimited(hint: RateLimitHint | undefined, category: string, attempt: number): void {
    this.counters.rateLimited++;
    const waitVendorMs = hint?.waitMs ?? Math.min(HINTLESS_MAX_MS, HINTLESS_FIRST_MS * 2 ** attempt);
    const limit = this.limitMatching(category, waitVendorMs);
    const usage = this.describe429(limit, hint);
    if (waitVendorMs > this.maxWaitMs) {
      throw new RequestBudgetExhausted(
        `${this.vendor} rate limit: the vendor asks to wait ${formatDuration(waitVendorMs)} before the next request${usage}, ` +
          `longer than the ${formatDuration(this.maxWaitMs)} jobtap waits (rate_limit.max_wait_minutes). ` +
          `${limit?.quota ? `${this.quotaSentence(limit)} ` : ''}The next sync continues from here.`,
        waitVendorMs,
        limit,
      );
    }
    const until = this.now() + waitVendorMs / this.clockSpeed;
    this.pausedUntil = Math.max(this.pausedUntil, until);
    const source = hint === undefined ? 'no wait given, backing off' : `${hint.header}: ${Math.round(hint.waitMs / 1000)} s`;
    this.logger.warn(`${this.vendor} rate limit (HTTP 429, ${source}): waiting ${formatDuration(waitVendorMs)}${usage}${this.realTimeNote(waitVendorMs)}`);
  }

  /**
   * The vendor said (on a successful answer) that nothing is left in its current window, and when
   * it resets: pause until then rather than spend a request on a certain 429.
   */
  exhaustedUntilReset(hint: RateLimitHint): void {
    if (hint.remaining !== 0 || hint.waitMs <= 0 || hint.waitMs > this.maxWaitMs) return;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + hint.waitMs / this.clockSpeed);
  }

  /**
   * Real ms a round of status polls should leave after the previous one, so that polls take a
   * small share of the budget and launches and downloads get the rest. Nothing while every limit
   * counting ordinary requests is less than half used; then `roundSize` (the jobs one round
   * observes, 2 to 8) request intervals of the tightest such limit: the more jobs a round sees,
   * the more completions it finds when it comes later, for the same one request.
   * Daily quotas do not pace polls: they cap what a sync may spend in all (the launch decisions
   * keep to that), and spreading polls thin over a day would only leave jobs waiting.
   */
  pollPaceMs(roundSize: number): number {
    const now = this.now();
    let pace = 0;
    for (const limit of this.limits) {
      if (limit.quota || !counts(limit, 'default')) continue;
      if (this.usedIn(limit, now) < limit.requests / 2) continue;
      const perRequest = this.windowRealMs(limit) / limit.requests;
      pace = Math.max(pace, perRequest * Math.min(8, Math.max(2, roundSize)));
    }
    return pace;
  }

  /**
   * Requests still available under the daily quotas that count `category`, from now until the
   * end of a wait we would accept: what a sync may still plan to spend. Infinity without quotas.
   */
  available(category = 'default'): number {
    const now = this.now();
    let least = Number.POSITIVE_INFINITY;
    for (const limit of this.limits) {
      if (!limit.quota || !counts(limit, category)) continue;
      least = Math.min(least, limit.requests - this.usedIn(limit, now + this.maxWaitMs / this.clockSpeed));
    }
    return Math.max(0, least);
  }

  /** "Addepar's daily request limit (1,000 per 24 h)" for the quota that counts `category`. */
  describeQuota(category = 'default'): string {
    const limit = this.limits.find((l) => l.quota && counts(l, category));
    return limit === undefined ? `${this.vendor}'s request limits` : this.quotaName(limit);
  }

  /** Requests (or calls) this budget counts against `limit` in its window now, with the ledger's. */
  usedIn(limit: RequestLimit, at: number = this.now()): number {
    const since = at - this.windowRealMs(limit) - this.marginRealMs(limit);
    let used = 0;
    for (const e of this.entries) if (e.at > since && counts(limit, e.category)) used++;
    for (const e of this.ledger.othersSince(since)) if (counts(limit, e.category)) used++;
    return used;
  }

  private blockedFor(category: string, now: number): { waitRealMs: number; limit?: RequestLimit; used?: number } {
    let worst: { waitRealMs: number; limit?: RequestLimit; used?: number } = { waitRealMs: this.pausedUntil - now };
    for (const limit of this.limits) {
      if (!counts(limit, category)) continue;
      const span = this.windowRealMs(limit) + this.marginRealMs(limit);
      const since = now - span;
      const times: number[] = [];
      let inFlight = 0;
      for (const e of this.entries) {
        if (e.at <= since || !counts(limit, e.category)) continue;
        if (e.at === Number.POSITIVE_INFINITY) inFlight++;
        else times.push(e.at);
      }
      for (const e of this.ledger.othersSince(since)) if (counts(limit, e.category)) times.push(e.at);
      const used = times.length + inFlight;
      if (used < limit.requests) continue;
      times.sort((a, b) => a - b);
      // Room comes when enough completed requests leave the window; in-flight ones never leave it
      // before they complete, so with only those left, look again shortly.
      const leaving = used - limit.requests;
      const wait = leaving < times.length ? times[leaving]! + span - now : 50;
      if (wait > worst.waitRealMs) worst = { waitRealMs: wait, limit, used };
    }
    return worst;
  }

  private exhausted(blocked: { limit?: RequestLimit; used?: number }, waitVendorMs: number, maxWait: number): RequestBudgetExhausted {
    const limit = blocked.limit;
    if (limit?.quota) {
      return new RequestBudgetExhausted(
        `${this.quotaSentence(limit)} The next ${limit.noun === 'requests' ? 'request' : limit.noun.replace(/s$/, '')} is allowed in ${formatDuration(waitVendorMs)}; the next sync continues from here.`,
        waitVendorMs,
        limit,
      );
    }
    const why = limit === undefined ? 'the vendor asked us to pause' : `${formatCount(blocked.used ?? 0)} of ${formatCount(limit.requests)} ${limit.noun} used in the last ${formatWindow(limit.windowMs)}`;
    return new RequestBudgetExhausted(
      `${this.vendor} rate limit: the next request would have to wait ${formatDuration(waitVendorMs)} (${why}), longer than ${formatDuration(maxWait)}; the next sync continues from here.`,
      waitVendorMs,
      limit,
    );
  }

  private quotaName(limit: RequestLimit): string {
    return `${this.vendor}'s daily ${limit.noun === 'requests' ? 'request' : limit.noun.replace(/s$/, '')} limit (${formatCount(limit.requests)} per ${formatWindow(limit.windowMs)})`;
  }

  private quotaSentence(limit: RequestLimit): string {
    return `${this.quotaName(limit)} is used up.`;
  }

  private logWait(blocked: { waitRealMs: number; limit?: RequestLimit; used?: number }, now: number): void {
    const end = now + blocked.waitRealMs;
    // Several requests waiting for the same slot would say the same thing: say it once.
    if (Math.abs(end - this.lastLoggedWaitEnd) < 1_000 / this.clockSpeed) return;
    this.lastLoggedWaitEnd = end;
    const waitVendorMs = blocked.waitRealMs * this.clockSpeed;
    const limit = blocked.limit;
    const why =
      limit === undefined
        ? 'after an HTTP 429'
        : `${formatCount(blocked.used ?? 0)} of ${formatCount(limit.requests)} ${limit.noun} used in the last ${formatWindow(limit.windowMs)}`;
    const line = `${this.vendor} rate limit: waiting ${formatDuration(waitVendorMs)} (${why})${this.realTimeNote(waitVendorMs)}`;
    if (waitVendorMs >= LOUD_WAIT_MS || now - this.lastInfoAt >= QUIET_PERIOD_MS / this.clockSpeed) {
      this.lastInfoAt = now;
      this.logger.info(line);
    } else {
      this.logger.debug(line);
    }
  }

  private describe429(limit: RequestLimit | undefined, hint: RateLimitHint | undefined): string {
    if (limit === undefined) return '';
    const used = this.usedIn(limit);
    const vendorCount = hint?.limit !== undefined && hint.remaining !== undefined ? `, ${this.vendor} says ${formatCount(hint.limit - hint.remaining)} of ${formatCount(hint.limit)}` : '';
    if (used >= limit.requests) return ` (${formatCount(used)} of ${formatCount(limit.requests)} ${limit.noun} used in the last ${formatWindow(limit.windowMs)}${vendorCount})`;
    return ` (jobtap counted ${formatCount(used)} of ${formatCount(limit.requests)} ${limit.noun} in the last ${formatWindow(limit.windowMs)}${vendorCount}; other clients of this account share the limit)`;
  }

  /** The limit a 429 most likely came from: the shortest window at least as long as the wait asked. */
  private limitMatching(category: string, waitVendorMs: number): RequestLimit | undefined {
    const candidates = this.limits.filter((l) => counts(l, category)).sort((a, b) => a.windowMs - b.windowMs);
    return candidates.find((l) => l.windowMs >= waitVendorMs) ?? candidates[candidates.length - 1];
  }

  private realTimeNote(waitVendorMs: number): string {
    if (this.clockSpeed === 1) return '';
    return ` [${formatDuration(waitVendorMs / this.clockSpeed)} real time at clock speed ×${this.clockSpeed}]`;
  }

  private windowRealMs(limit: RequestLimit): number {
    return limit.windowMs / this.clockSpeed;
  }

  /**
   * A little extra window: our clock and the vendor's tick at slightly different rates, and the
   * vendor may round its window. 1 % of the window plus one second of the vendor's clock.
   */
  private marginRealMs(limit: RequestLimit): number {
    return (limit.windowMs * 0.01 + 1_000) / this.clockSpeed;
  }

  private prune(now: number): void {
    const horizon = now - this.longestWindowRealMs() * 1.05 - 1_000;
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop]!.at < horizon) drop++;
    if (drop > 0) this.entries.splice(0, drop);
  }
}

function counts(limit: RequestLimit, category: string): boolean {
  return limit.categories === undefined || limit.categories.includes(category);
}
