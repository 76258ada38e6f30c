/**
 * Ends every vitest run with one plain closing line, `tests: N passed, N failed[, N skipped]`, that
 * CI tooling which does not know vitest's own summary format can read.
 */
import type { Reporter } from 'vitest/reporters';

interface TaskLike {
  type?: string;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

function count(tasks: readonly TaskLike[], totals: { passed: number; failed: number; skipped: number }): void {
  for (const task of tasks) {
    if (task.tasks) {
      count(task.tasks, totals);
      continue;
    }
    if (task.type !== 'test') continue;
    const state = task.result?.state;
    if (state === 'pass') totals.passed++;
    else if (state === 'fail') totals.failed++;
    else totals.skipped++;
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: readonly TaskLike[] = [], errors: readonly unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    // A file that failed to load has no tests; count it so the line never reads as all green.
    const failed = totals.failed + files.filter((f) => f.result?.state === 'fail' && !f.tasks?.length).length + errors.length;
    process.stdout.write(`\ntests: ${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
  }
}
