/**
 * The protocol-agnostic sync: reads the selected streams together (their jobs share the vendor's
 * slots, their records interleave as results complete) and tells a ReadSink what happened. The
 * Airbyte and Singer writers are sinks; they decide how each event looks on the wire. The loop
 * owns the rules both protocols share:
 * - within a stream, a STATE is emitted only after every record it covers (each stream's events
 *   are forwarded in order; streams interleave between events);
 * - a checkpoint every `checkpointInterval` records when the stream offers `checkpoint()`;
 * - a final STATE per stream when it completes;
 * - a failing stream ends alone (INCOMPLETE and its error); the others go on, and the sync ends
 *   with one error naming every failed stream, as Airbyte's CDK does;
 * - a stream the catalog selects but the source does not offer is reported and skipped;
 * - an aborted signal (SIGTERM/SIGINT) ends every stream still running as interrupted.
 */
import { ConnectorError, failureTypeOf, SystemError, TransientError, messageOf, type FailureType } from './errors.js';
import type { Logger } from './logger.js';
import type { EncodedRecords, Row, Stream, StreamState, SyncMode } from './source.js';

export type StreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';

/** Sink methods may return a promise when the consumer is slow; the loop awaits it (back-pressure). */
export type MaybePromise = Promise<void> | void;

export interface ReadSink {
  streamStatus(stream: Stream, status: StreamStatus): MaybePromise;
  records(stream: Stream, rows: Row[]): MaybePromise;
  /** Records already written as JSON; called only for streams the sink accepts them for. */
  encodedRecords?(stream: Stream, records: EncodedRecords): MaybePromise;
  /** Whether the sink writes this stream's encoded records as they are (no masking or projection to apply). */
  acceptsEncodedRecords?(stream: Stream): boolean;
  /** `recordCount`: records of this stream emitted since its previous STATE. */
  state(stream: Stream, state: StreamState, recordCount: number): MaybePromise;
  estimate(stream: Stream, estimate: { rowEstimate?: number; byteEstimate?: number }): MaybePromise;
  /**
   * A stream's failure (`recordCount`: its records emitted before it), or (`stream` undefined) the
   * sync's: outside any stream, or the one naming every failed stream.
   */
  error(error: unknown, stream: Stream | undefined, recordCount?: number): MaybePromise;
  /**
   * True when the sink's error report is itself a log line a person reads (Singer's stderr): the
   * loop then logs no line of its own for a failure, so each error is said once.
   */
  readonly errorsAreLogLines?: boolean;
  /** A stream the catalog selects that the source does not offer: reported, not read. */
  unavailable(name: string, message: string): MaybePromise;
}

export interface SelectedStream {
  stream: Stream;
  syncMode: SyncMode;
}

export interface ReadOptions {
  streams: SelectedStream[];
  /** Streams the catalog selects that the source does not offer (e.g. an export renamed since discover). */
  unavailable?: string[];
  /** Previous state per stream name. */
  previousState: Map<string, StreamState>;
  checkpointInterval: number;
  logger: Logger;
  signal: AbortSignal;
  sink: ReadSink;
  /** How long an interrupted stream gets to wind down (cancel its jobs) before the loop moves on. */
  abortGraceMs?: number;
}

export interface ReadOutcome {
  ok: boolean;
  /** Records emitted over all streams. */
  recordCount: number;
  /** The sync's error when !ok: the one naming every failed stream (or the interruption). */
  error?: unknown;
  /** Streams that ended INCOMPLETE because they failed, in catalog order. */
  failedStreams?: string[];
}

/** The error a sync ends with when streams failed: names each of them, typed as the CDK types it. */
export class FailedStreamsError extends ConnectorError {
  constructor(readonly failures: { stream: string; error: unknown }[]) {
    super(
      `During the sync, the following streams did not sync successfully: ${failures.map((f) => `${f.stream}: ${messageOf(f.error)}`).join('; ')}`,
      aggregateFailureType(failures.map((f) => f.error)),
    );
  }
}

/** A config problem outranks a transient one, which outranks a system error (the CDK's precedence). */
function aggregateFailureType(errors: unknown[]): FailureType {
  const types = new Set(errors.map(failureTypeOf));
  for (const t of ['config_error', 'transient_error', 'system_error'] as const) if (types.has(t)) return t;
  return 'system_error';
}

/** The state a stream receives: always for incremental, for full refresh only when resumable. */
/**
 * The state a resumable full refresh ends with. A full refresh that finished must start over next
 * time, while one that was interrupted must resume; this marker (the same one Airbyte's CDK writes)
 * tells the two apart, so no stream has to guess from its own state whether the last run finished.
 */
export const FULL_REFRESH_COMPLETE: StreamState = Object.freeze({ __ab_full_refresh_sync_complete: true });

function isFullRefreshComplete(state: StreamState | undefined): boolean {
  return state?.__ab_full_refresh_sync_complete === true;
}

export function stateForRead(selected: SelectedStream, previous: Map<string, StreamState>): StreamState | undefined {
  const { stream, syncMode } = selected;
  const state = previous.get(stream.name);
  if (syncMode === 'incremental') return isFullRefreshComplete(state) ? undefined : state;
  if (stream.isResumable === true && !isFullRefreshComplete(state)) return state;
  return undefined;
}

export async function runRead(options: ReadOptions): Promise<ReadOutcome> {
  const { streams, logger, signal } = options;
  for (const name of options.unavailable ?? []) {
    const message = `The catalog selects stream "${name}", which this source does not offer (any more); it is not read. Refresh the schema and remove it from the selection.`;
    await options.sink.unavailable(name, message);
  }
  if (signal.aborted) {
    const error = interruption(signal);
    if (options.sink.errorsAreLogLines !== true) logger.error(messageOf(error));
    await options.sink.error(error, undefined);
    return { ok: false, recordCount: 0, error, failedStreams: [] };
  }
  // Every stream reads at once: their jobs share the vendor's slots and their records interleave
  // as results complete. Each stream's own events stay in order. Streams that report on the sync
  // itself (a listing of the vendor's jobs) read once the others are done.
  const results: StreamResult[] = new Array<StreamResult>(streams.length);
  const readAt = async (indexes: number[]): Promise<void> => {
    await Promise.all(indexes.map(async (i) => (results[i] = await readOneStream(streams[i]!, options))));
  };
  const indexes = streams.map((_, i) => i);
  await readAt(indexes.filter((i) => streams[i]!.stream.readAfterOthers !== true));
  await readAt(indexes.filter((i) => streams[i]!.stream.readAfterOthers === true));
  const recordCount = results.reduce((n, r) => n + r.recordCount, 0);
  const failures = results.flatMap((r, i) => (r.ok ? [] : [{ stream: streams[i]!.stream.name, error: r.error }]));
  if (failures.length === 0) return { ok: true, recordCount };
  const error = signal.aborted ? interruption(signal) : new FailedStreamsError(failures);
  if (options.sink.errorsAreLogLines !== true) logger.error(messageOf(error));
  await options.sink.error(error, undefined);
  return { ok: false, recordCount, error, failedStreams: failures.map((f) => f.stream) };
}

interface StreamResult {
  ok: boolean;
  recordCount: number;
  error?: unknown;
}

async function readOneStream(selected: SelectedStream, options: ReadOptions): Promise<StreamResult> {
  const { stream, syncMode } = selected;
  const { sink, logger, signal } = options;
  const previous = stateForRead(selected, options.previousState);
  await sink.streamStatus(stream, 'STARTED');
  logger.info(
    `Reading stream "${stream.name}" (${syncMode}${previous === undefined ? ', no previous state' : ', from previous state'})`,
  );

  let total = 0;
  let sinceState = 0;
  let sinceCheckpoint = 0;
  let running = false;
  let lastState: StreamState | undefined = previous;
  let lastEventWasState = false;
  const encodedRecords = sink.encodedRecords !== undefined && sink.acceptsEncodedRecords?.(stream) === true;
  const iterator = stream.read({ syncMode, state: previous, logger, signal, encodedRecords })[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (signal.aborted) throw interruption(signal);
      const next = await nextOrAbort(iterator, signal);
      if (next.done) break;
      const event = next.value;
      switch (event.type) {
        case 'records':
        case 'encoded-records': {
          const n = event.type === 'records' ? event.records.length : event.records.count;
          if (n === 0) break;
          if (!running) {
            running = true;
            await sink.streamStatus(stream, 'RUNNING');
          }
          if (event.type === 'records') await sink.records(stream, event.records);
          else if (encodedRecords) {
            await sink.encodedRecords!(stream, event.records);
            // The sink copied the lines into its own buffers (the wait above is only back-pressure).
            event.records.release?.();
          }
          else throw new SystemError(`Stream "${stream.name}" yielded encoded records, which this read did not ask for`);
          total += n;
          sinceState += n;
          sinceCheckpoint += n;
          lastEventWasState = false;
          if (stream.checkpoint !== undefined && sinceCheckpoint >= options.checkpointInterval) {
            // read() is suspended at its yield here, which is when checkpoint() is valid.
            lastState = stream.checkpoint();
            await sink.state(stream, lastState, sinceState);
            sinceState = 0;
            sinceCheckpoint = 0;
            lastEventWasState = true;
          }
          break;
        }
        case 'state':
          lastState = event.state;
          await sink.state(stream, event.state, sinceState);
          sinceState = 0;
          sinceCheckpoint = 0;
          lastEventWasState = true;
          break;
        case 'estimate':
          await sink.estimate(stream, { rowEstimate: event.rowEstimate, byteEstimate: event.byteEstimate });
          break;
      }
    }
    if (signal.aborted) throw interruption(signal);
    // The final STATE: unless the stream just emitted one, snapshot it (checkpoint() after read()
    // finished covers every record) or repeat the last known state so the platform sees the stream end.
    if (syncMode === 'full_refresh' && stream.isResumable === true) {
      await sink.state(stream, FULL_REFRESH_COMPLETE, sinceState);
    } else if (!lastEventWasState) {
      const finalState = stream.checkpoint?.() ?? lastState ?? {};
      await sink.state(stream, finalState, sinceState);
    }
    await sink.streamStatus(stream, 'COMPLETE');
    logger.info(`Stream "${stream.name}" complete: ${total} records`);
    return { ok: true, recordCount: total };
  } catch (err) {
    const error = signal.aborted ? interruption(signal) : err;
    await closeIterator(iterator, options.abortGraceMs ?? 10_000);
    if (signal.aborted) {
      // The interruption is the sync's error, said once at its end; each stream only says where it stopped.
      logger.info(`Stream "${stream.name}" stopped after ${total} records`);
    } else if (sink.errorsAreLogLines !== true) {
      logger.error(`Stream "${stream.name}" failed after ${total} records: ${messageOf(error)}`);
    }
    await sink.streamStatus(stream, 'INCOMPLETE');
    await sink.error(error, stream, total);
    return { ok: false, recordCount: total, error };
  }
}

/**
 * The error an aborted sync reports: the abort reason when it is an Error (a ConnectorError keeps
 * its failure type, e.g. the TransientError of a SIGTERM; a crash stays a system error).
 */
export function interruption(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new TransientError('The sync was interrupted before it finished; the next sync resumes from the last state.');
}

/** Waits for the next event, but gives up as soon as the signal aborts (a stuck stream must not hang shutdown). */
function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(interruption(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(interruption(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Lets the stream run its finally blocks (cancel jobs, close bodies), without waiting forever. */
async function closeIterator<T>(iterator: AsyncIterator<T>, graceMs: number): Promise<void> {
  if (iterator.return === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      iterator.return(undefined).then(
        () => undefined,
        () => undefined,
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref();
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
