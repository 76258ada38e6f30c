import { describe, expect, it } from 'vitest';
import { ConfigError, TransientError, type ConnectorError } from './errors.js';
import { silentLogger } from './logger.js';
import { runRead, type ReadSink, type SelectedStream, type StreamStatus } from './read-loop.js';
import type { ReadRequest, Row, Stream, StreamEvent, StreamState } from './source.js';

type Event =
  | { kind: 'status'; stream: string; status: StreamStatus }
  | { kind: 'records'; stream: string; ids: number[] }
  | { kind: 'state'; stream: string; state: StreamState; recordCount: number }
  | { kind: 'estimate'; stream: string; rows?: number }
  | { kind: 'error'; stream?: string; error: unknown }
  | { kind: 'unavailable'; stream: string };

function recordingSink(): { sink: ReadSink; events: Event[] } {
  const events: Event[] = [];
  const sink: ReadSink = {
    streamStatus: (s, status) => void events.push({ kind: 'status', stream: s.name, status }),
    records: (s, rows) => void events.push({ kind: 'records', stream: s.name, ids: rows.map((r) => r.id as number) }),
    state: (s, state, recordCount) => void events.push({ kind: 'state', stream: s.name, state: { ...state }, recordCount }),
    estimate: (s, e) => void events.push({ kind: 'estimate', stream: s.name, rows: e.rowEstimate }),
    error: (error, s) => void events.push({ kind: 'error', stream: s?.name, error }),
    unavailable: (name) => void events.push({ kind: 'unavailable', stream: name }),
  };
  return { sink, events };
}

interface CounterOptions {
  count: number;
  batch: number;
  failAt?: number;
  failWith?: Error;
  withCheckpoint?: boolean;
  finalStateEvent?: boolean;
  resumable?: boolean;
  seen?: (ReadRequest | undefined)[];
}

/** Yields ids 1..count in batches; state is {last}. */
function counter(name: string, o: CounterOptions): Stream {
  let last = 0;
  const stream: Stream = {
    name,
    jsonSchema: { type: 'object', properties: { id: { type: 'integer' } } },
    supportedSyncModes: ['full_refresh', 'incremental'],
    isResumable: o.resumable,
    async *read(request): AsyncGenerator<StreamEvent> {
      o.seen?.push(request);
      last = typeof request.state?.last === 'number' ? request.state.last : 0;
      let batch: Row[] = [];
      for (let i = last + 1; i <= o.count; i++) {
        if (o.failAt === i) {
          if (batch.length) yield { type: 'records', records: batch };
          throw o.failWith ?? new Error('boom');
        }
        batch.push({ id: i });
        last = i;
        if (batch.length === o.batch) {
          yield { type: 'records', records: batch };
          batch = [];
        }
      }
      if (batch.length) yield { type: 'records', records: batch };
      if (o.finalStateEvent) yield { type: 'state', state: { last } };
    },
  };
  if (o.withCheckpoint !== false) stream.checkpoint = () => ({ last });
  return stream;
}

function run(streams: SelectedStream[], opts: { interval?: number; previous?: Record<string, StreamState>; signal?: AbortSignal; unavailable?: string[] } = {}) {
  const { sink, events } = recordingSink();
  const promise = runRead({
    streams,
    unavailable: opts.unavailable,
    previousState: new Map(Object.entries(opts.previous ?? {})),
    checkpointInterval: opts.interval ?? 10_000,
    logger: silentLogger,
    signal: opts.signal ?? new AbortController().signal,
    sink,
    abortGraceMs: 200,
  });
  return { promise, events };
}

describe('runRead', () => {
  it('emits STARTED, RUNNING at the first record, records, a final state and COMPLETE', async () => {
    const s = counter('a', { count: 3, batch: 2 });
    const { promise, events } = run([{ stream: s, syncMode: 'incremental' }]);
    expect(await promise).toEqual({ ok: true, recordCount: 3 });
    expect(events).toEqual([
      { kind: 'status', stream: 'a', status: 'STARTED' },
      { kind: 'status', stream: 'a', status: 'RUNNING' },
      { kind: 'records', stream: 'a', ids: [1, 2] },
      { kind: 'records', stream: 'a', ids: [3] },
      { kind: 'state', stream: 'a', state: { last: 3 }, recordCount: 3 },
      { kind: 'status', stream: 'a', status: 'COMPLETE' },
    ]);
  });

  it('checkpoints after every N records and counts records since the previous state', async () => {
    const s = counter('a', { count: 10, batch: 1 });
    const { promise, events } = run([{ stream: s, syncMode: 'incremental' }], { interval: 4 });
    await promise;
    const states = events.filter((e) => e.kind === 'state');
    expect(states).toEqual([
      { kind: 'state', stream: 'a', state: { last: 4 }, recordCount: 4 },
      { kind: 'state', stream: 'a', state: { last: 8 }, recordCount: 4 },
      { kind: 'state', stream: 'a', state: { last: 10 }, recordCount: 2 },
    ]);
    // No state precedes a record it covers: every state's `last` was already emitted.
    let maxEmitted = 0;
    for (const e of events) {
      if (e.kind === 'records') maxEmitted = Math.max(maxEmitted, ...e.ids);
      if (e.kind === 'state') expect(e.state.last).toBeLessThanOrEqual(maxEmitted);
    }
  });

  it('checkpoints at the first batch boundary at or after N', async () => {
    const s = counter('a', { count: 10, batch: 3 });
    const { promise, events } = run([{ stream: s, syncMode: 'incremental' }], { interval: 4 });
    await promise;
    expect(events.filter((e) => e.kind === 'state').map((e) => (e as { recordCount: number }).recordCount)).toEqual([6, 4]);
  });

  it('does not checkpoint streams without checkpoint(); forwards their own state events', async () => {
    const s = counter('a', { count: 5, batch: 1, withCheckpoint: false, finalStateEvent: true });
    const { promise, events } = run([{ stream: s, syncMode: 'incremental' }], { interval: 2 });
    await promise;
    expect(events.filter((e) => e.kind === 'state')).toEqual([{ kind: 'state', stream: 'a', state: { last: 5 }, recordCount: 5 }]);
  });

  it('passes previous state to incremental and resumable full-refresh streams only', async () => {
    const seen: (ReadRequest | undefined)[] = [];
    const previous = { inc: { last: 2 }, full: { last: 2 }, resumable: { last: 2 } };
    const { promise } = run(
      [
        { stream: counter('inc', { count: 3, batch: 1, seen }), syncMode: 'incremental' },
        { stream: counter('full', { count: 3, batch: 1, seen }), syncMode: 'full_refresh' },
        { stream: counter('resumable', { count: 3, batch: 1, seen, resumable: true }), syncMode: 'full_refresh' },
      ],
      { previous },
    );
    expect((await promise).recordCount).toBe(1 + 3 + 1);
    expect(seen.map((r) => r?.state)).toEqual([{ last: 2 }, undefined, { last: 2 }]);
  });

  it('ends a finished resumable full refresh with the completion marker, and starts the next one over', async () => {
    const seen: (ReadRequest | undefined)[] = [];
    const first = run([{ stream: counter('rfr', { count: 3, batch: 1, seen, resumable: true }), syncMode: 'full_refresh' }], { previous: { rfr: { last: 1 } } });
    expect((await first.promise).recordCount).toBe(2);
    const states = first.events.filter((e) => e.kind === 'state');
    expect(states.at(-1)).toEqual({ kind: 'state', stream: 'rfr', state: { __ab_full_refresh_sync_complete: true }, recordCount: 2 });

    const second = run([{ stream: counter('rfr', { count: 3, batch: 1, seen, resumable: true }), syncMode: 'full_refresh' }], {
      previous: { rfr: { __ab_full_refresh_sync_complete: true } },
    });
    expect((await second.promise).recordCount).toBe(3);
    expect(seen.map((r) => r?.state)).toEqual([{ last: 1 }, undefined]);
  });

  it('an interrupted resumable full refresh keeps its own state (no marker), so the next run resumes', async () => {
    const s = counter('rfr', { count: 5, batch: 1, resumable: true, failAt: 4, failWith: new TransientError('down') });
    const { promise, events } = run([{ stream: s, syncMode: 'full_refresh' }], { interval: 2 });
    expect((await promise).ok).toBe(false);
    const states = events.filter((e) => e.kind === 'state').map((e) => (e as { state: StreamState }).state);
    expect(states).toEqual([{ last: 2 }]);
  });

  it('an incremental sync after a finished full refresh ignores the marker and reads from the start', async () => {
    const seen: (ReadRequest | undefined)[] = [];
    const { promise } = run([{ stream: counter('a', { count: 2, batch: 1, seen }), syncMode: 'incremental' }], {
      previous: { a: { __ab_full_refresh_sync_complete: true } },
    });
    expect((await promise).recordCount).toBe(2);
    expect(seen[0]?.state).toBeUndefined();
  });

  it('a failing stream ends alone (INCOMPLETE, its error); the others complete; one last error names every failed stream', async () => {
    const err = new ConfigError('bad portfolio');
    const late = new TransientError('server down');
    const { promise, events } = run(
      [
        { stream: counter('a', { count: 5, batch: 2, failAt: 4, failWith: err }), syncMode: 'incremental' },
        { stream: counter('b', { count: 3, batch: 1 }), syncMode: 'incremental' },
        { stream: counter('c', { count: 2, batch: 1, failAt: 2, failWith: late }), syncMode: 'incremental' },
      ],
      { interval: 2 },
    );
    const outcome = await promise;
    expect(outcome).toMatchObject({ ok: false, recordCount: 3 + 3 + 1, failedStreams: ['a', 'c'] });
    const final = outcome.error as ConnectorError;
    expect(final.message).toBe('During the sync, the following streams did not sync successfully: a: bad portfolio; c: server down');
    // A config problem ranks first, as in the Airbyte CDK.
    expect(final.failureType).toBe('config_error');
    const of = (name: string) => events.filter((e) => e.stream === name);
    expect(of('a').slice(-3)).toEqual([
      { kind: 'records', stream: 'a', ids: [3] },
      { kind: 'status', stream: 'a', status: 'INCOMPLETE' },
      { kind: 'error', stream: 'a', error: err },
    ]);
    expect(of('b').at(-1)).toEqual({ kind: 'status', stream: 'b', status: 'COMPLETE' });
    expect(of('c').slice(-2)).toEqual([
      { kind: 'status', stream: 'c', status: 'INCOMPLETE' },
      { kind: 'error', stream: 'c', error: late },
    ]);
    expect(events.at(-1)).toEqual({ kind: 'error', stream: undefined, error: final });
    // The records after the last checkpoint of the failed stream are not covered by any state.
    expect(events.filter((e) => e.kind === 'state' && e.stream === 'a')).toEqual([{ kind: 'state', stream: 'a', state: { last: 2 }, recordCount: 2 }]);
  });

  it('reads streams together: their events interleave, each stream in its own order', async () => {
    const slow = (name: string, n: number): Stream => ({
      name,
      jsonSchema: { type: 'object' },
      supportedSyncModes: ['full_refresh'],
      async *read(): AsyncGenerator<StreamEvent> {
        for (let i = 1; i <= n; i++) {
          await new Promise((r) => setTimeout(r, 5));
          yield { type: 'records', records: [{ id: i }] };
        }
      },
    });
    const { promise, events } = run([
      { stream: slow('x', 4), syncMode: 'full_refresh' },
      { stream: slow('y', 4), syncMode: 'full_refresh' },
    ]);
    expect((await promise).ok).toBe(true);
    const records = events.filter((e): e is Extract<Event, { kind: 'records' }> => e.kind === 'records');
    expect(records.filter((e) => e.stream === 'x').flatMap((e) => e.ids)).toEqual([1, 2, 3, 4]);
    expect(records.filter((e) => e.stream === 'y').flatMap((e) => e.ids)).toEqual([1, 2, 3, 4]);
    // Not one stream after the other.
    expect(records.findIndex((e) => e.stream === 'y')).toBeLessThan(records.map((e) => e.stream).lastIndexOf('x'));
  });

  it('reports a selected stream the source does not offer and reads the others', async () => {
    const { promise, events } = run([{ stream: counter('a', { count: 1, batch: 1 }), syncMode: 'incremental' }], { unavailable: ['renamed'] });
    expect(await promise).toEqual({ ok: true, recordCount: 1 });
    expect(events[0]).toEqual({ kind: 'unavailable', stream: 'renamed' });
    expect(events.at(-1)).toEqual({ kind: 'status', stream: 'a', status: 'COMPLETE' });
  });

  it('ends a stream that hangs when the signal aborts, reporting the abort reason', async () => {
    const controller = new AbortController();
    let cleanedUp = false;
    const hanging: Stream = {
      name: 'slow',
      jsonSchema: { type: 'object' },
      supportedSyncModes: ['full_refresh'],
      async *read(): AsyncGenerator<StreamEvent> {
        try {
          yield { type: 'records', records: [{ id: 1 }] };
          await new Promise(() => undefined); // never settles: the loop must not wait for it
        } finally {
          cleanedUp = true;
        }
      },
    };
    const { promise, events } = run([{ stream: hanging, syncMode: 'full_refresh' }], { signal: controller.signal });
    setTimeout(() => controller.abort(new TransientError('interrupted by SIGTERM')), 50);
    const outcome = await promise;
    expect(outcome.ok).toBe(false);
    expect((outcome.error as Error).message).toBe('interrupted by SIGTERM');
    expect(events.slice(-3)).toEqual([
      { kind: 'status', stream: 'slow', status: 'INCOMPLETE' },
      { kind: 'error', stream: 'slow', error: outcome.error },
      { kind: 'error', stream: undefined, error: outcome.error },
    ]);
    expect(cleanedUp).toBe(false); // a generator stuck in an await cannot run finally; the loop moved on anyway
  });

  it('awaits the sink (back-pressure) before asking the stream for more', async () => {
    let pulled = 0;
    let written = 0;
    const s: Stream = {
      name: 'a',
      jsonSchema: { type: 'object' },
      supportedSyncModes: ['full_refresh'],
      async *read(): AsyncGenerator<StreamEvent> {
        for (let i = 0; i < 5; i++) {
          pulled++;
          expect(pulled - written).toBeLessThanOrEqual(1);
          yield { type: 'records', records: [{ id: i }] };
        }
      },
    };
    const slow: ReadSink = {
      streamStatus: () => undefined,
      records: () => new Promise<void>((r) => setTimeout(() => { written++; r(); }, 5)),
      state: () => undefined,
      estimate: () => undefined,
      error: () => undefined,
      unavailable: () => undefined,
    };
    const outcome = await runRead({
      streams: [{ stream: s, syncMode: 'full_refresh' }],
      previousState: new Map(),
      checkpointInterval: 10,
      logger: silentLogger,
      signal: new AbortController().signal,
      sink: slow,
    });
    expect(outcome).toEqual({ ok: true, recordCount: 5 });
    expect(written).toBe(5);
  });
});
