/**
 * The crash test: the built fixture CLI (an Airbyte source on the job engine) is SIGKILLed at
 * seeded random points of a sync, 20+ times, each run resuming from the last STATE it managed to
 * emit, until a run completes. Whatever reached stdout is what a destination would have received:
 * after dedup by primary key it must be exactly the simulator's data, and no slice whose job id
 * reached a STATE may be launched again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runUntilKilled, writeSyncFiles, type RunOutcome } from './kill-run.js';
import type { FixtureConfig } from '../fixtures/job-source.js';
import { startJobSim, type JobSim } from '../fixtures/job-sim.js';
import { prng } from '../../src/sandbox/framework/prng.js';

const KILLS = 22;
const PARTITIONS = ['p1', 'p2', 'p3'];
const START = '2024-01-01';
const END = '2024-06-30'; // 26 Monday-to-Sunday weeks × 3 partitions = 78 slices
const EXPIRING = ['p2|2024-01-29..2024-02-04', 'p1|2024-03-11..2024-03-17', 'p3|2024-05-20..2024-05-26'];

describe('crash test: SIGKILL at random points, resume from the last STATE', () => {
  let sim: JobSim;
  let dir: string;

  beforeAll(async () => {
    const jitter = prng(7);
    const durations = new Map<string, number>();
    sim = await startJobSim({
      rowsPerDay: 20,
      // Jobs take 30–230 ms of vendor time, so kills land during launches, polls and downloads.
      // A few results expire before their first download: those slices are legitimately relaunched.
      behaviour: (key, attempt) => {
        if (!durations.has(key)) durations.set(key, 30 + Math.floor(jitter() * 200));
        return { durationMs: durations.get(key)!, resultGone: attempt === 1 && EXPIRING.includes(key) };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'jobtap-crash-'));
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`delivers exactly the source data after ${KILLS} kills, launching no slice twice`, { timeout: 120_000 }, async () => {
    const config: FixtureConfig = {
      base_url: sim.api.url,
      api_key: 'crash-test-secret',
      partitions: PARTITIONS,
      start_date: START,
      end_date: END,
      window: 'week',
      max_concurrent_jobs: 3,
      poll_interval_ms: 20,
      max_poll_interval_ms: 80,
      // Checkpoints inside results, so resumes also skip rows already emitted from a job.
      checkpoint_interval_records: 50,
    };
    const { configFile, catalogFile, stateFile } = writeSyncFiles(dir, config, ['events']);

    const seed = Number(process.env.CRASH_TEST_SEED ?? 20261123);
    const random = prng(seed);
    const delivered = new Map<string, number>();
    /** Job ids that reached a STATE message the "destination" received. */
    const announced = new Set<string>();
    let state: unknown[] | undefined;
    let kills = 0;
    let adoptions = 0;
    let midResultResumes = 0;
    let finished: RunOutcome | undefined;
    for (let run = 0; run < KILLS + 5 && !finished; run++) {
      const resumeState = state?.[0] as { stream: { stream_state: { inflight: Record<string, { emitted: number }> } } } | undefined;
      if (resumeState && Object.values(resumeState.stream.stream_state.inflight).some((j) => j.emitted > 0)) midResultResumes++;
      const args = ['read', '--config', configFile, '--catalog', catalogFile, ...(state ? ['--state', stateFile] : [])];
      const kill = run < KILLS ? (random() < 0.5 ? { afterLines: 1 + Math.floor(random() * 200) } : { afterMs: 150 + Math.floor(random() * 700) }) : {};
      const outcome = await runUntilKilled(args, kill);
      for (const m of outcome.messages) {
        if (m.type === 'RECORD') {
          const id = String((m.record as { data: { id: string } }).data.id);
          delivered.set(id, (delivered.get(id) ?? 0) + 1);
        } else if (m.type === 'LOG' && String((m.log as { message: string }).message).includes('launched by an interrupted sync')) {
          adoptions++;
        } else if (m.type === 'STATE') {
          const perStream = m.state as { stream: { stream_state: { inflight: Record<string, { jobId: string }> } } };
          for (const job of Object.values(perStream.stream.stream_state.inflight)) announced.add(job.jobId);
          // Each state must replace the previous one entirely, as a destination would.
          state = [perStream];
        }
      }
      if (state) writeFileSync(stateFile, JSON.stringify(state));
      if (process.env.CRASH_TEST_VERBOSE) console.info(`run ${run}: kill ${JSON.stringify(kill)} killed=${outcome.killed} lines=${outcome.messages.length}`);
      if (outcome.killed) kills++;
      else {
        expect(outcome.code, outcome.stderr + JSON.stringify(outcome.messages.filter((m) => m.type !== 'RECORD')).slice(0, 4000)).toBe(0);
        finished = outcome;
      }
    }

    expect(kills).toBeGreaterThanOrEqual(20);
    // The row-skipping path was exercised: some runs resumed a job part-way through its result.
    expect(midResultResumes).toBeGreaterThan(0);
    expect(finished).toBeDefined();
    const finalState = (state!.at(-1) as { stream: { stream_state: unknown } }).stream.stream_state;
    expect(finalState).toEqual({ partitions: Object.fromEntries(PARTITIONS.map((p) => [p, { cursor: END }])), inflight: {} });

    // Union after dedup by primary key == source data: nothing lost, nothing invented.
    const expected = sim.sourceRows(PARTITIONS, START, END).map((r) => r.id);
    expect([...delivered.keys()].sort()).toEqual(expected);

    // No slice launched twice once its job id had reached a STATE, unless its result expired.
    const relaunched = [...sim.jobs.values()].filter((j) => j.attempt > 1);
    const violations = relaunched.filter((j) => {
      const earlier = [...sim.jobs.values()].filter((e) => e.sliceKey === j.sliceKey && e.attempt < j.attempt);
      return earlier.some((e) => announced.has(e.id) && !e.behaviour.resultGone);
    });
    expect(violations.map((j) => j.sliceKey)).toEqual([]);
    const duplicates = [...delivered.values()].filter((n) => n > 1).length;
    console.info(
      `crash test (seed ${seed}): ${kills} kills, ${delivered.size} distinct records, ${duplicates} redelivered after a kill, ` +
        `${adoptions} jobs recovered from a launch mark, ${midResultResumes} resumes inside a result, ${relaunched.length} slices launched twice`,
    );
    // With launch marks, even a kill between the launch request and its STATE causes no second launch.
    expect(relaunched.map((j) => j.sliceKey).sort()).toEqual([...EXPIRING].sort());
    for (const key of EXPIRING) expect(sim.launches(key)).toBe(2);
  });
});
