import { describe, expect, it } from 'vitest';
import { createSandboxClock } from './clock.js';
import { SandboxRateLimiter } from './rate-limiter.js';

describe('SandboxRateLimiter', () => {
  it('sliding: at most N in any window; the wait is until the oldest counted request leaves it', () => {
    let t = 0;
    const fake = { now: () => t, advance: () => undefined, speed: 1, toRealMs: (ms: number) => ms };
    const limiter = new SandboxRateLimiter([{ name: 'window', requests: 2, windowMs: 1_000, window: 'sliding' }], fake);
    expect(limiter.admit('a', undefined, '/x').allowed).toBe(true);
    t = 400;
    expect(limiter.admit('a', undefined, '/x').allowed).toBe(true);
    t = 900;
    const refused = limiter.admit('a', undefined, '/x');
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.status.resetMs).toBe(100);
    // Refusals are not counted: at 1000 the first request left the window.
    t = 1_000;
    expect(limiter.admit('a', undefined, '/x').allowed).toBe(true);
    // Accounts are apart.
    expect(limiter.admit('b', undefined, '/x').allowed).toBe(true);
    expect(limiter.served429).toBe(1);
  });

  it('fixed: N per window, resetting at the window boundary; limits can count only some paths', () => {
    let t = 3_600_000 * 5 + 1_000;
    const limiter = new SandboxRateLimiter(
      [
        { name: 'hour', requests: 10, windowMs: 3_600_000, window: 'fixed' },
        { name: 'exports', requests: 1, windowMs: 86_400_000, window: 'fixed', counts: (_r, p) => p.includes('/ReportExport/') },
      ],
      { now: () => t, advance: () => undefined, speed: 1, toRealMs: (ms) => ms },
    );
    expect(limiter.admit('a', undefined, '/ReportExport/x').allowed).toBe(true);
    const second = limiter.admit('a', undefined, '/ReportExport/y');
    expect(second.allowed).toBe(false);
    if (!second.allowed) expect(second.limit.name).toBe('exports');
    const ok = limiter.admit('a', undefined, '/Jobs');
    expect(ok.allowed && ok.tightest?.remaining).toBe(8);
    t += 3_600_000;
    expect(limiter.status('a', limiter.limits[0]!).used).toBe(0);
  });
});

describe('createSandboxClock', () => {
  it('runs speed times real time and jumps with advance', async () => {
    const clock = createSandboxClock({ startTime: 1_000_000, speed: 1_000 });
    const before = clock.now();
    await new Promise((r) => setTimeout(r, 50));
    expect(clock.now() - before).toBeGreaterThanOrEqual(45_000);
    clock.advance(1_000_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(1_045_000);
    expect(clock.toRealMs(60_000)).toBe(60);
    expect(() => createSandboxClock({ speed: 0 })).toThrow(/positive/);
  });
});
