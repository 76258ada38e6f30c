/**
 * Serializes Airbyte protocol messages onto stdout, one JSON object per line.
 * Every message except RECORD goes through the SecretMasker (records carry data, not config,
 * and masking them would cost a scan per record); this is the single exit for LOG, TRACE,
 * STATE, CONNECTION_STATUS and CATALOG lines.
 */
import type { Logger, LogLevel } from '../core/logger.js';
import type { EncodedRecords, Row, StreamState } from '../core/source.js';
import { noSecrets, type SecretMasker } from '../core/secrets.js';
import type { StreamStatus } from '../core/read-loop.js';
import type { LineWriter } from './line-writer.js';
import { describeFailure } from './failure.js';
import { maskDeep } from './mask.js';
import { RecordLineEncoder } from './record-line.js';

export type AirbyteLogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const AIRBYTE_LEVEL: Record<LogLevel, AirbyteLogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

export class AirbyteWriter {
  private masker: SecretMasker = noSecrets;

  constructor(private readonly lines: LineWriter) {}

  /** Installed once the config (and so the secret values) is known. */
  setMasker(masker: SecretMasker): void {
    this.masker = masker;
  }

  get secretMasker(): SecretMasker {
    return this.masker;
  }

  /** Any non-RECORD message; masked, then serialized. */
  message(msg: Record<string, unknown>): Promise<void> | undefined {
    return this.lines.write(JSON.stringify(maskDeep(msg, this.masker)));
  }

  /**
   * RECORD messages for one batch, the hot path of a sync: the envelope is encoded once per batch
   * and each record's data is written as UTF-8 straight into the line buffer by a RowEncoder
   * (the bytes of JSON.stringify, without building a string per record).
   */
  records(stream: string, rows: Row[], emittedAt = Date.now()): Promise<void> | undefined {
    const encode = this.recordLines.forBatch(this.recordPrefix(stream, emittedAt));
    return this.lines.writeEach(rows, encode);
  }

  /** RECORD messages for records already written as JSON: the same lines, their data copied. */
  encodedRecords(stream: string, records: EncodedRecords, emittedAt = Date.now()): Promise<void> | undefined {
    return this.lines.writeIndexed(records.count, this.recordLines.forEncodedBatch(this.recordPrefix(stream, emittedAt), records));
  }

  private recordPrefix(stream: string, emittedAt: number): string {
    return `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"emitted_at":${emittedAt},"data":`;
  }

  private readonly recordLines = new RecordLineEncoder(2);

  log(level: AirbyteLogLevel, message: string, stackTrace?: string): Promise<void> | undefined {
    const log: Record<string, unknown> = { level, message };
    if (stackTrace !== undefined) log.stack_trace = stackTrace;
    return this.message({ type: 'LOG', log });
  }

  /** A Logger for sources and streams; lines below `minLevel` are dropped. */
  logger(minLevel: LogLevel = 'info'): Logger {
    const make =
      (level: LogLevel) =>
      (message: string): void => {
        if (LEVEL_RANK[level] < LEVEL_RANK[minLevel]) return;
        // Loggers are synchronous; the line is buffered and the next awaited write applies back-pressure.
        void this.log(AIRBYTE_LEVEL[level], message);
      };
    return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
  }

  state(stream: string, streamState: StreamState, recordCount: number): Promise<void> | undefined {
    // A STATE is flushed at once, not left in the line buffer: a job engine writes a launched job's
    // id to state before it polls, and a crash must not lose that STATE while the job runs.
    void this.message({
      type: 'STATE',
      state: {
        type: 'STREAM',
        stream: { stream_descriptor: { name: stream }, stream_state: streamState },
        sourceStats: { recordCount },
      },
    });
    return this.lines.flush();
  }

  streamStatus(stream: string, status: StreamStatus): Promise<void> | undefined {
    return this.trace('STREAM_STATUS', { stream_status: { stream_descriptor: { name: stream }, status } });
  }

  estimate(stream: string, estimate: { rowEstimate?: number; byteEstimate?: number }): Promise<void> | undefined {
    const body: Record<string, unknown> = { name: stream, type: 'STREAM' };
    if (estimate.rowEstimate !== undefined) body.row_estimate = Math.round(estimate.rowEstimate);
    if (estimate.byteEstimate !== undefined) body.byte_estimate = Math.round(estimate.byteEstimate);
    return this.trace('ESTIMATE', { estimate: body });
  }

  /** TRACE ERROR for any failure; the failure type comes from the error's class. */
  error(err: unknown, stream?: string): Promise<void> | undefined {
    const report = describeFailure(err, stream);
    const error: Record<string, unknown> = {
      message: report.message,
      internal_message: report.internalMessage,
      failure_type: report.failureType,
    };
    if (report.stackTrace !== undefined) error.stack_trace = report.stackTrace;
    if (stream !== undefined) error.stream_descriptor = { name: stream };
    return this.trace('ERROR', { error });
  }

  connectionStatus(status: 'SUCCEEDED' | 'FAILED', message?: string): Promise<void> | undefined {
    const connectionStatus: Record<string, unknown> = { status };
    if (message !== undefined) connectionStatus.message = message;
    return this.message({ type: 'CONNECTION_STATUS', connectionStatus });
  }

  private trace(type: string, body: Record<string, unknown>): Promise<void> | undefined {
    return this.message({ type: 'TRACE', trace: { type, emitted_at: Date.now(), ...body } });
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }
}
