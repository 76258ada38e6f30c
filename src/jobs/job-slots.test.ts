import { describe, expect, it } from 'vitest';
import { FairSlots } from './job-slots.js';

describe('FairSlots', () => {
  it('hands out up to capacity, then serves waiters in order as slots are released', async () => {
    const slots = new FairSlots(2);
    const a = slots.tryAcquire()!;
    const b = await slots.acquire();
    expect(slots.tryAcquire()).toBeUndefined();
    const order: string[] = [];
    const c = slots.acquire().then((r) => (order.push('c'), r));
    const d = slots.acquire().then((r) => (order.push('d'), r));
    a();
    a(); // releasing twice frees one slot only
    await c;
    expect(order).toEqual(['c']);
    expect(slots.inUse).toBe(2);
    b();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  it('never lets tryAcquire jump the queue', async () => {
    const slots = new FairSlots(1);
    const first = slots.tryAcquire()!;
    const waiting = slots.acquire();
    first();
    // The released slot went to the waiter, not to whoever asks next.
    expect(slots.tryAcquire()).toBeUndefined();
    (await waiting)();
    expect(slots.tryAcquire()).toBeDefined();
  });

  it('gives up waiting when the signal aborts', async () => {
    const slots = new FairSlots(1);
    slots.tryAcquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('SIGTERM'));
    await expect(waiting).rejects.toThrow('SIGTERM');
    expect(slots.queued).toBe(0);
  });
});
