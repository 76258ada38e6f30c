import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../core/logger.js';
import { RequestBudget, RequestBudgetExhausted, type RequestLimit } from './request-budget.js';
import { FileRequestLedger } from './request-ledger.js';

function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

const addeparLike: RequestLimit[] = [
  { noun: 'requests', requests: 5, windowMs: 900_000 },
  { noun: 'requests', requests: 8, windowMs: 86_400_000, quota: true },
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function spend(budget: RequestBudget, n: number, category = 'default'): Promise<void> {
  for (let i = 0; i < n; i++) (await budget.acquire(category)).done();
}

describe('RequestBudget', () => {
  it('lets a burst through up to the window limit, then waits on the vendor clock (fast clock: 15 min in 0.9 s)', async () => {
    const log = logger();
    const budget = new RequestBudget({ vendor: 'Addepar', limits: addeparLike, clockSpeed: 1000, logger: log });
    const started = Date.now();
    await spend(budget, 5);
    expect(Date.now() - started).toBeLessThan(200);
    await spend(budget, 1);
    // 15 min + margin on the vendor clock is ~0.92 s of real time at ×1000.
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
    expect(budget.stats()).toMatchObject({ requests: 6, budgetWaits: 1, rateLimited: 0 });
    expect(log.lines.join('\n')).toMatch(/info Addepar rate limit: waiting 15 min \d+ s \(5 of 5 requests used in the last 15 min\) \[9\d\d ms real time at clock speed ×1000\]/);
  });

  it('reports what the daily quota still allows, and ends a request it cannot carry with a clear transient error', async () => {
    const budget = new RequestBudget({ vendor: 'Addepar', limits: addeparLike, clockSpeed: 100_000, logger: logger() });
    expect(budget.available()).toBe(8);
    await spend(budget, 5);
    expect(budget.available()).toBe(3);
    await spend(budget, 3);
    expect(budget.available()).toBe(0);
    const err = await budget.acquire('default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestBudgetExhausted);
    expect((err as Error).message).toMatch(/^Addepar's daily request limit \(8 per 24 h\) is used up\. The next request is allowed in 2[34] h( \d+ min)?; the next sync continues from here\.$/);
  });

  it('counts a category only against the limits that name it', async () => {
    const budget = new RequestBudget({
      vendor: 'impact.com',
      limits: [
        { noun: 'requests', requests: 100, windowMs: 3_600_000 },
        { noun: 'ReportExport calls', requests: 2, windowMs: 86_400_000, categories: ['report_export'], quota: true },
      ],
      logger: logger(),
    });
    await spend(budget, 5);
    expect(budget.available('report_export')).toBe(2);
    await spend(budget, 2, 'report_export');
    expect(budget.available('report_export')).toBe(0);
    expect(budget.available()).toBe(Number.POSITIVE_INFINITY);
    expect(budget.describeQuota('report_export')).toBe("impact.com's daily ReportExport call limit (2 per 24 h)");
    const err = await budget.acquire('report_export').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/daily ReportExport call limit \(2 per 24 h\) is used up\. The next ReportExport call is allowed in/);
    // Other requests are not held back by the used-up quota.
    await spend(budget, 1);
  });

  it('counts a request still in flight, so concurrent callers cannot overrun the window', async () => {
    const budget = new RequestBudget({ vendor: 'X', limits: [{ noun: 'requests', requests: 2, windowMs: 60_000 }], clockSpeed: 100, logger: logger() });
    const a = await budget.acquire('default');
    const b = await budget.acquire('default');
    let third = false;
    const c = budget.acquire('default').then((t) => {
      third = true;
      return t;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(third).toBe(false);
    a.done();
    b.done();
    (await c).done();
    expect(third).toBe(true);
  });

  it('ends a wait promptly when the sync is interrupted', async () => {
    const budget = new RequestBudget({ vendor: 'X', limits: [{ noun: 'requests', requests: 1, windowMs: 600_000 }], logger: logger() });
    await spend(budget, 1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGTERM')), 50);
    const started = Date.now();
    await expect(budget.acquire('default', controller.signal)).rejects.toThrow('SIGTERM');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('shares one account budget between processes through the ledger file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-ledger-'));
    dirs.push(dir);
    const limits: RequestLimit[] = [{ noun: 'requests', requests: 4, windowMs: 600_000 }];
    const first = new RequestBudget({ vendor: 'Addepar', limits, logger: logger(), ledger: new FileRequestLedger(dir, 'https://a.example/api|1', 600_000) });
    await spend(first, 3);
    // A second process (its own ledger object and tag) on the same account sees those three.
    const second = new RequestBudget({ vendor: 'Addepar', limits, logger: logger(), ledger: new FileRequestLedger(dir, 'https://a.example/api|1', 600_000) });
    expect(second.usedIn(limits[0]!)).toBe(3);
    await spend(second, 1);
    await expect(second.acquire('default', undefined, { maxWaitMs: 1_000 })).rejects.toBeInstanceOf(RequestBudgetExhausted);
    // Another account is not affected.
    const other = new RequestBudget({ vendor: 'Addepar', limits, logger: logger(), ledger: new FileRequestLedger(dir, 'https://a.example/api|2', 600_000) });
    expect(other.usedIn(limits[0]!)).toBe(0);
    // Nothing but hashes and times on disk.
    expect(readdirSync(dir).every((f) => /^requests-[0-9a-f]{20}-\d+\.log$/.test(f))).toBe(true);
  });

  it('a request whose process died with it in flight still counts for the next process (its send is on record)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-ledger-'));
    dirs.push(dir);
    const limits: RequestLimit[] = [{ noun: 'requests', requests: 4, windowMs: 600_000 }];
    const killed = new RequestBudget({ vendor: 'Addepar', limits, logger: logger(), ledger: new FileRequestLedger(dir, 'https://a.example/api|1', 600_000) });
    await spend(killed, 2);
    // Two more sent, never completed: the process is SIGKILLed before done() runs.
    await killed.acquire('default');
    await killed.acquire('default');
    const next = new RequestBudget({ vendor: 'Addepar', limits, logger: logger(), ledger: new FileRequestLedger(dir, 'https://a.example/api|1', 600_000) });
    expect(next.usedIn(limits[0]!)).toBe(4);
    // A completed request counts once (its send and completion lines are one request).
    const ledger = new FileRequestLedger(dir, 'https://a.example/api|9', 600_000);
    ledger.begin('default', Date.now())(Date.now());
    expect(new FileRequestLedger(dir, 'https://a.example/api|9', 600_000).othersSince(Date.now() - 1_000)).toHaveLength(1);
  });
});

describe('RequestBudget.pollPaceMs', () => {
  it('paces polls only once a window is half used, by request intervals times the jobs a round observes; daily quotas never pace', async () => {
    const budget = new RequestBudget({
      vendor: 'Addepar',
      limits: [
        { noun: 'requests', requests: 10, windowMs: 600_000 },
        { noun: 'requests', requests: 12, windowMs: 86_400_000, quota: true },
      ],
      logger: logger(),
    });
    await spend(budget, 4);
    expect(budget.pollPaceMs(6)).toBe(0);
    await spend(budget, 1);
    // 10 per 600 s: a request every 60 s; a round observing 6 jobs waits 6 of them.
    expect(budget.pollPaceMs(6)).toBe(360_000);
    expect(budget.pollPaceMs(1)).toBe(120_000);
    expect(budget.pollPaceMs(50)).toBe(480_000);
  });
});
