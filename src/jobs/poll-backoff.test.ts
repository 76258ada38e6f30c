import { describe, expect, it } from 'vitest';
import { PollBackoff } from './poll-backoff.js';

describe('PollBackoff', () => {
  it('grows ×1.5 from the first interval up to the cap, and resets', () => {
    const b = new PollBackoff(100, 400, () => 0.5); // 0.5 → no jitter
    expect([b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs(), b.nextDelayMs()]).toEqual([100, 150, 225, 338, 400]);
    b.reset();
    expect(b.nextDelayMs()).toBe(100);
  });

  it('jitters within ±20 % and never exceeds the cap', () => {
    const low = new PollBackoff(1_000, 1_000, () => 0);
    const high = new PollBackoff(1_000, 1_000, () => 0.999);
    expect(low.nextDelayMs()).toBe(800);
    expect(high.nextDelayMs()).toBe(1_000);
  });
});
