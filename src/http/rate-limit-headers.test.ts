import { describe, expect, it } from 'vitest';
import { rateLimitHint } from './rate-limit-headers.js';

const now = Date.parse('2026-12-02T10:00:00Z');

describe('rateLimitHint', () => {
  it("reads Addepar's X-RateLimit-Retry-After in seconds", () => {
    expect(rateLimitHint(new Headers({ 'x-ratelimit-retry-after': '900' }), now)).toEqual({ waitMs: 900_000, header: 'X-RateLimit-Retry-After' });
  });

  it('reads Retry-After as seconds or as an HTTP-date against the response Date header', () => {
    expect(rateLimitHint(new Headers({ 'retry-after': '30' }), now)?.waitMs).toBe(30_000);
    // The vendor's clock is an hour ahead of ours: the date is read against its Date header.
    const headers = new Headers({ date: 'Wed, 02 Dec 2026 11:00:00 GMT', 'retry-after': 'Wed, 02 Dec 2026 11:02:00 GMT' });
    expect(rateLimitHint(headers, now)?.waitMs).toBe(120_000);
    expect(rateLimitHint(new Headers({ 'retry-after': 'Wed, 02 Dec 2026 10:00:45 GMT' }), now)?.waitMs).toBe(45_000);
  });

  it("reads impact.com's X-RateLimit-Reset as seconds until the reset, or as an epoch", () => {
    const impact = new Headers({ 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1740' });
    expect(rateLimitHint(impact, now)).toEqual({ waitMs: 1_740_000, header: 'X-RateLimit-Reset', limit: 1000, remaining: 0 });
    const epoch = new Headers({ 'x-ratelimit-reset': String(now / 1000 + 60) });
    expect(rateLimitHint(epoch, now)?.waitMs).toBe(60_000);
  });

  it('prefers the vendor-specific header and ignores unreadable values', () => {
    expect(rateLimitHint(new Headers({ 'x-ratelimit-retry-after': '5', 'retry-after': '60' }), now)?.waitMs).toBe(5_000);
    expect(rateLimitHint(new Headers({ 'x-ratelimit-retry-after': 'soon' }), now)).toBeUndefined();
    expect(rateLimitHint(new Headers({}), now)).toBeUndefined();
  });
});
