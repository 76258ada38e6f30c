/**
 * Job lifecycle faults through the built CLI: resume of an in-flight job from state (after a
 * SIGKILL and from a hand-written state), expired results, timeouts with cancellation, queue
 * rejections, and jobs that Addepar cancels for a bad portfolio.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, parseJsonLines } from '../helpers/cli.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';
import { airbyte, baseConfig, expectedViewRecords, Harness, holdingsCatalog, launchesFor, nextState, ofType, recordsOf, SOURCE, withoutEntityId, type Json } from './harness.js';
import type { AddeparSandbox } from '../../src/sandbox/addepar/index.js';
import type { SimInterceptor } from '../../src/sandbox/framework/server.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };
const FEB = { start: '2024-02-01', end: '2024-02-29' };

async function setup(sb: AddeparSandbox, overrides: Json = {}): Promise<{ config: string; catalog: string }> {
  const config = h.file('c.json', baseConfig(sb, overrides));
  return { config, catalog: h.file('cat.json', await holdingsCatalog(h)) };
}

function deletes(sb: AddeparSandbox): string[] {
  return sb.requests.filter((q) => q.method === 'DELETE').map((q) => q.path);
}

describe('resume of in-flight jobs', () => {
  it('a sync killed after writing a job id to state resumes that job: no second POST for the slice', async () => {
    // The first job hangs until released, so the kill always lands while it is being polled.
    const sb = await h.sandbox({ faults: { stuckNextJobs: 1 } });
    const { config, catalog } = await setup(sb, { max_concurrent_jobs: 1, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] });
    const child = spawnCli(SOURCE, ['read', '--config', config, '--catalog', catalog]);
    let out = '';
    const killedState = await new Promise<Json[]>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const lines = out.split('\n').slice(0, -1);
        const messages = parseJsonLines(lines.join('\n'));
        const withJob = ofType(messages, 'STATE').find((m) => {
          const inflight = (((m.state as Json).stream as Json).stream_state as Json).inflight as Json;
          return Object.keys(inflight).length > 0;
        });
        if (withJob && child.exitCode === null) {
          child.kill('SIGKILL');
          assertValidAirbyteMessages(messages);
          resolve(nextState(messages));
        }
      });
      child.on('error', reject);
      child.on('close', () => reject(new Error(`child ended before writing an in-flight job:\n${out}`)));
    });
    await new Promise((r) => child.once('close', r));
    expect(sb.jobs).toHaveLength(1);
    const jobId = sb.jobs[0]!.id;
    expect(sb.jobs[0]!.status).not.toBe('Completed');
    sb.releaseStuckJobs();

    const r = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s.json', killedState)]);
    expect(r.code).toBe(0);
    expect(launchesFor(sb, 101, JAN.start)).toBe(1);
    expect(sb.requests.filter((q) => q.path === `/api/v1/jobs/${jobId}/download`).length).toBe(1);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual([
      ...expectedViewRecords(12, 'ENTITY', 101, JAN),
      ...expectedViewRecords(12, 'ENTITY', 101, FEB),
    ]);
  });

  it('a state naming a job launched elsewhere is adopted: polled and downloaded, never relaunched', async () => {
    const sb = await h.sandbox();
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31', view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] });
    const created = await fetch(`${sb.url}/v1/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('sandbox-key:sandbox-secret').toString('base64')}`,
        'addepar-firm': '1',
        'content-type': 'application/vnd.api+json',
      },
      body: JSON.stringify({
        data: { type: 'jobs', attributes: { job_type: 'portfolio_view_results', parameters: { view_id: 12, portfolio_type: 'ENTITY', portfolio_id: '101', output_type: 'CSV', start_date: JAN.start, end_date: JAN.end } } },
      }),
    });
    const jobId = ((await created.json()) as { data: { id: string } }).data.id;
    const state = [
      {
        type: 'STREAM',
        stream: {
          stream_descriptor: { name: 'holdings' },
          stream_state: { partitions: {}, inflight: { 'ENTITY:101|2024-01-01..2024-01-31': { jobId, launchedAt: new Date().toISOString(), emitted: 3 } } },
        },
      },
    ];
    const r = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s.json', state)]);
    expect(r.code).toBe(0);
    expect(sb.requests.filter((q) => q.method === 'POST' && q.path === '/api/v1/jobs')).toHaveLength(1);
    // Three records were emitted before the interruption: the resumed job skips them.
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 101, JAN).slice(3));
  });
});

/** Starts a read, and sends SIGTERM once both jobs were launched and the first one observed. */
async function stopWhenBothObserved(sb: AddeparSandbox, config: string, catalog: string): Promise<Json[]> {
  const child = spawnCli(SOURCE, ['read', '--config', config, '--catalog', catalog]);
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.resume();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Both jobs launched, and the first one observed (by its own GET or in the job list).
      if (sb.jobs.length === 2 && sb.jobs[0]!.polls + sb.jobs[0]!.listed > 0) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('close', r));
  const messages = parseJsonLines(Buffer.concat(out).toString('utf8'));
  assertValidAirbyteMessages(messages);
  return messages;
}

describe('job failures and relaunches', () => {
  it('an expired result (410) is relaunched and read once, completely', async () => {
    const sb = await h.sandbox({ faults: { expireNextDownloads: 1 } });
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31' });
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(0);
    expect(sb.jobs.map((j) => j.status)).toEqual(['Timed Out', 'Completed', 'Completed']);
    expect(launchesFor(sb, 101, JAN.start)).toBe(2);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual([
      ...expectedViewRecords(12, 'ENTITY', 101, JAN),
      ...expectedViewRecords(12, 'ENTITY', 102, JAN),
    ]);
  });

  it('a job older than the 24 h retention in state is relaunched without asking for its result', async () => {
    const sb = await h.sandbox();
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31', view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] });
    const state = [
      {
        type: 'STREAM',
        stream: {
          stream_descriptor: { name: 'holdings' },
          stream_state: { partitions: {}, inflight: { 'ENTITY:101|2024-01-01..2024-01-31': { jobId: 'gone-job', launchedAt: new Date(Date.now() - 25 * 3_600_000).toISOString(), emitted: 0 } } },
        },
      },
    ];
    const r = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s.json', state)]);
    expect(r.code).toBe(0);
    expect(sb.requests.some((q) => q.path.includes('gone-job'))).toBe(false);
    expect(launchesFor(sb, 101, JAN.start)).toBe(1);
    expect(recordsOf(r.messages, 'holdings')).toHaveLength(expectedViewRecords(12, 'ENTITY', 101, JAN).length);
  });

  it('a job that outlives the job timeout is cancelled with DELETE and relaunched', async () => {
    const sb = await h.sandbox({ faults: { stuckNextJobs: 1 } });
    const { config, catalog } = await setup(sb, {
      end_date: '2024-01-31',
      max_concurrent_jobs: 1,
      // Long enough for the relaunched job's six observations once polls are paced by the request
      // budget (the stuck job's polls use half of the 15-minute window first).
      job_timeout_minutes: 0.08,
      view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }],
    });
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(0);
    const stuck = sb.jobs[0]!;
    expect(deletes(sb)).toEqual([`/api/v1/jobs/${stuck.id}`]);
    expect(stuck.status).toBe('Cancel Requested');
    expect(sb.jobs[1]!.status).toBe('Completed');
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 101, JAN));
  });

  describe('a job someone cancels in Addepar (Cancel Requested is not terminal)', () => {
    const oneSlice = { end_date: '2024-01-31', max_concurrent_jobs: 1, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] };

    it('is polled until it settles; a cancel that came too late leaves a completed job, whose result is read (no relaunch)', async () => {
      const sb = await h.sandbox({ faults: { lateUserCancelNextJobs: 1 } });
      const { config, catalog } = await setup(sb, oneSlice);
      const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
      expect(r.code, r.stderr).toBe(0);
      expect(sb.jobs.map((j) => j.status)).toEqual(['Completed']);
      expect(launchesFor(sb, 101, JAN.start)).toBe(1);
      expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 101, JAN));
    });

    it('is relaunched only once it has settled as User Cancelled: never two jobs for one slice at a time', async () => {
      // What the sandbox's jobs were when each launch arrived.
      const atLaunch: string[][] = [];
      let sb: AddeparSandbox | undefined;
      const spy: SimInterceptor = async (req) => {
        if (req.method === 'POST' && /\/v1\/jobs$/.test(req.path)) atLaunch.push(sb!.jobs.map((j) => j.status));
        return false;
      };
      sb = await h.sandbox({ faults: { userCancelNextJobs: 1 }, interceptors: [spy] });
      const { config, catalog } = await setup(sb, oneSlice);
      const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
      expect(r.code, r.stderr).toBe(0);
      expect(sb.jobs.map((j) => j.status)).toEqual(['User Cancelled', 'Completed']);
      expect(atLaunch).toEqual([[], ['User Cancelled']]);
      expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual(expectedViewRecords(12, 'ENTITY', 101, JAN));
    });
  });

  it('a job rejected for the queue quota is launched again and succeeds', async () => {
    const sb = await h.sandbox({ faults: { rejectNextJobs: 1 } });
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31', max_concurrent_jobs: 1 });
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(0);
    expect(sb.jobs[0]!.status).toBe('Rejected');
    expect(launchesFor(sb, 101, JAN.start)).toBe(2);
    expect(recordsOf(r.messages, 'holdings')).toHaveLength(expectedViewRecords(12, 'ENTITY', 101, JAN).length + expectedViewRecords(12, 'ENTITY', 102, JAN).length);
  });

  it('a job Addepar cancels for an invalid portfolio ends the sync with a config_error carrying the detail', async () => {
    const sb = await h.sandbox();
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31', view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [10] }] });
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).not.toBe(0);
    expect(sb.jobs[0]!.status).toBe('Error Cancelled');
    const errors = ofType(r.messages, 'TRACE').map((m) => (m.trace as Json).error as Json | undefined).filter((e): e is Json => e !== undefined);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.failure_type).toBe('config_error');
    expect(String(errors[0]!.message)).toContain('Invalid portfolio: ENTITY 10');
    // Not retried: a bad request stays bad.
    expect(sb.jobs).toHaveLength(1);
  });

  it('a failed job (server side) is retried, then the sync completes', async () => {
    const sb = await h.sandbox({ faults: { failNextJobs: 1 } });
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31', max_concurrent_jobs: 1, view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] });
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(0);
    expect(sb.jobs.map((j) => j.status)).toEqual(['Failed', 'Completed']);
  });

  it('an interrupted sync (SIGTERM) leaves its jobs running and in state; the next sync adopts them without a new launch', async () => {
    const sb = await h.sandbox({ faults: { stuckNextJobs: 2 } });
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31' });
    const messages = await stopWhenBothObserved(sb, config, catalog);
    expect(deletes(sb)).toEqual([]);
    const state = nextState(messages);
    const inflight = ((state[0]!.stream as Json).stream_state as Json).inflight as Record<string, { jobId: string }>;
    expect(Object.values(inflight).map((j) => j.jobId).sort()).toEqual(sb.jobs.map((j) => j.id).sort());
    expect(ofType(messages, 'LOG').some((m) => String((m.log as Json).message).includes('leaving 2 job(s) running on the vendor'))).toBe(true);

    sb.releaseStuckJobs();
    const r = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s.json', state)]);
    expect(r.code).toBe(0);
    expect(sb.jobs).toHaveLength(2);
    expect(withoutEntityId(recordsOf(r.messages, 'holdings'))).toEqual([...expectedViewRecords(12, 'ENTITY', 101, JAN), ...expectedViewRecords(12, 'ENTITY', 102, JAN)]);
  });

  it('with cancel_jobs_on_stop, an interrupted sync cancels the jobs it launched', async () => {
    const sb = await h.sandbox({ faults: { stuckNextJobs: 2 } });
    const { config, catalog } = await setup(sb, { end_date: '2024-01-31', cancel_jobs_on_stop: true });
    await stopWhenBothObserved(sb, config, catalog);
    expect(deletes(sb).sort()).toEqual(sb.jobs.map((j) => `/api/v1/jobs/${j.id}`).sort());
  });
});
