import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests spawn the built CLI and local simulators and mostly wait (sandbox clocks, child
    // processes): three files at a time keep a 2-core machine busy without starving the time-driven
    // tests (measured: 3 min 55 s with two at a time, 2 min 57 s with three; 3 min 36 s with one core
    // taken by another process).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
