import { describe, expect, it } from 'vitest';
import { readJobStreamState } from './state.js';

function logger() {
  const warnings: string[] = [];
  return { warnings, debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
}

describe('readJobStreamState', () => {
  it('is undefined for a first sync', () => {
    expect(readJobStreamState(undefined, logger())).toBeUndefined();
  });

  it('keeps valid partitions, in-flight jobs, launch marks and unknown keys', () => {
    const state = {
      partitions: { a: { cursor: '2024-01-07' } },
      inflight: { 'a|w2': { jobId: '9', launchedAt: '2024-01-08T00:00:00.000Z', emitted: 12 } },
      launching: { 'a|w3': '2024-01-08T00:00:01.000Z' },
      vendorNote: 'kept',
    };
    expect(readJobStreamState(state, logger())).toEqual(state);
  });

  it('drops what it cannot trust, saying so, and repairs a bad emitted count to 0', () => {
    const log = logger();
    const read = readJobStreamState(
      {
        partitions: { a: { cursor: 5 }, b: { cursor: '2024-01-01' } },
        inflight: { x: { jobId: '', launchedAt: 'now' }, y: { jobId: '3', launchedAt: '2024-01-01T00:00:00Z', emitted: -4 } },
        launching: { z: 'not a date' },
      },
      log,
    );
    expect(read).toEqual({ partitions: { b: { cursor: '2024-01-01' } }, inflight: { y: { jobId: '3', launchedAt: '2024-01-01T00:00:00Z', emitted: 0 } } });
    expect(log.warnings).toHaveLength(3);
  });

  it('treats a missing partitions/inflight as empty', () => {
    expect(readJobStreamState({ cursor: 'legacy' }, logger())).toEqual({ cursor: 'legacy', partitions: {}, inflight: {} });
  });
});
