import { describe, expect, it } from 'vitest';
import { JobProgress } from './progress.js';

function setup() {
  const lines: string[] = [];
  let now = 0;
  const logger = { debug: () => undefined, info: (m: string) => void lines.push(m), warn: () => undefined, error: () => undefined };
  const progress = new JobProgress(logger, 'job 7', 10_000, () => now);
  return { lines, progress, advance: (ms: number) => (now += ms) };
}

describe('JobProgress', () => {
  it('logs a status on change, and an unchanged status at most every interval', () => {
    const { lines, progress, advance } = setup();
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 10 });
    advance(1_000);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 20 });
    advance(9_500);
    progress.status({ state: 'running', vendorStatus: 'Running', percentComplete: 55.4 });
    progress.status({ state: 'completed', vendorStatus: 'Completed', percentComplete: 100 });
    expect(lines).toEqual(['job 7: Running 10%', 'job 7: Running 55%', 'job 7: Completed 100%']);
  });

  it('reports bytes and records per second at most every interval, and at the end', () => {
    const { lines, progress, advance } = setup();
    progress.bytes = 5_000;
    progress.records = 100;
    advance(5_000);
    progress.transfer();
    expect(lines).toEqual([]);
    advance(5_000);
    progress.records = 2_000;
    progress.transfer();
    advance(10_000);
    progress.done();
    expect(lines).toEqual([
      'job 7: 5000 bytes downloaded, 2000 records emitted (200 records/s)',
      'job 7: done, 5000 bytes downloaded, 2000 records emitted (100 records/s)',
    ]);
  });
});
