/**
 * Records that wrap each typed row of a result under one key, after fixed fields and the row's
 * number — `{"job_id": …, "row_number": 7, "data": {…}}` — written as JSON from a file's cells,
 * exactly as JSON.stringify writes the same record built as an object (fields whose value is
 * undefined are left out, as it leaves them out).
 */
import type { EncodedRecords } from '../core/source.js';
import type { CellBatch } from './cell-batch.js';
import { NEEDS_ROOM, type CellRowWriter } from './cell-writer.js';

export interface RecordEnvelope {
  /** Fields before the row number, in order. */
  fields: readonly (readonly [string, unknown])[];
  /** The key of the row's 1-based number in its file. */
  rowNumberKey: string;
  /** The key of the typed row, the record's last field. */
  dataKey: string;
}

/** Records written into a buffer: `bytes` is the start of `buffer`, which may be given back as scratch. */
export type WrittenRecords = EncodedRecords & { buffer: Buffer };

/**
 * Writes every row of `batch` as its enveloped record; `firstRowNumber` is the number of the batch's
 * first row. Writes into `scratch` when it is large enough (a buffer a previous call returned and
 * its consumer released), else into a new buffer.
 */
export function encodeEnvelopedRows(batch: CellBatch, writer: CellRowWriter, envelope: RecordEnvelope, firstRowNumber: number, scratch?: Buffer): WrittenRecords {
  const parts: string[] = [];
  for (const [key, value] of envelope.fields) {
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  parts.push(`${JSON.stringify(envelope.rowNumberKey)}:`);
  const head = Buffer.from(`{${parts.join(',')}`, 'utf8');
  const dataKey = Buffer.from(`,${JSON.stringify(envelope.dataKey)}:`, 'utf8');
  const count = batch.rowCount;
  const ends = new Uint32Array(count);
  const perRow = head.length + 16 + dataKey.length + writer.bytesPerRow + 1;
  // The size: the cells' bytes and what each row adds, plus room for the writer's worst-case check
  // on the longest row (six bytes per cell byte); grown only when escapes really take more.
  let span = 256 * count;
  let longest = 4096;
  const width = batch.header.length;
  if (batch.bytes !== undefined && count > 0 && width > 0) {
    span = batch.ends[count * width - 1]! - batch.starts[0]!;
    for (let r = 0, k = 0; r < count; r++, k += width) longest = Math.max(longest, batch.ends[k + width - 1]! - batch.starts[k]!);
  }
  const size = Math.ceil(span * 1.25) + count * perRow + 6 * longest + perRow;
  let out = scratch !== undefined && scratch.length >= size ? scratch : Buffer.allocUnsafe(size);
  let p = 0;
  for (let r = 0; r < count; r++) {
    for (;;) {
      const start = p;
      if (out.length - p >= perRow) {
        let q = p;
        out.set(head, q);
        q = writeWholeNumber(firstRowNumber + r, out, q + head.length);
        out.set(dataKey, q);
        q += dataKey.length;
        const end = writer.write(batch, r, out, q);
        if (end !== NEEDS_ROOM && out.length - end >= 1) {
          out[end] = 125;
          p = end + 1;
          break;
        }
      }
      const bigger = Buffer.allocUnsafe(out.length * 2);
      out.copy(bigger, 0, 0, start);
      out = bigger;
      p = start;
    }
    ends[r] = p;
  }
  return { count, bytes: out.subarray(0, p), ends, buffer: out };
}

/** A row number's digits (non-negative, below 2^53), without a string. */
function writeWholeNumber(n: number, out: Uint8Array, p: number): number {
  if (n < 10) {
    out[p] = 48 + n;
    return p + 1;
  }
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  for (let i = p + digits - 1; i >= p; i--) {
    out[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + digits;
}
