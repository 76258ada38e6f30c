/**
 * Singer messages on stdout (SCHEMA, RECORD, STATE) as a ReadSink. The STATE value is the whole
 * bookmark map (`{"bookmarks": {...}}`) because a Singer target persists only the latest STATE:
 * streams not read in this sync keep the bookmarks they came in with.
 */
import { InterruptedError } from '../core/errors.js';
import type { ReadSink, StreamStatus } from '../core/read-loop.js';
import { noSecrets, type SecretMasker } from '../core/secrets.js';
import type { EncodedRecords, Row, Stream, StreamState } from '../core/source.js';
import type { Logger } from '../core/logger.js';
import type { LineWriter } from './line-writer.js';
import { describeFailure } from './failure.js';
import { maskDeep, maskRows } from './mask.js';
import { RecordLineEncoder } from './record-line.js';
import { keyProperties, projectSchema, replicationKey, type SingerSelection } from './singer-catalog.js';
import type { StderrLog } from './stderr-logger.js';

export class SingerWriter {
  private masker: SecretMasker = noSecrets;

  constructor(private readonly lines: LineWriter) {}

  setMasker(masker: SecretMasker): void {
    this.masker = masker;
  }

  get secretMasker(): SecretMasker {
    return this.masker;
  }

  /** Non-record messages; masked like every other non-data line. */
  message(msg: Record<string, unknown>): Promise<void> | undefined {
    return this.lines.write(JSON.stringify(maskDeep(msg, this.masker)));
  }

  schema(stream: Stream, properties: string[] | undefined): Promise<void> | undefined {
    const msg: Record<string, unknown> = {
      type: 'SCHEMA',
      stream: stream.name,
      schema: projectSchema(stream.jsonSchema, properties),
      key_properties: keyProperties(stream),
    };
    const key = replicationKey(stream);
    if (key !== undefined) msg.bookmark_properties = [key];
    return this.message(msg);
  }

  /** RECORD messages for one batch; data written as bytes like AirbyteWriter.records. */
  records(stream: string, rows: Row[], properties: string[] | undefined): Promise<void> | undefined {
    const encode = this.recordLines.forBatch(this.recordPrefix(stream));
    return this.lines.writeEach(properties === undefined ? rows : rows.map((row) => pick(row, properties)), encode);
  }

  /** RECORD messages for records already written as JSON (every property selected): their data copied. */
  encodedRecords(stream: string, records: EncodedRecords): Promise<void> | undefined {
    return this.lines.writeIndexed(records.count, this.recordLines.forEncodedBatch(this.recordPrefix(stream), records));
  }

  private recordPrefix(stream: string): string {
    return `{"type":"RECORD","stream":${JSON.stringify(stream)},"time_extracted":"${new Date().toISOString()}","record":`;
  }

  private readonly recordLines = new RecordLineEncoder(1);

  state(value: Record<string, unknown>): Promise<void> | undefined {
    // Flushed at once, not left in the line buffer: a job engine writes a launched job's id to
    // state before it polls, and a crash must not lose that STATE while the job runs.
    void this.message({ type: 'STATE', value });
    return this.lines.flush();
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }
}

function pick(row: Row, properties: string[]): Row {
  const out: Row = {};
  for (const p of properties) if (p in row) out[p] = row[p];
  return out;
}

export class SingerSink implements ReadSink {
  private readonly bookmarks: Record<string, StreamState>;
  private readonly properties = new Map<string, string[] | undefined>();

  constructor(
    private readonly writer: SingerWriter,
    private readonly log: StderrLog,
    private readonly logger: Logger,
    selections: SingerSelection[],
    previous: Map<string, StreamState>,
  ) {
    this.bookmarks = Object.fromEntries(previous);
    for (const s of selections) this.properties.set(s.stream.name, s.properties);
  }

  streamStatus(stream: Stream, status: StreamStatus): Promise<void> | undefined {
    if (status === 'STARTED') return this.writer.schema(stream, this.properties.get(stream.name));
    return undefined;
  }

  records(stream: Stream, rows: Row[]): Promise<void> | undefined {
    return this.writer.records(stream.name, stream.carriesVendorText === true ? maskRows(rows, this.writer.secretMasker) : rows, this.properties.get(stream.name));
  }

  /** Records written as they come need no masking (no vendor text) and no projection (every property selected). */
  acceptsEncodedRecords(stream: Stream): boolean {
    return stream.carriesVendorText !== true && this.properties.get(stream.name) === undefined;
  }

  encodedRecords(stream: Stream, records: EncodedRecords): Promise<void> | undefined {
    return this.writer.encodedRecords(stream.name, records);
  }

  state(stream: Stream, state: StreamState): Promise<void> | undefined {
    // An empty state (a finished full-table stream) leaves no bookmark behind.
    if (Object.keys(state).length === 0) delete this.bookmarks[stream.name];
    else this.bookmarks[stream.name] = state;
    return this.writer.state({ bookmarks: this.bookmarks });
  }

  estimate(stream: Stream, estimate: { rowEstimate?: number; byteEstimate?: number }): void {
    const parts = [];
    if (estimate.rowEstimate !== undefined) parts.push(`${estimate.rowEstimate} rows`);
    if (estimate.byteEstimate !== undefined) parts.push(`${estimate.byteEstimate} bytes`);
    this.logger.info(`Stream "${stream.name}" estimate: ${parts.join(', ')}`);
  }

  /** Singer has no stream status: an ERROR line says which selected stream is not read. */
  unavailable(_name: string, message: string): void {
    this.log.line('ERROR', message);
  }

  /** Errors are stderr lines here, so the read loop leaves them to this sink: each is said once. */
  readonly errorsAreLogLines = true;
  private readonly reported = new WeakSet<object>();

  /**
   * One ERROR line per error: a stream's failure names the stream and its records so far; an error
   * several streams share (an interruption ends every stream) is said once. Technical detail
   * (internal message, stack) only at DEBUG level (--debug).
   */
  error(error: unknown, stream: Stream | undefined, recordCount?: number): void {
    if (typeof error === 'object' && error !== null) {
      if (this.reported.has(error)) return;
      this.reported.add(error);
    }
    const report = describeFailure(error, stream?.name);
    const where = stream === undefined || error instanceof InterruptedError ? '' : `Stream "${stream.name}" failed after ${recordCount ?? 0} records: `;
    this.log.line('ERROR', `${where}${report.message} [${report.failureType}]`);
    if (report.internalMessage !== report.message) this.logger.debug(report.internalMessage);
    if (report.stackTrace !== undefined) this.logger.debug(report.stackTrace);
  }
}
