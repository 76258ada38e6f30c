/** The read loop's events as Airbyte messages. */
import type { ReadSink, StreamStatus } from '../core/read-loop.js';
import type { Row, Stream, StreamState } from '../core/source.js';
import type { AirbyteWriter } from './airbyte-writer.js';

export class AirbyteSink implements ReadSink {
  constructor(private readonly writer: AirbyteWriter) {}

  streamStatus(stream: Stream, status: StreamStatus): Promise<void> | undefined {
    return this.writer.streamStatus(stream.name, status);
  }

  records(stream: Stream, rows: Row[]): Promise<void> | undefined {
    return this.writer.records(stream.name, rows);
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
