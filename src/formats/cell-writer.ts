/**
 * Rows of a delimited file written as their typed JSON objects straight from the file's bytes: for
 * every row, exactly the bytes of `JSON.stringify(createRowTyper(options).type(rawRow, n))`, without
 * building the raw row, the typed row or a string per cell.
 *
 * Each column gets a writer from its schema type. The common cells take a byte path that is exact
 * by construction — text that needs no change is copied (JSON escapes added where JSON.stringify
 * adds them); a decimal with at most 15 significant digits, however written ("1234.5", "$1,234.50",
 * "(12.00)", "-12.5%"), is written in the shortest form that reads back as the same double, which
 * is the form JSON.stringify gives; ISO and US dates are copied or reordered. Every other cell
 * takes the typer's own caster on the cell's text (the slow path), so its value is the same.
 * The test beside this file checks writer and typer agree on generated files.
 */
import type { CellBatch } from './cell-batch.js';
import { CELL_ESCAPED, JSON_LITERAL, JSON_NUMBER } from './cell-batch.js';
import { rowFactory } from './csv.js';
import { MAX_NUMBER_BYTES, maxJsonStringBytes, writeJsonNumber, writeJsonString } from '../protocol/json-bytes.js';
import { ColumnTyping, NO_FIT, type ColumnPlan } from './typer.js';
import { nonNullTypes } from '../core/json-schema.js';
import type { TypingOptions } from './types.js';

/** Returned instead of an end offset when the output has too little room; retry with more. */
export const NEEDS_ROOM = -1;

export interface CellRowWriter {
  /** Writes row `r` of `batch` at out[p]; returns the end, or NEEDS_ROOM (nothing usable written). */
  write(batch: CellBatch, r: number, out: Uint8Array, p: number): number;
  readonly castFailures: number;
  /** Bytes a row takes besides its values (keys, braces): for sizing output buffers. */
  readonly bytesPerRow: number;
}

/** How a column's cells are written. */
const enum Kind {
  /** Text as is (a string property, or a column the schema does not have: kept raw). */
  Text,
  Integer,
  Number,
  Boolean,
  Date,
  DateTime,
  /** Anything else: the typer's caster on the cell's text. */
  Cast,
}

interface Column {
  /** Index of the column in the file (the cell's place in its row). */
  index: number;
  rawKey: string;
  plan: ColumnPlan;
  kind: Kind;
  /** `,"key":` (or `{"key":` for the first), UTF-8. */
  keyBytes: Uint8Array;
}

/**
 * A writer for the rows of files with this header, or undefined when the typed rows would not be
 * plain objects the writer reproduces (a "__proto__" column, or more columns than the typer compiles).
 */
export function createCellRowWriter(options: TypingOptions & { header: readonly string[]; typing?: ColumnTyping }): CellRowWriter | undefined {
  // One file's writers (a JSON file's rows may change their keys) and its row typer share one typing,
  // so a column gets the same name and caster whichever of them meets it first.
  const typing = options.typing ?? new ColumnTyping(options);
  const header = options.header;
  if (header.length > 500) return undefined;
  // The raw row's keys in the order its object has them (integer-like names first), which is the
  // order the typer plans and writes them in.
  const sample = rowFactory(header)(header.map(() => ''));
  const rawKeys = Object.keys(sample);
  const plans = rawKeys.map((k) => typing.plan(k));
  if (plans.some((p) => p.outKey === '__proto__')) return undefined;
  // The typed row's keys, likewise in object order.
  const typedSample: Record<string, number> = {};
  plans.forEach((p, i) => Object.defineProperty(typedSample, p.outKey, { value: i, enumerable: true, writable: true, configurable: true }));
  const order = Object.keys(typedSample).map((k) => typedSample[k]!);
  const columns: Column[] = order.map((i, position) => {
    const plan = plans[i]!;
    return {
      index: header.indexOf(rawKeys[i]!),
      rawKey: rawKeys[i]!,
      plan,
      kind: kindOf(typing, plan),
      keyBytes: Buffer.from(`${position === 0 ? '{' : ','}${JSON.stringify(plan.outKey)}:`, 'utf8'),
    };
  });
  const width = header.length;
  const count = columns.length;
  const keyBytes = columns.reduce((sum, c) => sum + c.keyBytes.length, 0);
  /** Room a row needs at most besides 6 bytes per byte of its cells: keys, braces, numbers. */
  const rowFixed = keyBytes + count * (MAX_NUMBER_BYTES + 2) + 2;

  const castCell = (column: Column, raw: unknown, rowNumber: number): unknown => {
    const value = column.plan.cast(raw);
    return value === NO_FIT ? typing.onNoFit(column.plan, column.rawKey, raw, rowNumber) : value;
  };

  /** Rows read as strings (papaparse's fallback): the typer's casters, cell by cell. */
  const writeStringRow = (fields: readonly string[], rowNumber: number, out: Uint8Array, p: number): number => {
    for (let c = 0; c < count; c++) {
      const column = columns[c]!;
      const key = column.keyBytes;
      if (out.length - p < key.length + 1) return NEEDS_ROOM;
      out.set(key, p);
      p = writeValue(castCell(column, fields[column.index]!, rowNumber), out, p + key.length);
      if (p < 0) return NEEDS_ROOM;
    }
    if (out.length - p < 2) return NEEDS_ROOM;
    if (count === 0) out[p++] = 123;
    out[p] = 125;
    return p + 1;
  };

  // The batch and row being written, for the slow path of a cell (the generated code passes the column).
  let slowBatch: CellBatch | undefined;
  let slowRow = 0;
  const slow = (c: number, out: Uint8Array, p: number): number => {
    const column = columns[c]!;
    return writeValue(castCell(column, slowBatch!.value(slowRow, column.index), slowBatch!.firstRow + slowRow), out, p);
  };
  const writeCells = compileRowWriter(columns, slow);

  const writeRow = (batch: CellBatch, r: number, out: Uint8Array, p: number): number => {
    const bytes = batch.bytes;
    if (bytes === undefined) return writeStringRow(batch.strings![r]!, batch.firstRow + r, out, p);
    const base = r * width;
    // Room for the worst case, checked once: every cell byte escaped to six, every number at its longest.
    if (out.length - p < rowFixed + (width === 0 ? 0 : 6 * (batch.ends[base + width - 1]! - batch.starts[base]!))) return NEEDS_ROOM;
    slowBatch = batch;
    slowRow = r;
    return writeCells(bytes, batch.starts, batch.ends, batch.flags, base, out, p, viewOf(out));
  };

  return {
    get castFailures() {
      return typing.castFailures;
    },
    bytesPerRow: keyBytes + 2,
    write(batch, r, out, p) {
      // A row retried with more room must not count its cast failures twice.
      const failuresBefore = typing.castFailures;
      const end = writeRow(batch, r, out, p);
      if (end === NEEDS_ROOM) typing.castFailures = failuresBefore;
      return end;
    },
  };
}

type RowCellsWriter = (b: Uint8Array, S: Int32Array, E: Int32Array, F: Uint8Array, base: number, out: Uint8Array, p: number, dv: DataView<ArrayBufferLike>) => number;

let viewed: Uint8Array | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
/** A DataView of the output, for four-byte stores of key bytes (kept while the output stays the same). */
function viewOf(out: Uint8Array): DataView<ArrayBufferLike> {
  if (out !== viewed) {
    viewed = out;
    view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }
  return view;
}

/**
 * The per-row hot path, generated for one column list (as the typer and the protocol's row encoder
 * generate theirs): each key's bytes are constant stores, each cell is read by its column's index
 * and written by its kind's writer, the slow path called only for cells that writer declines.
 * The caller has checked the room. Key names enter the source only as byte values.
 */
function compileRowWriter(columns: readonly Column[], slow: (c: number, out: Uint8Array, p: number) => number): RowCellsWriter {
  const src: string[] = ['return function writeCells(b, S, E, F, base, out, p, dv) {', '  let k, s, e, w;'];
  columns.forEach((column, c) => {
    const kb = Buffer.from(column.keyBytes);
    let j = 0;
    for (; j + 4 <= kb.length; j += 4) src.push(`  dv.setUint32(p + ${j}, ${kb.readUInt32BE(j)});`);
    for (; j < kb.length; j++) src.push(`  out[p + ${j}] = ${kb[j]};`);
    src.push(`  p += ${kb.length};`);
    src.push(`  k = base + ${column.index}; s = S[k]; e = E[k];`);
    src.push(`  if (s === e) { dv.setUint32(p, ${Buffer.from('null').readUInt32BE(0)}); p += 4; } else {`);
    switch (column.kind) {
      // Flag 0 is text as is, in a delimited file or a JSON string; other JSON values go to the
      // typer's caster, except numbers into number columns and true/false into boolean ones, which
      // the same byte paths write exactly (a JSON number's text is a plain decimal they read alike).
      case Kind.Text:
        src.push(`    w = F[k] <= ${CELL_ESCAPED} ? writeTextCell(b, s, e, F[k], out, p) : -1;`);
        break;
      case Kind.Integer:
      case Kind.Number:
        src.push(`    w = F[k] === 0 || F[k] === ${JSON_NUMBER} ? writeDecimalCell(b, s, e, out, p, ${column.kind === Kind.Integer}) : -1;`);
        break;
      case Kind.Boolean:
        src.push(`    w = F[k] === 0 || F[k] === ${JSON_LITERAL} ? writeBooleanCell(b, s, e, out, p) : -1;`);
        break;
      case Kind.Date:
        src.push('    w = F[k] === 0 ? writeDateCell(b, s, e, out, p) : -1;');
        break;
      case Kind.DateTime:
        src.push('    w = F[k] === 0 ? writeDateTimeCell(b, s, e, out, p) : -1;');
        break;
      default:
        src.push('    w = -1;');
    }
    src.push(`    if (w < 0) { w = slow(${c}, out, p); if (w < 0) return ${NEEDS_ROOM}; }`, '    p = w;', '  }');
  });
  src.push(columns.length === 0 ? '  out[p] = 123; out[p + 1] = 125; return p + 2;' : '  out[p] = 125; return p + 1;', '};');
  // Generated code is the point here (see above); keys are byte values, everything else is fixed text.
  const factory = new Function('slow', 'writeTextCell', 'writeDecimalCell', 'writeBooleanCell', 'writeDateCell', 'writeDateTimeCell', src.join('\n')) as (
    ...deps: unknown[]
  ) => RowCellsWriter;
  return factory(slow, writeTextCell, writeDecimalCell, writeBooleanCell, writeDateCell, writeDateTimeCell);
}

function kindOf(typing: ColumnTyping, plan: ColumnPlan): Kind {
  const schema = typing.propertySchema(plan.outKey);
  if (schema === undefined) return Kind.Text; // kept raw: text as is, empty → null
  const types = nonNullTypes(schema);
  if (types.length !== 1) return Kind.Cast;
  switch (types[0]) {
    case 'string':
      return schema.format === 'date' ? Kind.Date : schema.format === 'date-time' ? Kind.DateTime : Kind.Text;
    case 'integer':
      return Kind.Integer;
    case 'number':
      return Kind.Number;
    case 'boolean':
      return Kind.Boolean;
    default:
      return Kind.Cast;
  }
}

const NULL = Buffer.from('null');

function writeNull(out: Uint8Array, p: number): number {
  out[p] = NULL[0]!;
  out[p + 1] = NULL[1]!;
  out[p + 2] = NULL[2]!;
  out[p + 3] = NULL[3]!;
  return p + 4;
}

/** A value the caster gave, as JSON.stringify writes it; NEEDS_ROOM when it does not fit. */
function writeValue(value: unknown, out: Uint8Array, p: number): number {
  if (value === null || value === undefined) {
    if (out.length - p < 4) return NEEDS_ROOM;
    return writeNull(out, p);
  }
  switch (typeof value) {
    case 'string':
      if (out.length - p < maxJsonStringBytes(value.length)) return NEEDS_ROOM;
      return writeJsonString(value, out, p);
    case 'number':
      if (out.length - p < MAX_NUMBER_BYTES) return NEEDS_ROOM;
      return writeJsonNumber(value, out, p);
    default: {
      const text = JSON.stringify(value);
      const bytes = Buffer.from(text, 'utf8');
      if (out.length - p < bytes.length) return NEEDS_ROOM;
      out.set(bytes, p);
      return p + bytes.length;
    }
  }
}

/** Bytes JSON.stringify writes as they are: 0x20–0xff except '"' and '\\' (bytes ≥ 0x80 are UTF-8 already). */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x100; c++) PLAIN[c] = c === 34 || c === 92 ? 0 : 1;

const ESCAPE_SHORT: Record<number, number> = { 8: 98, 9: 116, 10: 110, 12: 102, 13: 114, 34: 34, 92: 92 };
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** A cell's text as a JSON string; a quoted cell's doubled quotes become one (escaped). */
function writeTextCell(b: Uint8Array, s: number, e: number, flag: number, out: Uint8Array, p: number): number {
  out[p++] = 34;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (PLAIN[c] === 1) {
      out[p++] = c;
      continue;
    }
    if (c === 34 && flag === CELL_ESCAPED) i++; // "" in a quoted cell is one quote
    const short = ESCAPE_SHORT[c];
    out[p] = 92;
    if (short !== undefined) {
      out[p + 1] = short;
      p += 2;
    } else {
      out[p + 1] = 117;
      out[p + 2] = 48;
      out[p + 3] = 48;
      out[p + 4] = HEX[c >> 4]!;
      out[p + 5] = HEX[c & 15]!;
      p += 6;
    }
  }
  out[p] = 34;
  return p + 1;
}

/** Significant digits of the decimal being written (at most 15 are used). */
const DIGITS = new Uint8Array(64);

/**
 * A decimal number written the way JSON.stringify writes the double the typer reads from it, or -1
 * for text this path does not read (the caster then decides, exactly as before). Accepted:
 * `[-|(] [$] int [. frac] [%] [)]`, int with commas only in groups of three, at most 15 significant
 * digits. The typer reads each such text as the double nearest its decimal value; a decimal of at
 * most 15 significant digits is the shortest text of that double (15 digits always round-trip), so
 * Number#toString writes exactly its digits, placed as below.
 */
function writeDecimalCell(b: Uint8Array, s: number, e: number, out: Uint8Array, p: number, integer: boolean): number {
  const plain = plainDecimalEnd(b, s, e, integer);
  if (plain > 0) {
    for (let i = s; i < e; i++) out[p++] = b[i]!;
    return p;
  }
  let i = s;
  let negative = false;
  if (b[i] === 45 /* - */) {
    negative = true;
    i++;
  } else if (b[i] === 40 /* ( */) {
    if (e - s < 3 || b[e - 1] !== 41 /* ) */) return -1;
    negative = true;
    i++;
    e--;
  }
  if (b[i] === 36 /* $ */) i++;
  let exponent = 0;
  if (e > i && b[e - 1] === 37 /* % */) {
    if (b[s] === 40) return -1; // "(12%)": rare, the caster decides
    exponent = -2;
    e--;
  }
  // All digits in order (commas dropped) into DIGITS, counting those after the point.
  let n = 0;
  let intDigits = 0;
  let group = -1; // digits since the last comma; -1 before any comma
  for (; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      intDigits++;
      if (group >= 0) group++;
      if (n === 0 && c === 48) continue; // a leading zero: no significant digit yet
      if (n === DIGITS.length) return -1;
      DIGITS[n++] = c;
    } else if (c === 44 /* , */) {
      if (group >= 0 ? group !== 3 : intDigits < 1 || intDigits > 3) return -1;
      group = 0;
    } else break;
  }
  if (intDigits === 0 || (group >= 0 && group !== 3)) return -1;
  if (i < e) {
    if (b[i] !== 46 /* . */ || i + 1 === e) return -1;
    for (i++; i < e; i++) {
      const c = b[i]!;
      if (c < 48 || c > 57) return -1;
      exponent--;
      if (n === 0 && c === 48) continue; // a zero before the first significant digit
      if (n === DIGITS.length) return -1;
      DIGITS[n++] = c;
    }
  }
  // Trailing zeros are not significant: value = DIGITS[0..n) × 10^exponent.
  while (n > 0 && DIGITS[n - 1] === 48) {
    n--;
    exponent++;
  }
  if (n === 0) {
    out[p] = 48; // zero, also "-0.00": JSON.stringify writes -0 as 0
    return p + 1;
  }
  if (n > 15) return -1;
  // k: where the decimal point falls relative to the first digit (10^(k-1) <= |value| < 10^k).
  const k = n + exponent;
  // Number#toString's plain notation covers 1e-6 <= |value| < 1e21.
  if (k > 21 || k <= -6) return -1;
  if (integer && exponent < 0) return -1; // not whole: the caster says so
  if (negative) out[p++] = 45;
  if (k <= 0) {
    out[p++] = 48;
    out[p++] = 46;
    for (let z = 0; z < -k; z++) out[p++] = 48;
    for (let d = 0; d < n; d++) out[p++] = DIGITS[d]!;
  } else if (k >= n) {
    for (let d = 0; d < n; d++) out[p++] = DIGITS[d]!;
    for (let z = n; z < k; z++) out[p++] = 48;
  } else {
    for (let d = 0; d < k; d++) out[p++] = DIGITS[d]!;
    out[p++] = 46;
    for (let d = k; d < n; d++) out[p++] = DIGITS[d]!;
  }
  return p;
}

/**
 * The usual "-123.45" when it is already the shortest text of its double — no leading zero, no
 * trailing zero in the fraction, at most 15 digits — so it is copied as it is: 1 when so, else 0.
 */
function plainDecimalEnd(b: Uint8Array, s: number, e: number, integer: boolean): number {
  let i = s;
  if (b[i] === 45 /* - */) i++;
  let c = b[i]!;
  if (c < 49 || c > 57) return 0; // must start with 1-9
  const start = i;
  for (i++; i < e; i++) {
    c = b[i]!;
    if (c < 48 || c > 57) break;
  }
  const intEnd = i;
  if (i === e) return intEnd - start <= 15 ? 1 : 0;
  if (integer || c !== 46 /* . */ || i + 1 === e) return 0;
  for (i++; i < e; i++) {
    c = b[i]!;
    if (c < 48 || c > 57) return 0;
  }
  // digits: the integer part and the fraction (its last digit must not be a zero)
  return b[e - 1] !== 48 && intEnd - start + (e - intEnd - 1) <= 15 ? 1 : 0;
}

/** "true" / "false" as written; anything else to the caster. */
function writeBooleanCell(b: Uint8Array, s: number, e: number, out: Uint8Array, p: number): number {
  const n = e - s;
  if (n === 4 && b[s] === 116 && b[s + 1] === 114 && b[s + 2] === 117 && b[s + 3] === 101) {
    out[p] = 116;
    out[p + 1] = 114;
    out[p + 2] = 117;
    out[p + 3] = 101;
    return p + 4;
  }
  if (n === 5 && b[s] === 102 && b[s + 1] === 97 && b[s + 2] === 108 && b[s + 3] === 115 && b[s + 4] === 101) {
    out[p] = 102;
    out[p + 1] = 97;
    out[p + 2] = 108;
    out[p + 3] = 115;
    out[p + 4] = 101;
    return p + 5;
  }
  return -1;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= DAYS_IN_MONTH[m - 1]! + (leap ? 1 : 0);
}

function digits(b: Uint8Array, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** "YYYY-MM-DD" copied, "MM/DD/YYYY" reordered, when valid; anything else to the caster. */
function writeDateCell(b: Uint8Array, s: number, e: number, out: Uint8Array, p: number): number {
  if (e - s !== 10) return -1;
  if (b[s + 4] === 45 && b[s + 7] === 45) {
    const y = digits(b, s, 4);
    const m = digits(b, s + 5, 2);
    const d = digits(b, s + 8, 2);
    if (y < 0 || m < 0 || d < 0 || !validDate(y, m, d)) return -1;
    out[p] = 34;
    for (let j = 0; j < 10; j++) out[p + 1 + j] = b[s + j]!;
    out[p + 11] = 34;
    return p + 12;
  }
  if (b[s + 2] === 47 && b[s + 5] === 47) {
    const m = digits(b, s, 2);
    const d = digits(b, s + 3, 2);
    const y = digits(b, s + 6, 4);
    if (y < 0 || m < 0 || d < 0 || !validDate(y, m, d)) return -1;
    out[p] = 34;
    out[p + 1] = b[s + 6]!;
    out[p + 2] = b[s + 7]!;
    out[p + 3] = b[s + 8]!;
    out[p + 4] = b[s + 9]!;
    out[p + 5] = 45;
    out[p + 6] = b[s]!;
    out[p + 7] = b[s + 1]!;
    out[p + 8] = 45;
    out[p + 9] = b[s + 3]!;
    out[p + 10] = b[s + 4]!;
    out[p + 11] = 34;
    return p + 12;
  }
  return -1;
}

/** "YYYY-MM-DDTHH:MM:SSZ" copied when valid; anything else to the caster. */
function writeDateTimeCell(b: Uint8Array, s: number, e: number, out: Uint8Array, p: number): number {
  if (e - s !== 20 || b[s + 4] !== 45 || b[s + 7] !== 45 || b[s + 10] !== 84 || b[s + 13] !== 58 || b[s + 16] !== 58 || b[s + 19] !== 90) return -1;
  const y = digits(b, s, 4);
  const mo = digits(b, s + 5, 2);
  const d = digits(b, s + 8, 2);
  const hh = digits(b, s + 11, 2);
  const mm = digits(b, s + 14, 2);
  const ss = digits(b, s + 17, 2);
  if (y < 0 || mo < 0 || d < 0 || hh < 0 || mm < 0 || ss < 0) return -1;
  if (!validDate(y, mo, d) || hh >= 24 || mm >= 60 || ss > 60) return -1;
  out[p] = 34;
  for (let j = 0; j < 20; j++) out[p + 1 + j] = b[s + j]!;
  out[p + 21] = 34;
  return p + 22;
}
