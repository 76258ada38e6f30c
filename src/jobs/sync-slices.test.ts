import { describe, expect, it } from 'vitest';
import { SyncSlices } from './sync-slices.js';

describe('SyncSlices', () => {
  it('knows the total only once every stream reading has planned, and only for more than one stream', () => {
    const sync = new SyncSlices();
    sync.join('a');
    sync.plan('a', 4);
    expect(sync.total()).toBeUndefined();
    sync.join('b');
    expect(sync.total()).toBeUndefined();
    sync.plan('b', 6);
    expect(sync.total()).toBe(10);
  });

  it('a stream that failed before planning counts no slices; one that planned keeps its count', () => {
    const sync = new SyncSlices();
    for (const s of ['a', 'b', 'c']) sync.join(s);
    sync.plan('a', 4);
    sync.plan('b', 2);
    sync.leave('b');
    expect(sync.total()).toBeUndefined();
    sync.leave('c');
    expect(sync.total()).toBe(6);
  });

  it('numbers slices in the order their reading begins, across streams', () => {
    const sync = new SyncSlices();
    expect([sync.begin(), sync.begin(), sync.begin()]).toEqual([1, 2, 3]);
    sync.finish();
    expect(sync.done).toBe(1);
  });
});
