import { describe, expect, it } from 'vitest';
import { toJob } from './job-record.js';
import { listingStart, selectJobs } from './jobs-stream.js';

const job = (id: string, created: string, status: string) => toJob({ Id: id, CreatedDate: created, Status: status });

describe('selectJobs', () => {
  it('emits every job on a first sync and remembers the unfinished ones', () => {
    const { emit, state } = selectJobs({}, [job('a', '2026-03-01T10:00:00Z', 'COMPLETED'), job('b', '2026-03-02T10:00:00Z', 'RUNNING')]);
    expect(emit.map((j) => j.id)).toEqual(['a', 'b']);
    expect(state.cursor).toBe('2026-03-02T10:00:00.000Z|b');
    expect(state.open_jobs).toEqual({ b: { status: 'RUNNING', created: '2026-03-02T10:00:00.000Z' } });
  });

  it('emits only jobs after the cursor, telling same-second jobs apart by id', () => {
    const state = { cursor: '2026-03-02T10:00:00.000Z|b', open_jobs: {} };
    const listed = [job('a', '2026-03-02T10:00:00Z', 'COMPLETED'), job('b', '2026-03-02T10:00:00Z', 'COMPLETED'), job('c', '2026-03-02T10:00:00Z', 'QUEUED')];
    const step = selectJobs(state, listed);
    expect(step.emit.map((j) => j.id)).toEqual(['c']);
    expect(step.state.cursor).toBe('2026-03-02T10:00:00.000Z|c');
  });

  it('emits an open job again when its status changed, and forgets it once final', () => {
    const state = { cursor: '2026-03-02T10:00:00.000Z|b', open_jobs: { b: { status: 'RUNNING', created: '2026-03-02T10:00:00.000Z' } } };
    const unchanged = selectJobs(state, [job('b', '2026-03-02T10:00:00Z', 'RUNNING')]);
    expect(unchanged.emit).toEqual([]);
    expect(unchanged.state.open_jobs).toHaveProperty('b');
    const finished = selectJobs(state, [job('b', '2026-03-02T10:00:00Z', 'COMPLETED')]);
    expect(finished.emit.map((j) => j.status)).toEqual(['COMPLETED']);
    expect(finished.state.open_jobs).toEqual({});
    expect(finished.state.cursor).toBe(state.cursor);
  });
});

describe('listingStart', () => {
  it('starts at the earlier of the cursor day and the oldest open job, never before start_date', () => {
    expect(listingStart({}, '2026-01-01')).toBe('2026-01-01');
    expect(listingStart({ cursor: '2026-03-05T01:00:00.000Z|x' }, '2026-01-01')).toBe('2026-03-05');
    expect(listingStart({ cursor: '2026-03-05T01:00:00.000Z|x', open_jobs: { y: { status: 'QUEUED', created: '2026-02-20T00:00:00.000Z' } } }, '2026-01-01')).toBe('2026-02-20');
    expect(listingStart({ cursor: '2025-12-05T01:00:00.000Z|x' }, '2026-01-01')).toBe('2026-01-01');
  });
});
