/** The read loop's events as Airbyte messages. */
import type { ReadSink, StreamStatus } from '../core/read-loop.js';
import type { EncodedRecords, Row, Stream, StreamState } from '../core/source.js';
import type { Logger } from '../core/logger.js';
import type { AirbyteWriter } from './airbyte-writer.js';
import { maskRows } from './mask.js';

export class AirbyteSink implements ReadSink {
  constructor(
    private readonly writer: AirbyteWriter,
    private readonly logger: Logger,
  ) {}

  /** As the CDK does: the stream is INCOMPLETE, with a warning saying why; the others are read. */
  unavailable(name: string, message: string): Promise<void> | undefined {
    this.logger.warn(message);
    return this.writer.streamStatus(name, 'INCOMPLETE');
  }

  streamStatus(stream: Stream, status: StreamStatus): Promise<void> | undefined {
    return this.writer.streamStatus(stream.name, status);
  }

  records(stream: Stream, rows: Row[]): Promise<void> | undefined {
    return this.writer.records(stream.name, stream.carriesVendorText === true ? maskRows(rows, this.writer.secretMasker) : rows);
  }

  /** Records written as they come need no masking: streams that carry vendor text get Row batches. */
  acceptsEncodedRecords(stream: Stream): boolean {
    return stream.carriesVendorText !== true;
  }

  encodedRecords(stream: Stream, records: EncodedRecords): Promise<void> | undefined {
    return this.writer.encodedRecords(stream.name, records);
  }

  state(stream: Stream, state: StreamState, recordCount: number): Promise<void> | undefined {
    return this.writer.state(stream.name, state, recordCount);
  }

  estimate(stream: Stream, estimate: { rowEstimate?: number; byteEstimate?: number }): Promise<void> | undefined {
    return this.writer.estimate(stream.name, estimate);
  }

  error(error: unknown, stream: Stream | undefined): Promise<void> | undefined {
    return this.writer.error(error, stream?.name);
  }
}
