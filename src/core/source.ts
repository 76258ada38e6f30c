/**
 * The contract between the protocol-agnostic core and a vendor module.
 * A vendor is a Source: its spec (config JSON Schema), a connection check and its streams.
 * The Airbyte and Singer front ends drive the same Source; neither the vendor nor the
 * streams know which protocol is speaking.
 */
import type { JsonSchema } from './json-schema.js';
import type { Logger } from './logger.js';

export type SyncMode = 'full_refresh' | 'incremental';

/** A record as it leaves a stream: already typed by the stream's JSON Schema. */
export type Row = Record<string, unknown>;

/** Opaque per-stream state. It must be plain JSON and must never contain a secret. */
export type StreamState = Record<string, unknown>;

/** What discover needs to know about a stream. */
export interface StreamInfo {
  name: string;
  jsonSchema: JsonSchema;
  supportedSyncModes: SyncMode[];
  /** True when the connector decides the cursor (all jobtap streams do). */
  sourceDefinedCursor?: boolean;
  /** Path to the cursor field inside a record, e.g. ["window_end"]. */
  defaultCursorField?: string[];
  /** Primary key as a list of field paths, e.g. [["portfolio_id"],["window_start"],["path"]]. */
  sourceDefinedPrimaryKey?: string[][];
  /** Airbyte `is_resumable`: a full refresh can continue from state after an interruption. */
  isResumable?: boolean;
  /**
   * Read once the other streams of the sync are done, instead of alongside them: e.g. a listing of
   * the vendor's jobs, which should include the jobs this sync ran.
   */
  readAfterOthers?: boolean;
  /**
   * Its records carry text the vendor wrote (job error details, status messages), which may echo
   * a request and its credentials: they are masked like log lines. (Records of exported data are
   * not scanned: that would cost a pass over every record.)
   */
  carriesVendorText?: boolean;
}

export interface ReadRequest {
  syncMode: SyncMode;
  /**
   * State from the previous sync, or undefined for a first sync. The read loop passes the
   * state to full-refresh streams too when they are resumable (an interrupted full refresh
   * resumes an in-flight job instead of launching a duplicate); the stream decides.
   */
  state: StreamState | undefined;
  logger: Logger;
  /** Aborted when the sync is interrupted (SIGTERM/SIGINT); streams cancel their jobs then. */
  signal: AbortSignal;
  /** The front end writes `encoded-records` events of this stream as they are; without it, only `records`. */
  encodedRecords?: boolean;
}

/**
 * Records already written as JSON, for a stream whose rows need no change on the way out: record
 * i is `bytes[i === 0 ? 0 : ends[i - 1] .. ends[i])`, exactly the bytes JSON.stringify would give
 * the record as a Row. A stream yields them only when the read request allows it (the front end
 * writes them as they are: no masking, no projection).
 */
export interface EncodedRecords {
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  /**
   * Called by a consumer that has copied the bytes out and will not read them again: the stream
   * may then write a later batch into the same memory (a read allocates no output buffer per
   * batch, which keeps its memory flat). A consumer that never calls it leaves the memory to the
   * garbage collector, which is always safe.
   */
  readonly release?: () => void;
}

/**
 * What a stream yields while reading.
 * - `records`: a batch of typed records, in order (batches amortise async-iteration cost).
 * - `encoded-records`: the same, already written as JSON (see EncodedRecords).
 * - `state`: a checkpoint covering every record yielded before it. The read loop emits it
 *   after those records; it is also how an in-flight job id reaches the state file before polling.
 * - `estimate`: an Airbyte ESTIMATE (rows and/or bytes still to come), when known.
 */
export type StreamEvent =
  | { type: 'records'; records: Row[] }
  | { type: 'encoded-records'; records: EncodedRecords }
  | { type: 'state'; state: StreamState }
  | { type: 'estimate'; rowEstimate?: number; byteEstimate?: number };

export interface Stream extends StreamInfo {
  read(request: ReadRequest): AsyncIterable<StreamEvent>;
  /**
   * Why this stream cannot be read now (e.g. the saved view it exports is gone), when that is so:
   * discover leaves it out with a warning; a read fails it alone with this error and reads the rest.
   */
  unusable?: Error;
  /**
   * Optional snapshot of the state that covers every record yielded so far. The read loop calls it
   * only while read() is suspended at a yield, to checkpoint every N records inside a long result
   * file. Streams that cannot resume mid-file leave it out and rely on their own `state` events.
   * When read() finishes and its last event was not a `state`, the read loop calls it once more
   * (after the last yield) for the stream's final STATE.
   */
  checkpoint?(): StreamState;
}

/** A configured stream that cannot be read: every read fails with `problem`; discover leaves it out. */
export function unusableStream(name: string, problem: Error): Stream {
  return {
    name,
    jsonSchema: { type: 'object' },
    supportedSyncModes: ['full_refresh', 'incremental'],
    unusable: problem,
    async *read(): AsyncGenerator<StreamEvent> {
      throw problem;
    },
  };
}

export interface ConnectorSpec {
  documentationUrl: string;
  /** JSON Schema of the config; fields with `airbyte_secret: true` are masked everywhere. */
  connectionSpecification: JsonSchema;
}

export type CheckResult = { ok: true } | { ok: false; message: string };

export interface StreamsOptions {
  /** The streams the caller will read; others need not be built. Undefined: every stream. */
  only?: ReadonlySet<string>;
}

export interface Source<Config> {
  /** Connector name, e.g. "source-addepar"; Singer front ends use the tap name instead. */
  name: string;
  /** Singer tap name, e.g. "tap-addepar". */
  tapName: string;
  version: string;
  /** What the connector reads, in a sentence or two for people (--about, --help). */
  description: string;
  spec(): ConnectorSpec;
  /** Called with a config that already passed JSON Schema validation against spec(). */
  check(config: Config, logger: Logger): Promise<CheckResult>;
  /**
   * Every stream this config offers (discover), ready to read. With `only` (a read's catalog), the
   * source may leave out the other streams, and the requests that building them would cost.
   */
  streams(config: Config, logger: Logger, options?: StreamsOptions): Promise<Stream[]>;
  /**
   * Secrets derived from the config's secrets as they appear on the wire, e.g. the base64 of
   * `key:secret` in a Basic Authorization header: masked everywhere like the secrets themselves.
   */
  derivedSecrets?(config: Config): string[];
  /** What the streams of this config asked of the vendor (requests, rate-limit waits), for the sync's last log line. */
  usage?(config: Config): string | undefined;
}
