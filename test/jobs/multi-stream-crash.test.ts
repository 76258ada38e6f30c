/**
 * Streams read together, killed at random points: three job streams of one account (sharing its
 * job slots) interleave their records and per-stream STATEs; the built fixture CLI is SIGKILLed at
 * seeded random points and resumed each time from the last STATE of every stream, until a run
 * completes. Nothing may be lost (the union after dedup is exactly the source data), no record a
 * STATE covered may come again, and no stream may ever hold more jobs than the account's slots.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../src/sandbox/framework/prng.js';
import type { FixtureConfig } from '../fixtures/job-source.js';
import { startJobSim, type JobSim } from '../fixtures/job-sim.js';
import { runUntilKilled, writeSyncFiles, type RunOutcome } from './kill-run.js';

const KILLS = 12;
const STREAMS: Record<string, string[]> = { events: ['p1', 'p2'], events_b: ['p3'], events_c: ['p4', 'p5'] };
const START = '2024-01-01';
const END = '2024-06-30';
const SLOTS = 3;

type Json = Record<string, unknown>;

describe('streams read together survive SIGKILL at random points', () => {
  let sim: JobSim;
  let dir: string;

  beforeAll(async () => {
    const jitter = prng(11);
    const durations = new Map<string, number>();
    sim = await startJobSim({
      rowsPerDay: 15,
      behaviour: (key) => {
        if (!durations.has(key)) durations.set(key, 30 + Math.floor(jitter() * 150));
        return { durationMs: durations.get(key)! };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'jobtap-multi-crash-'));
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`delivers every stream's data exactly after ${KILLS} kills; no covered record repeats; slots are never exceeded`, { timeout: 120_000 }, async () => {
    const [first, ...more] = Object.entries(STREAMS);
    const config: FixtureConfig = {
      base_url: sim.api.url,
      api_key: 'multi-crash-secret',
      partitions: first![1],
      more_streams: more.map(([name, partitions]) => ({ name, partitions })),
      start_date: START,
      end_date: END,
      window: 'week',
      max_concurrent_jobs: SLOTS,
      poll_interval_ms: 20,
      max_poll_interval_ms: 80,
      checkpoint_interval_records: 40,
    };
    const { configFile, catalogFile, stateFile } = writeSyncFiles(dir, config, Object.keys(STREAMS));

    const random = prng(Number(process.env.CRASH_TEST_SEED ?? 20261202));
    const delivered = new Map<string, number>();
    /** Records a STATE of their stream covered: the destination has them for good. */
    const covered = new Set<string>();
    const repeatedAfterCover: string[] = [];
    const states = new Map<string, Json>();
    let interleavedRuns = 0;
    let kills = 0;
    let finished: RunOutcome | undefined;
    for (let run = 0; run < KILLS + 5 && !finished; run++) {
      const args = ['read', '--config', configFile, '--catalog', catalogFile, ...(states.size > 0 ? ['--state', stateFile] : [])];
      const kill = run < KILLS ? (random() < 0.5 ? { afterLines: 20 + Math.floor(random() * 300) } : { afterMs: 200 + Math.floor(random() * 600) }) : {};
      const outcome = await runUntilKilled(args, kill);
      const pending = new Map<string, string[]>();
      const recordStreams: string[] = [];
      for (const m of outcome.messages) {
        if (m.type === 'RECORD') {
          const record = m.record as { stream: string; data: { id: string } };
          const id = `${record.stream}|${record.data.id}`;
          if (covered.has(id)) repeatedAfterCover.push(id);
          delivered.set(id, (delivered.get(id) ?? 0) + 1);
          pending.set(record.stream, [...(pending.get(record.stream) ?? []), id]);
          if (recordStreams.at(-1) !== record.stream) recordStreams.push(record.stream);
        } else if (m.type === 'STATE') {
          const perStream = m.state as { stream: { stream_descriptor: { name: string } } };
          const name = perStream.stream.stream_descriptor.name;
          // The STATE covers every record of its stream delivered before it.
          for (const id of pending.get(name) ?? []) covered.add(id);
          pending.delete(name);
          states.set(name, perStream);
        }
      }
      if (new Set(recordStreams).size > 1 && recordStreams.length > new Set(recordStreams).size) interleavedRuns++;
      if (states.size > 0) writeFileSync(stateFile, JSON.stringify([...states.values()]));
      if (outcome.killed) kills++;
      else {
        expect(outcome.code, outcome.stderr).toBe(0);
        finished = outcome;
      }
    }

    // A run may finish before its kill lands (little work left); most runs are killed.
    expect(kills).toBeGreaterThanOrEqual(KILLS / 2);
    expect(finished).toBeDefined();
    // Records of the streams really interleaved (not one stream after the other).
    expect(interleavedRuns).toBeGreaterThan(0);
    // Nothing lost, nothing invented: every stream's source rows, after dedup by key.
    for (const [name, partitions] of Object.entries(STREAMS)) {
      const got = [...delivered.keys()].filter((k) => k.startsWith(`${name}|`)).map((k) => k.slice(name.length + 1)).sort();
      expect(got).toEqual(sim.sourceRows(partitions, START, END).map((r) => r.id));
    }
    // A record a STATE covered never came again.
    expect(repeatedAfterCover).toEqual([]);
    // The account's slots held across streams: never more jobs at work than slots.
    const jobs = [...sim.jobs.values()];
    const events = jobs.flatMap((j) => [
      { at: j.createdAt, d: 1 },
      { at: j.createdAt + (j.behaviour.durationMs ?? 0), d: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.d - b.d);
    let running = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (running += e.d));
    expect(peak).toBeLessThanOrEqual(SLOTS);
    expect(peak).toBeGreaterThan(1);
    console.info(`multi-stream crash test: ${kills} kills, ${delivered.size} distinct records, ${covered.size} covered by a STATE, ${interleavedRuns} runs with interleaved streams, peak ${peak} jobs running`);
  });
});
