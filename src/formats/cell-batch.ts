/**
 * A batch of a delimited file's rows as cells, without building an object or a string per cell:
 * each cell is a byte range of the (UTF-8) file, so a writer can copy the bytes a cell needs
 * unchanged straight into its output. Rows read by papaparse (the fallback for unusual quoting)
 * come as strings instead; both forms materialise to the same raw rows on demand.
 */
import type { RawRow } from './types.js';

/** A cell quoted with doubled quotes inside: its bytes need `""` → `"`. */
export const CELL_ESCAPED = 1;

export interface CellBatch {
  /** The file's header, deduplicated (the raw rows' keys, in file order). */
  readonly header: readonly string[];
  readonly rowCount: number;
  /** 1-based data row number (header not counted) of the batch's first row. */
  readonly firstRow: number;
  /** Byte form: cells point into `bytes`; undefined for rows read as strings. */
  readonly bytes: Uint8Array | undefined;
  /** Row-major, `header.length` per row: first byte of each cell (after an opening quote). */
  readonly starts: Int32Array;
  /** Row-major: end of each cell (before a closing quote). */
  readonly ends: Int32Array;
  /** Row-major: CELL_ESCAPED for quoted cells with doubled quotes, else 0. */
  readonly flags: Uint8Array;
  /** String form (papaparse rows), when `bytes` is undefined. */
  readonly strings: readonly (readonly string[])[] | undefined;
  /** The text of one cell. */
  text(row: number, column: number): string;
  /** The rows as the string parser would give them: keys from the header, values as text. */
  rawRows(makeRow: (fields: string[]) => RawRow): RawRow[];
}

const decoder = new TextDecoder('utf-8');

function cellText(bytes: Uint8Array, start: number, end: number, flags: number): string {
  const text = decoder.decode(bytes.subarray(start, end));
  return flags === CELL_ESCAPED ? text.replaceAll('""', '"') : text;
}

export function byteCellBatch(
  header: readonly string[],
  bytes: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  flags: Uint8Array,
  rowCount: number,
  firstRow: number,
): CellBatch {
  const width = header.length;
  return {
    header,
    rowCount,
    firstRow,
    bytes,
    starts,
    ends,
    flags,
    strings: undefined,
    text: (row, column) => {
      const k = row * width + column;
      return cellText(bytes, starts[k]!, ends[k]!, flags[k]!);
    },
    rawRows(makeRow) {
      const rows: RawRow[] = new Array<RawRow>(rowCount);
      const fields: string[] = new Array<string>(width);
      for (let r = 0; r < rowCount; r++) {
        for (let c = 0, k = r * width; c < width; c++, k++) fields[c] = cellText(bytes, starts[k]!, ends[k]!, flags[k]!);
        rows[r] = makeRow(fields);
      }
      return rows;
    },
  };
}

const NO_INTS = new Int32Array(0);
const NO_FLAGS = new Uint8Array(0);

export function stringCellBatch(header: readonly string[], strings: readonly (readonly string[])[], firstRow: number): CellBatch {
  return {
    header,
    rowCount: strings.length,
    firstRow,
    bytes: undefined,
    starts: NO_INTS,
    ends: NO_INTS,
    flags: NO_FLAGS,
    strings,
    text: (row, column) => strings[row]![column]!,
    rawRows: (makeRow) => strings.map((fields) => makeRow(fields as string[])),
  };
}

/** The rows of `batch` from `from` on (a resumed download skips the rows it emitted before). */
export function sliceRows(batch: CellBatch, from: number): CellBatch {
  if (from <= 0) return batch;
  if (batch.bytes === undefined) return stringCellBatch(batch.header, batch.strings!.slice(from), batch.firstRow + from);
  const width = batch.header.length;
  return byteCellBatch(
    batch.header,
    batch.bytes,
    batch.starts.subarray(from * width),
    batch.ends.subarray(from * width),
    batch.flags.subarray(from * width),
    batch.rowCount - from,
    batch.firstRow + from,
  );
}
