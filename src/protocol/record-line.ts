/**
 * One RECORD line, as both protocols write it: `<envelope prefix><record data as JSON><closing braces>`.
 * The envelope (stream name, emitted_at / time_extracted) is encoded once per batch; each record's
 * data is written as UTF-8 straight into the line buffer by a RowEncoder.
 */
import type { EncodedRecords, Row } from '../core/source.js';
import type { LineEncoder } from './line-writer.js';
import { createRowEncoder, NEEDS_ROOM } from './row-encoder.js';

const CLOSE_BRACE = 0x7d;

export class RecordLineEncoder {
  private prefix = Buffer.alloc(0);
  private readonly rows = createRowEncoder();

  /** `closingBraces`: how many objects the prefix leaves open around the data. */
  constructor(private readonly closingBraces: number) {}

  /** Sets the envelope for the next batch and returns the encoder to hand to LineWriter.writeEach. */
  forBatch(prefix: string): LineEncoder<Row> {
    this.prefix = Buffer.from(prefix, 'utf8');
    return this.encode;
  }

  /** The encoder for records already written as JSON (copied, not encoded again). */
  forEncodedBatch(prefix: string, records: EncodedRecords): LineEncoder<number> {
    const head = Buffer.from(prefix, 'utf8');
    const { ends } = records;
    // A Buffer view, for Buffer#copy: a native copy without a subarray per record.
    const bytes = Buffer.from(records.bytes.buffer, records.bytes.byteOffset, records.bytes.byteLength);
    const braces = this.closingBraces;
    return (i, b, p) => {
      const start = i === 0 ? 0 : ends[i - 1]!;
      const end = ends[i]!;
      if (b.length - p < head.length + (end - start) + braces) return NEEDS_ROOM;
      head.copy(b, p);
      p += head.length;
      bytes.copy(b, p, start, end);
      p += end - start;
      for (let k = 0; k < braces; k++) b[p++] = CLOSE_BRACE;
      return p;
    };
  }

  private readonly encode: LineEncoder<Row> = (row, b, p) => {
    const prefix = this.prefix;
    if (b.length - p < prefix.length) return NEEDS_ROOM;
    b.set(prefix, p);
    const end = this.rows.encode(row, b, p + prefix.length);
    const braces = this.closingBraces;
    if (end < 0 || b.length - end < braces) return NEEDS_ROOM;
    for (let i = 0; i < braces; i++) b[end + i] = CLOSE_BRACE;
    return end + braces;
  };
}
