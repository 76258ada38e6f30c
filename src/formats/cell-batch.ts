/**
 * A batch of a file's rows as cells, without building an object or a string per cell: each cell is
 * a byte range of the (UTF-8) file, so a writer can copy the bytes a cell needs unchanged straight
 * into its output. Every row of a batch has the same columns (`header`). Delimited files and JSON
 * arrays of objects give cells; rows read by papaparse (the CSV fallback for unusual quoting) come
 * as strings instead. Every form materialises to the raw rows its string parser would give.
 *
 * What a cell's bytes hold is in its flag: the text of a delimited cell (0, or CELL_ESCAPED), or
 * one JSON value — a string's contents between its quotes (0 when it has no escape, else
 * JSON_STRING_ESCAPED), a number's text, true/false, null (an empty range), or a whole object or
 * array. A writer may treat flag 0 the same in both: text whose bytes are its characters.
 */
import type { Token } from 'stream-json/core/parser.js';
import { jsonParser } from 'stream-json/core/parser.js';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import type { RawRow } from './types.js';
import { jsonNumber, ValueBuilder } from './json-values.js';

/** A quoted delimited cell with doubled quotes inside: its bytes need `""` → `"`. */
export const CELL_ESCAPED = 1;
/** A JSON string with backslash escapes (the bytes between its quotes). */
export const JSON_STRING_ESCAPED = 2;
/** A JSON number's text. */
export const JSON_NUMBER = 3;
/** `true` or `false`. */
export const JSON_LITERAL = 4;
/** `null`: an empty range, so writers that write null for an empty cell need no other check. */
export const JSON_NULL = 5;
/** A JSON object or array, brackets included. */
export const JSON_NESTED = 6;

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
  /** Row-major: what each cell's bytes hold (0, CELL_ESCAPED or a JSON_* flag). */
  readonly flags: Uint8Array;
  /** String form (papaparse rows), when `bytes` is undefined. */
  readonly strings: readonly (readonly string[])[] | undefined;
  /** The value of one cell as the string parser gives it (text; for JSON, the decoded value). */
  value(row: number, column: number): unknown;
  /** The rows as the string parser would give them: keys from the header, values as `value` gives them. */
  rawRows(makeRow: (fields: unknown[]) => RawRow): RawRow[];
}

const decoder = new TextDecoder('utf-8');

/** A cell's value, decoded as the string parsers (papaparse, stream-json with ValueBuilder) decode it. */
function cellValue(bytes: Uint8Array, start: number, end: number, flag: number): unknown {
  switch (flag) {
    case 0:
      return decoder.decode(bytes.subarray(start, end));
    case CELL_ESCAPED:
      return decoder.decode(bytes.subarray(start, end)).replaceAll('""', '"');
    case JSON_STRING_ESCAPED:
      // The bytes are a valid JSON string's contents (the scanner checked), so this cannot throw.
      return JSON.parse(`"${decoder.decode(bytes.subarray(start, end))}"`) as string;
    case JSON_NUMBER:
      return jsonNumber(decoder.decode(bytes.subarray(start, end)));
    case JSON_LITERAL:
      return bytes[start] === 116; // t
    case JSON_NULL:
      return null;
    case JSON_NESTED:
      return nestedValue(decoder.decode(bytes.subarray(start, end)));
    default:
      throw new RangeError(`unknown cell flag ${flag}`);
  }
}

/**
 * An object or array built the way the JSON reader builds values (ValueBuilder: big integers stay
 * text, "__proto__" is an own key), so a nested cell's value is the one the rows path would type.
 */
function nestedValue(text: string): unknown {
  const tokenize = jsonParser({ packValues: true, streamValues: false });
  const builder = new ValueBuilder();
  const feed = (out: ReturnType<typeof tokenize>): void => {
    if (isMany(out)) for (const token of getManyValues(out) as Token[]) builder.push(token);
  };
  feed(tokenize(text));
  // The flushable also accepts `none` (end of input), which its declared type leaves out.
  feed((tokenize as unknown as (end: typeof none) => ReturnType<typeof tokenize>)(none));
  return builder.value;
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
    value: (row, column) => {
      const k = row * width + column;
      return cellValue(bytes, starts[k]!, ends[k]!, flags[k]!);
    },
    rawRows(makeRow) {
      const rows: RawRow[] = new Array<RawRow>(rowCount);
      const fields: unknown[] = new Array<unknown>(width);
      for (let r = 0; r < rowCount; r++) {
        for (let c = 0, k = r * width; c < width; c++, k++) fields[c] = cellValue(bytes, starts[k]!, ends[k]!, flags[k]!);
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
    value: (row, column) => strings[row]![column]!,
    rawRows: (makeRow) => strings.map((fields) => makeRow(fields as string[])),
  };
}

/**
 * A batch of parsed rows: raw rows (objects), or the same rows as cells, in runs that each share
 * one header (a JSON file's rows may change keys within a batch; a delimited file's never do).
 */
export type ParsedBatch = { kind: 'rows'; rows: RawRow[] } | { kind: 'cells'; cells: CellBatch[] };

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

/** The rows of a batch's runs from `from` on. */
export function sliceRuns(runs: readonly CellBatch[], from: number): CellBatch[] {
  const out: CellBatch[] = [];
  for (const run of runs) {
    if (from >= run.rowCount) {
      from -= run.rowCount;
      continue;
    }
    out.push(sliceRows(run, from));
    from = 0;
  }
  return out;
}

/** Rows in a batch's runs. */
export function runsRowCount(runs: readonly CellBatch[]): number {
  let n = 0;
  for (const run of runs) n += run.rowCount;
  return n;
}
