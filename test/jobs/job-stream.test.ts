/**
 * The job engine against the generic job simulator: every fault ends in the exact record set or
 * in a classified error whose state resumes without loss or duplicates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, SystemError, TransientError, failureTypeOf } from '../../src/core/errors.js';
import type { Row, StreamState } from '../../src/core/source.js';
import { createFaultInjector, type FaultRule } from '../../src/sandbox/framework/faults.js';
import { createEventsStream, type FixtureConfig } from '../fixtures/job-source.js';
import { startJobSim, type JobBehaviour, type JobParamsWire, type JobSim } from '../fixtures/job-sim.js';
import { captureLogger, drive, idsOf } from './helpers.js';
import { parseResult } from '../../src/formats/index.js';
import { JobScheduler } from '../../src/jobs/scheduler.js';

const PARTITIONS = ['alpha', 'beta'];
const START = '2024-01-01';
const END = '2024-01-21'; // three Monday-to-Sunday weeks
const SLICE_KEYS = ['alpha', 'beta'].flatMap((p) => ['2024-01-01..2024-01-07', '2024-01-08..2024-01-14', '2024-01-15..2024-01-21'].map((w) => `${p}|${w}`));

let sims: JobSim[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function sim(
  behaviour?: (key: string, attempt: number, params: JobParamsWire) => JobBehaviour,
  rules: FaultRule[] = [],
  rowsPerDay = 3,
  fileRules: FaultRule[] = [],
) {
  const faults = createFaultInjector(rules);
  const fileFaults = createFaultInjector(fileRules);
  const s = await startJobSim({ behaviour, rowsPerDay, interceptors: [faults.interceptor], fileInterceptors: [fileFaults.interceptor] });
  sims.push(s);
  return { sim: s, hits: faults.hits, fileHits: fileFaults.hits };
}

function config(s: JobSim, extra: Partial<FixtureConfig> = {}): FixtureConfig {
  return { base_url: s.api.url, api_key: 'fixture-secret-key', partitions: PARTITIONS, start_date: START, end_date: END, window: 'week', http_max_retries: 4, ...extra };
}

function expectExactSet(s: JobSim, records: Row[], partitions = PARTITIONS, start = START, end = END): void {
  const ids = idsOf(records);
  expect(new Set(ids).size).toBe(ids.length); // no duplicates
  expect([...ids].sort()).toEqual(s.sourceRows(partitions, start, end).map((r) => r.id));
}

function expectOneLaunchPerSlice(s: JobSim): void {
  for (const key of SLICE_KEYS) expect(s.launches(key), key).toBe(1);
}

/** Slice order: week by week, partitions in config order; rows in file order. */
function expectedOrder(s: JobSim): string[] {
  const weeks = [['2024-01-01', '2024-01-07'], ['2024-01-08', '2024-01-14'], ['2024-01-15', '2024-01-21']] as const;
  return weeks.flatMap(([a, b]) => PARTITIONS.flatMap((p) => s.sourceRows([p], a, b).map((r) => r.id)));
}

describe('createJobStream: the happy path', () => {
  it('emits every row once, in slice order, and ends with every partition at its last window', async () => {
    const { sim: s } = await sim(() => ({ durationMs: 30 }));
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(idsOf(r.records)).toEqual(expectedOrder(s));
    expectOneLaunchPerSlice(s);
    expect(r.lastState).toEqual({ partitions: { alpha: { cursor: END }, beta: { cursor: END } }, inflight: {} });
  });

  it('writes each job id to state before the job is first polled', async () => {
    const { sim: s } = await sim(() => ({ durationMs: 30 }));
    const announcedAt = new Map<string, number>();
    await drive(createEventsStream(config(s), captureLogger()), {
      onEvent: (kind, state) => {
        if (kind !== 'state') return;
        for (const job of Object.values((state as { inflight: Record<string, { jobId: string }> }).inflight)) {
          if (!announcedAt.has(job.jobId)) announcedAt.set(job.jobId, s.api.requests.length);
        }
      },
    });
    expect(announcedAt.size).toBe(6);
    for (const [jobId, requestCount] of announcedAt) {
      const polls = s.api.requests.slice(0, requestCount).filter((q) => q.method === 'GET' && q.path.startsWith(`/jobs/${jobId}`));
      expect(polls, jobId).toHaveLength(0);
    }
  });

  it('checkpoints inside a result cover exactly the rows yielded so far', async () => {
    const { sim: s } = await sim(undefined, [], 10);
    const stream = createEventsStream(config(s, { partitions: ['alpha'], end_date: '2024-01-07' }), captureLogger());
    let seen = 0;
    for await (const ev of stream.read({ syncMode: 'incremental', state: undefined, logger: captureLogger(), signal: new AbortController().signal })) {
      if (ev.type !== 'records') continue;
      seen += ev.records.length;
      const cp = stream.checkpoint!() as { inflight: Record<string, { emitted: number }> };
      expect(cp.inflight['alpha|2024-01-01..2024-01-07']!.emitted).toBe(seen);
    }
    expect(seen).toBe(70);
  });

  it('keeps at most maxConcurrentJobs jobs open and launches ahead up to that limit', async () => {
    for (const limit of [1, 2, 3]) {
      const { sim: s } = await sim(() => ({ durationMs: 60 }));
      const r = await drive(createEventsStream(config(s, { max_concurrent_jobs: limit }), captureLogger()));
      expect(r.error).toBeUndefined();
      expect(s.maxOpenJobs()).toBe(limit);
      expect(idsOf(r.records)).toEqual(expectedOrder(s));
    }
  });

  it('continues incrementally from the partition cursors with a lookback', async () => {
    const { sim: s } = await sim();
    const state = { partitions: { alpha: { cursor: '2024-01-14' }, beta: { cursor: '2024-01-07' } }, inflight: {} };
    const r = await drive(createEventsStream(config(s, { window: 'month', lookback_days: 1 }), captureLogger()), { state });
    expect(r.error).toBeUndefined();
    expect([...idsOf(r.records)].sort()).toEqual(
      [...s.sourceRows(['alpha'], '2024-01-14', END), ...s.sourceRows(['beta'], '2024-01-07', END)].map((x) => x.id).sort(),
    );
  });
});

describe('createJobStream: HTTP faults', () => {
  it('N×429 with Retry-After on polls and launches: exact records, waits honoured', async () => {
    const { sim: s, hits } = await sim(undefined, [
      { id: 'poll429', method: 'GET', path: /^\/jobs\/[^/]+$/, times: 2, action: { kind: 'status', status: 429, retryAfterSeconds: 1 } },
      { id: 'launch429', method: 'POST', path: /^\/jobs$/, skip: 2, times: 1, action: { kind: 'status', status: 429, retryAfterSeconds: 1, retryAfterAsDate: true } },
    ]);
    const started = Date.now();
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(hits('poll429')).toBe(2);
    expect(hits('launch429')).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expectOneLaunchPerSlice(s);
  });

  it('500/502/503 bursts on every endpoint: exact records', async () => {
    const { sim: s } = await sim(undefined, [
      { id: 'launch500', method: 'POST', path: /^\/jobs$/, every: 3, action: { kind: 'status', status: 500 } },
      { id: 'poll502', method: 'GET', path: /^\/jobs\/[^/]+$/, every: 2, action: { kind: 'status', status: 502 } },
      { id: 'result503', method: 'GET', path: /\/result$/, every: 2, action: { kind: 'status', status: 503 } },
    ]);
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
  });

  it('connection reset mid-body: re-downloads, skips what was emitted, no duplicates', async () => {
    const { sim: s, hits } = await sim(undefined, [{ id: 'cut', path: /\/result$/, skip: 1, times: 2, action: { kind: 'reset_mid_body', fraction: 0.6 } }], 20);
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s), logger), { logger });
    expect(r.error).toBeUndefined();
    expect(hits('cut')).toBe(2);
    expectExactSet(s, r.records);
    expect(idsOf(r.records)).toEqual(expectedOrder(s));
    // Rows had been emitted before the cut, so the skip on re-download is what kept the set exact.
    expect(logger.lines.some((l) => /broke off after [1-9]\d* rows/.test(l))).toBe(true);
    expectOneLaunchPerSlice(s);
  });

  it('truncated body with a correct Content-Length: detected, re-downloaded, no duplicates', async () => {
    const { sim: s, hits } = await sim(undefined, [{ id: 'short', path: /\/result$/, every: 2, action: { kind: 'truncate', fraction: 0.5 } }], 20);
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expect(hits('short')).toBeGreaterThanOrEqual(3);
    expectExactSet(s, r.records);
    expectOneLaunchPerSlice(s);
  });

  it('slow body past the idle timeout: re-downloaded, exact records', async () => {
    const { sim: s, hits } = await sim(undefined, [{ id: 'slow', path: /\/result$/, times: 1, action: { kind: 'slow_body', chunkBytes: 200, delayMs: 700 } }], 20);
    const r = await drive(createEventsStream(config(s, { http_timeout_ms: 300 }), captureLogger()));
    expect(r.error).toBeUndefined();
    expect(hits('slow')).toBe(1);
    expectExactSet(s, r.records);
  });

  it('connection reset inside status responses: polled again, exact records', async () => {
    const { sim: s, hits } = await sim(undefined, [{ id: 'cut', method: 'GET', path: /^\/jobs\/[^/]+$/, every: 3, action: { kind: 'reset_mid_body', afterBytes: 5 } }]);
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expect(hits('cut')).toBeGreaterThan(0);
    expectExactSet(s, r.records);
    expectOneLaunchPerSlice(s);
  });

  it('launch response lost (reset after the job was created): the engine finds the job instead of failing or relaunching', async () => {
    const { sim: s, hits } = await sim(undefined, [{ id: 'lost', method: 'POST', path: /^\/jobs$/, skip: 2, times: 1, action: { kind: 'reset_mid_body', afterBytes: 3 } }]);
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s), logger), { logger });
    expect(hits('lost')).toBe(1);
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expectOneLaunchPerSlice(s);
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('using that job'))).toBe(true);
  });

  it('launch lost and the job listing down too: transient error, a launch mark in state, resume adopts the job', async () => {
    const { sim: s } = await sim(undefined, [
      { id: 'lost', method: 'POST', path: /^\/jobs$/, skip: 2, times: 1, action: { kind: 'reset_mid_body', afterBytes: 3 } },
      { id: 'list', method: 'GET', path: /^\/jobs$/, times: 5, action: { kind: 'status', status: 503 } },
    ]);
    const cfg = config(s);
    const first = await drive(createEventsStream(cfg, captureLogger()));
    expect(failureTypeOf(first.error)).toBe('transient_error');
    expect((first.error as Error).message).toMatch(/POST .*\/jobs/);
    expect(Object.keys((first.lastState as { launching?: object }).launching ?? {})).toHaveLength(1);
    const second = await drive(createEventsStream(cfg, captureLogger()), { state: first.lastState });
    expect(second.error).toBeUndefined();
    expectExactSet(s, [...first.records, ...second.records]);
    expectOneLaunchPerSlice(s);
  });

  it('download retries exhausted: transient error with a state that resumes without loss or duplicates', async () => {
    let networkBroken = true;
    const { sim: s } = await sim(
      undefined,
      [{ id: 'short', path: /\/result$/, skip: 1, every: 1, when: () => networkBroken, action: { kind: 'truncate', fraction: 0.5 } }],
      20,
    );
    const cfg = config(s, { download_retries: 2, max_concurrent_jobs: 1 });
    const first = await drive(createEventsStream(cfg, captureLogger()));
    expect(first.error).toBeInstanceOf(TransientError);
    const state = first.lastState as { inflight: Record<string, { emitted: number }> };
    const inflight = Object.entries(state.inflight);
    expect(inflight).toHaveLength(1);
    expect(inflight[0]![1].emitted).toBeGreaterThan(0);

    networkBroken = false;
    const second = await drive(createEventsStream(cfg, captureLogger()), { state: first.lastState });
    expect(second.error).toBeUndefined();
    expectExactSet(s, [...first.records, ...second.records]);
    // The slice whose job was in flight was not launched again.
    expectOneLaunchPerSlice(s);
  });
});

describe('createJobStream with the real result parser (parseResult)', () => {
  it('emits the exact record set', async () => {
    const { sim: s } = await sim(undefined, [], 20);
    const r = await drive(createEventsStream(config(s), captureLogger(), parseResult));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(idsOf(r.records)).toEqual(expectedOrder(s));
  });

  it('never parses a truncated or reset body as a short file: re-downloads, exact set', async () => {
    const { sim: s, hits } = await sim(
      undefined,
      [
        { id: 'short', path: /\/result$/, every: 3, action: { kind: 'truncate', fraction: 0.5 } },
        { id: 'reset', path: /\/result$/, skip: 1, every: 3, action: { kind: 'reset_mid_body', fraction: 0.3 } },
      ],
      200,
    );
    const r = await drive(createEventsStream(config(s), captureLogger(), parseResult));
    expect(r.error).toBeUndefined();
    expect(hits('short') + hits('reset')).toBeGreaterThanOrEqual(4);
    expectExactSet(s, r.records);
    expectOneLaunchPerSlice(s);
  });
});

describe('createJobStream: job lifecycle faults', () => {
  it('job stuck in running: timeout, DELETE, relaunch, exact records', async () => {
    const stuckKey = 'beta|2024-01-08..2024-01-14';
    const { sim: s } = await sim((key, attempt) => (key === stuckKey && attempt === 1 ? { stuck: true } : {}));
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s, { job_timeout_ms: 300 }), logger), { logger });
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.launches(stuckKey)).toBe(2);
    const stuckJob = [...s.jobs.values()].find((j) => j.sliceKey === stuckKey && j.attempt === 1)!;
    expect(s.api.requests.some((q) => q.method === 'DELETE' && q.path === `/jobs/${stuckJob.id}`)).toBe(true);
    expect(logger.lines.some((l) => l.includes('running 42%'))).toBe(true);
  });

  it('job stuck forever: TransientError after maxAttempts, each attempt cancelled, resumable state', async () => {
    const stuckKey = 'alpha|2024-01-08..2024-01-14';
    const { sim: s } = await sim((key) => (key === stuckKey ? { stuck: true } : {}));
    const r = await drive(createEventsStream(config(s, { job_timeout_ms: 200, max_attempts: 2, max_concurrent_jobs: 1 }), captureLogger()));
    expect(r.error).toBeInstanceOf(TransientError);
    expect((r.error as Error).message).toMatch(/did not finish within 200 ms; giving up after 2 attempt/);
    expect(s.launches(stuckKey)).toBe(2);
    expect(s.api.requests.filter((q) => q.method === 'DELETE')).toHaveLength(2);
    // Everything before the stuck slice is covered by the state.
    expect((r.lastState as { partitions: Record<string, unknown> }).partitions).toEqual({ alpha: { cursor: '2024-01-07' }, beta: { cursor: '2024-01-07' } });
    expectExactSet(s, r.records, PARTITIONS, START, '2024-01-07');
  });

  it('job done but its result never ready: the job timeout still applies, then a relaunch', async () => {
    const key = 'alpha|2024-01-01..2024-01-07';
    const { sim: s } = await sim((k, attempt) => (k === key && attempt === 1 ? { resultNeverReady: true } : {}));
    const r = await drive(createEventsStream(config(s, { job_timeout_ms: 300 }), captureLogger()));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.launches(key)).toBe(2);
  });

  it('job that fails with a request error: ConfigError with the vendor message, no relaunch', async () => {
    const { sim: s } = await sim((key) => (key.startsWith('beta|2024-01-01') ? { fail: { code: 'invalid_request', message: 'Invalid partition beta' } } : {}));
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeInstanceOf(ConfigError);
    expect((r.error as Error).message).toContain('Invalid partition beta');
    expect(s.launches('beta|2024-01-01..2024-01-07')).toBe(1);
    // The failed job is out of the state, so the next sync (config fixed) launches a fresh one.
    expect((r.lastState as { inflight: object }).inflight).not.toHaveProperty('beta|2024-01-01..2024-01-07');
  });

  it('job that fails transiently once: relaunched, exact records', async () => {
    const { sim: s } = await sim((key, attempt) => (key === 'alpha|2024-01-15..2024-01-21' && attempt === 1 ? { fail: { code: 'server', message: 'worker lost' } } : {}));
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.launches('alpha|2024-01-15..2024-01-21')).toBe(2);
  });

  it('job that keeps failing transiently: TransientError after maxAttempts', async () => {
    const { sim: s } = await sim((key) => (key === 'alpha|2024-01-01..2024-01-07' ? { fail: { code: 'server', message: 'worker lost' } } : {}));
    const r = await drive(createEventsStream(config(s, { max_attempts: 3 }), captureLogger()));
    expect(r.error).toBeInstanceOf(TransientError);
    expect((r.error as Error).message).toContain('worker lost');
    expect(s.launches('alpha|2024-01-01..2024-01-07')).toBe(3);
  });

  it('capacity refusals are relaunched after a backoff without using up attempts', async () => {
    const key = 'alpha|2024-01-01..2024-01-07';
    const { sim: s } = await sim((k, attempt) => (k === key && attempt <= 2 ? { fail: { code: 'capacity', message: 'too many jobs' } } : {}));
    const r = await drive(createEventsStream(config(s, { max_attempts: 1 }), captureLogger()));
    expect(r.error).toBeUndefined();
    expect(s.launches(key)).toBe(3);
    expectExactSet(s, r.records);
  });

  it('results that expire (status expired, or 410 on download): relaunched, no loss', async () => {
    const { sim: s } = await sim((key, attempt) => {
      if (attempt > 1) return {};
      if (key === 'alpha|2024-01-08..2024-01-14') return { expired: true };
      if (key === 'beta|2024-01-15..2024-01-21') return { resultGone: true };
      return {};
    });
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s), logger), { logger });
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.launches('alpha|2024-01-08..2024-01-14')).toBe(2);
    expect(s.launches('beta|2024-01-15..2024-01-21')).toBe(2);
    expect(logger.lines.filter((l) => l.startsWith('warn') && l.includes('expired'))).toHaveLength(2);
  });

  it('a result older than the retention is relaunched on resume, emitted reset with a warning', async () => {
    const { sim: s } = await sim();
    const key = 'alpha|2024-01-01..2024-01-07';
    const state = { partitions: {}, inflight: { [key]: { jobId: 'job-old', launchedAt: '2020-01-01T00:00:00.000Z', emitted: 5 } } };
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s, { result_retention_ms: 3_600_000 }), logger), { state, logger });
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.launches(key)).toBe(1);
    expect(s.api.requests.some((q) => q.path.startsWith('/jobs/job-old'))).toBe(false);
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('retention'))).toBe(true);
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('5 records of job job-old'))).toBe(true);
  });

  it('unknown vendor status: a clear SystemError from the adapter, not a hang', async () => {
    const { sim: s } = await sim((key) => (key.startsWith('alpha|2024-01-01') ? { weirdStatus: 'REVIEW_PENDING' } : {}));
    const started = Date.now();
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeInstanceOf(SystemError);
    expect((r.error as Error).message).toContain('"REVIEW_PENDING"');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('redirect to a second host: the file host never sees the Authorization header', async () => {
    const { sim: s } = await sim(() => ({ redirect: true }));
    const r = await drive(createEventsStream(config(s), captureLogger()));
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.files.requests).toHaveLength(6);
    for (const q of s.files.requests) expect(q.headers.authorization).toBeUndefined();
    for (const q of s.api.requests) expect(q.headers.authorization).toBe('Bearer fixture-secret-key');
  });
});

describe('createJobStream: resume', () => {
  it('resumes from a state with an in-flight job: no second launch, no loss, no duplicates', async () => {
    const { sim: s } = await sim(undefined, [], 10);
    const cfg = config(s, { max_concurrent_jobs: 3 });
    const first = await drive(createEventsStream(cfg, captureLogger()), { stopAfterRecords: 100 });
    const state = first.lastState as { inflight: Record<string, { jobId: string; emitted: number }> };
    expect(Object.keys(state.inflight).length).toBeGreaterThan(0);
    const second = await drive(createEventsStream(cfg, captureLogger()), { state: first.lastState });
    expect(second.error).toBeUndefined();
    expectExactSet(s, [...first.records, ...second.records]);
    expectOneLaunchPerSlice(s);
  });

  it('a resumed job that failed is relaunched even with maxAttempts 1 (attempts count this sync\'s launches)', async () => {
    const key = 'alpha|2024-01-01..2024-01-07';
    const { sim: s } = await sim((k, attempt) => (k === key && attempt === 1 ? { fail: { code: 'server', message: 'node died' } } : {}));
    const launched = await fetch(`${s.api.url}/jobs`, { method: 'POST', body: JSON.stringify({ partition: 'alpha', start: '2024-01-01', end: '2024-01-07' }) });
    const { id } = (await launched.json()) as { id: string };
    const state = { partitions: {}, inflight: { [key]: { jobId: id, launchedAt: new Date().toISOString(), emitted: 0 } } };
    const r = await drive(createEventsStream(config(s, { max_attempts: 1 }), captureLogger()), { state });
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expect(s.launches(key)).toBe(2);
  });

  it('adopts the job named by a slice (adoptJobId) instead of launching', async () => {
    const { sim: s } = await sim();
    // Launch a job by hand, as if the vendor listed it as already run.
    const launched = await fetch(`${s.api.url}/jobs`, { method: 'POST', body: JSON.stringify({ partition: 'alpha', start: '2024-01-01', end: '2024-01-07' }) });
    const { id } = (await launched.json()) as { id: string };
    const { createJobStream } = await import('../../src/jobs/job-stream.js');
    const { FixtureJobAdapter, parseSimpleCsv } = await import('../fixtures/job-source.js');
    const { HttpClient } = await import('../../src/http/client.js');
    const stream = createJobStream({
      info: { name: 'adopted', jsonSchema: {}, supportedSyncModes: ['full_refresh'] },
      adapter: new FixtureJobAdapter(new HttpClient({ baseUrl: s.api.url, logger: captureLogger() })),
      planSlices: () => [{ key: 'only', partition: 'alpha', cursor: '2024-01-07', params: { partition: 'alpha', start: '2024-01-01', end: '2024-01-07' }, parse: { format: 'csv' }, adoptJobId: id }],
      toRecords: (rows) => rows,
      parse: parseSimpleCsv,
      engine: { maxConcurrentJobs: 1, pollIntervalMs: 10, maxPollIntervalMs: 50, jobTimeoutMs: 5_000, maxAttempts: 2, downloadRetries: 1 },
    });
    const r = await drive(stream);
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records, ['alpha'], '2024-01-01', '2024-01-07');
    expect(s.launches('alpha|2024-01-01..2024-01-07')).toBe(1);
  });

  it('a launch mark left by a crash before the job id reached state: adopts the job the vendor lists', async () => {
    const { sim: s } = await sim();
    const key = 'alpha|2024-01-01..2024-01-07';
    const mark = new Date(Date.now() - 1_000).toISOString();
    await fetch(`${s.api.url}/jobs`, { method: 'POST', body: JSON.stringify({ partition: 'alpha', start: '2024-01-01', end: '2024-01-07' }) });
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s), logger), { state: { partitions: {}, inflight: {}, launching: { [key]: mark } }, logger });
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expectOneLaunchPerSlice(s);
    expect(logger.lines.some((l) => l.includes('adopting job'))).toBe(true);
    expect(r.lastState).toEqual({ partitions: { alpha: { cursor: END }, beta: { cursor: END } }, inflight: {} });
  });

  it('a launch mark with no job behind it: launches once, normally', async () => {
    const { sim: s } = await sim();
    const key = 'beta|2024-01-15..2024-01-21';
    const r = await drive(createEventsStream(config(s), captureLogger()), { state: { partitions: {}, inflight: {}, launching: { [key]: new Date().toISOString() } } });
    expect(r.error).toBeUndefined();
    expectExactSet(s, r.records);
    expectOneLaunchPerSlice(s);
  });

  it('every launch is preceded by a state holding its launch mark', async () => {
    const { sim: s } = await sim();
    const marks: string[] = [];
    await drive(createEventsStream(config(s), captureLogger()), {
      onEvent: (kind, state) => {
        if (kind === 'state') marks.push(...Object.keys((state as { launching?: object }).launching ?? {}));
      },
    });
    expect([...new Set(marks)].sort()).toEqual([...SLICE_KEYS].sort());
  });

  it('drops in-flight jobs of slices that are no longer planned, and says so', async () => {
    const { sim: s } = await sim();
    const state: StreamState = { partitions: {}, inflight: { 'gamma|2023-01-01..2023-01-07': { jobId: 'job-x', launchedAt: new Date().toISOString(), emitted: 0 } } };
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s), logger), { state, logger });
    expect(r.error).toBeUndefined();
    expect(logger.lines.some((l) => l.includes('dropping job job-x'))).toBe(true);
    expect((r.lastState as { inflight: object }).inflight).toEqual({});
  });

  it('on abort, leaves the jobs it launched running and in state, so the next sync reads them', async () => {
    const { sim: s } = await sim(() => ({ durationMs: 60_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new TransientError('sync interrupted')), 300);
    const logger = captureLogger();
    const r = await drive(createEventsStream(config(s, { max_concurrent_jobs: 2 }), logger), { signal: controller.signal, logger });
    expect((r.error as Error).message).toBe('sync interrupted');
    expect(s.api.requests.filter((q) => q.method === 'DELETE')).toHaveLength(0);
    expect(Object.values((r.lastState as { inflight: Record<string, { jobId: string }> }).inflight).map((j) => j.jobId).sort()).toEqual([...s.jobs.keys()].sort());
    expect(logger.lines.some((l) => l.includes('leaving 2 job(s) running on the vendor'))).toBe(true);
  });

  it('a stop that comes while the stream is paused (its consumer waits for stdout) still cancels with cancel_jobs_on_stop', async () => {
    const { sim: s } = await sim(() => ({ durationMs: 60_000 }));
    const controller = new AbortController();
    const stream = createEventsStream(config(s, { max_concurrent_jobs: 2, cancel_jobs_on_stop: true }), captureLogger());
    const events = stream.read({ syncMode: 'incremental', state: undefined, logger: captureLogger(), signal: controller.signal })[Symbol.asyncIterator]();
    // Pull until a state names a launched job, then stop pulling (as the read loop does while stdout drains).
    for (;;) {
      const next = await events.next();
      if (next.done) throw new Error('the stream ended before launching');
      if (next.value.type === 'state' && Object.keys((next.value.state as { inflight: object }).inflight).length > 0) break;
    }
    controller.abort(new TransientError('sync interrupted'));
    await events.return?.(undefined);
    expect(s.api.requests.filter((q) => q.method === 'DELETE').length).toBeGreaterThan(0);
  });

  it("a stream that fails with a job still running keeps that job's slot until the job ends: max_concurrent_jobs holds across streams", async () => {
    // events: alpha's first job fails at once, beta's first job runs 1.5 s (in flight when events fails);
    // other: six short jobs, three at once when its head is done, if events' slots were let go.
    const { sim: s } = await sim((key) => {
      if (key.startsWith('alpha|2024-01-01')) return { fail: { code: 'invalid_request', message: 'bad partition' } };
      if (key.startsWith('beta|2024-01-01')) return { durationMs: 1_500 };
      return { durationMs: 300 };
    });
    const cfg = config(s, { max_concurrent_jobs: 3, max_poll_interval_ms: 50 });
    const scheduler = new JobScheduler({ maxConcurrentJobs: 3 });
    const events = createEventsStream(cfg, captureLogger(), undefined, { name: 'events', partitions: ['alpha', 'beta'], scheduler });
    const other = createEventsStream(cfg, captureLogger(), undefined, { name: 'other', partitions: ['gamma', 'delta'], scheduler });
    const [e, o] = await Promise.all([drive(events), drive(other)]);
    expect(e.error).toBeInstanceOf(ConfigError);
    expect(o.error).toBeUndefined();
    expectExactSet(s, o.records, ['gamma', 'delta']);
    // The failed stream's running job stays in its state for the next sync.
    const left = Object.keys((e.lastState as { inflight: Record<string, unknown> }).inflight);
    expect(left).toEqual(['beta|2024-01-01..2024-01-07']);
    // Jobs running on the vendor at each launch (a failed job stops at once): never more than 3.
    const jobs = [...s.jobs.values()];
    const runningAt = (t: number): number =>
      jobs.filter((j) => j.createdAt <= t && (j.behaviour.fail !== undefined ? j.createdAt === t : t < j.createdAt + (j.behaviour.durationMs ?? 0))).length;
    expect(Math.max(...jobs.map((j) => runningAt(j.createdAt)))).toBeLessThanOrEqual(3);
    expect(jobs.filter((j) => /^(gamma|delta)\|/.test(j.sliceKey))).toHaveLength(6);
  });

  it('on abort with cancel_jobs_on_stop, cancels the jobs this run launched', async () => {
    const { sim: s } = await sim(() => ({ durationMs: 60_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new TransientError('sync interrupted')), 300);
    const r = await drive(createEventsStream(config(s, { max_concurrent_jobs: 2, cancel_jobs_on_stop: true }), captureLogger()), { signal: controller.signal });
    expect((r.error as Error).message).toBe('sync interrupted');
    const deleted = s.api.requests.filter((q) => q.method === 'DELETE').map((q) => q.path).sort();
    expect(deleted).toEqual([...s.jobs.keys()].map((id) => `/jobs/${id}`).sort());
    expect(deleted).toHaveLength(2);
  });
});
