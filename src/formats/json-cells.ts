/**
 * JSON result files that are an array of objects → batches of cells, on bytes: the fast path of
 * JSON, as csv-cells.ts is of CSV.
 *
 * Each element's values become cells (byte ranges of the UTF-8 text, see cell-batch.ts), keyed by
 * the element's keys in document order; rows with the same keys share a header, and a change of
 * keys starts a new run of cells within the batch, so batches keep the row reader's boundaries
 * (every `batchSize` rows) whatever the keys do. Values are checked against the JSON grammar as
 * they are scanned; nothing is decoded.
 *
 * Anything this scanner does not reproduce exactly — a document that is not a top-level array
 * (JSON:API, an Addepar tree), a syntax error, a control character inside a string, a key twice in
 * one element, nesting deeper than MAX_NESTING, an element still open after MAX_OPEN_ELEMENT_BYTES
 * — hands the rest of the file, from the start of the element it is in, to the token reader of
 * json.ts, whose rows (or error) follow: the output is the same either way.
 */
import { byteCellBatch, JSON_LITERAL, JSON_NESTED, JSON_NULL, JSON_NUMBER, JSON_STRING_ESCAPED, type CellBatch, type ParsedBatch } from './cell-batch.js';
import { continueJsonRows, type JsonOptions } from './json.js';
import { rowFactory } from './csv.js';
import type { RawRow } from './types.js';
import { createTextDecoder } from './text-decoding.js';
import { readUtf8, restAsText } from './scan-input.js';
import { CellArrayPair, RefillBuffers, type CellArrays } from './scan-buffer.js';

/** Scan at least this many bytes at a time: small network chunks are gathered first. */
const MIN_SCAN_BYTES = 256 * 1024;
/** An element still open after this many bytes goes to the token reader, which reports it. */
const MAX_OPEN_ELEMENT_BYTES = 16 * 1024 * 1024;
/** Deeper nesting inside an element goes to the token reader. */
const MAX_NESTING = 256;
/** Headers (key lists) remembered; a file whose rows use more key lists makes new ones. */
const MAX_SHAPES = 64;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** What the scanner found at an element's start. */
const enum Scan {
  /** An element and the separator after it were read. */
  Element,
  /** The buffer ends inside the element (or before its separator): more bytes are needed. */
  Incomplete,
  /** Something the token reader must decide: it reads from here on. */
  Unusual,
}

/** JSON whitespace. */
const WS = new Uint8Array(256);
WS[32] = WS[9] = WS[10] = WS[13] = 1;
/** Bytes that end the plain run of a string: the quote, a backslash, control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 32; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = STRING_STOP[BACKSLASH] = 1;
const HEX_DIGIT = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 1;
/** The characters allowed after a backslash. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** Results of the value scanners besides their return value (module state: the scan is synchronous). */
const INCOMPLETE = -2;
const INVALID = -1;
/** Set by scanString: the string had a backslash escape. */
let stringEscaped = false;

/** From the opening quote at `i`: the index of the closing quote, INCOMPLETE or INVALID. */
function scanString(b: Uint8Array, i: number, end: number): number {
  stringEscaped = false;
  for (i++; ; ) {
    while (i < end && STRING_STOP[b[i]!] === 0) i++;
    if (i >= end) return INCOMPLETE;
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c !== BACKSLASH) return INVALID; // a raw control character
    stringEscaped = true;
    if (i + 1 >= end) return INCOMPLETE;
    const x = b[i + 1]!;
    if (SIMPLE_ESCAPE[x] === 1) {
      i += 2;
    } else if (x === 117 /* u */) {
      if (i + 6 > end) return INCOMPLETE;
      if (HEX_DIGIT[b[i + 2]!]! & HEX_DIGIT[b[i + 3]!]! & HEX_DIGIT[b[i + 4]!]! & HEX_DIGIT[b[i + 5]!]!) i += 6;
      else return INVALID;
    } else return INVALID;
  }
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/**
 * From a number's first byte: the index after it, INCOMPLETE (the buffer may cut it) or INVALID.
 * `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
 */
function scanNumber(b: Uint8Array, i: number, end: number, final: boolean): number {
  const cut = final ? INVALID : INCOMPLETE;
  if (b[i] === 45 /* - */) i++;
  if (i >= end) return cut;
  if (b[i] === 48) i++;
  else if (isDigit(b[i])) while (i < end && isDigit(b[i])) i++;
  else return INVALID;
  if (i < end && b[i] === 46 /* . */) {
    i++;
    if (i >= end) return cut;
    if (!isDigit(b[i])) return INVALID;
    while (i < end && isDigit(b[i])) i++;
  }
  if (i < end && (b[i] === 101 || b[i] === 69) /* e E */) {
    i++;
    if (i < end && (b[i] === 43 || b[i] === 45)) i++;
    if (i >= end) return cut;
    if (!isDigit(b[i])) return INVALID;
    while (i < end && isDigit(b[i])) i++;
  }
  // A number the buffer ends in may go on in the next bytes.
  return i >= end && !final ? INCOMPLETE : i;
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/** `word` at `i`: the index after it, INCOMPLETE or INVALID. */
function scanWord(b: Uint8Array, i: number, end: number, word: readonly number[]): number {
  for (let j = 0; j < word.length; j++) {
    if (i + j >= end) return INCOMPLETE;
    if (b[i + j] !== word[j]) return INVALID;
  }
  return i + word.length;
}

function skipWs(b: Uint8Array, i: number, end: number): number {
  while (i < end && WS[b[i]!] === 1) i++;
  return i;
}

/** Any JSON value at `i` (checked, not decoded): the index after it, INCOMPLETE or INVALID. */
function scanValue(b: Uint8Array, i: number, end: number, final: boolean, depth: number): number {
  if (i >= end) return INCOMPLETE;
  const c = b[i]!;
  if (c === QUOTE) {
    const q = scanString(b, i, end);
    return q < 0 ? q : q + 1;
  }
  if (c === 45 || isDigit(c)) return scanNumber(b, i, end, final);
  if (c === 116) return scanWord(b, i, end, TRUE);
  if (c === 102) return scanWord(b, i, end, FALSE);
  if (c === 110) return scanWord(b, i, end, NULL);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) return INVALID;
  if (depth >= MAX_NESTING) return INVALID;
  const object = c === OPEN_BRACE;
  const close = object ? CLOSE_BRACE : CLOSE_BRACKET;
  i = skipWs(b, i + 1, end);
  if (i >= end) return INCOMPLETE;
  if (b[i] === close) return i + 1;
  for (;;) {
    if (object) {
      if (b[i] !== QUOTE) return INVALID;
      const q = scanString(b, i, end);
      if (q < 0) return q;
      i = skipWs(b, q + 1, end);
      if (i >= end) return INCOMPLETE;
      if (b[i] !== COLON) return INVALID;
      i = skipWs(b, i + 1, end);
    }
    i = scanValue(b, i, end, final, depth + 1);
    if (i < 0) return i;
    i = skipWs(b, i, end);
    if (i >= end) return INCOMPLETE;
    if (b[i] === close) return i + 1;
    if (b[i] !== COMMA) return INVALID;
    i = skipWs(b, i + 1, end);
    if (i >= end) return INCOMPLETE;
  }
}

/** One element's keys and cells as scanned (grown for wide elements). */
class ElementCells {
  count = 0;
  keyStarts = new Int32Array(64);
  keyEnds = new Int32Array(64);
  keyEscaped = new Uint8Array(64);
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  flags = new Uint8Array(64);
  /** Where the next element starts (after the comma), or the end of the document. */
  next = 0;
  /** The element was the array's last (followed by `]` and only whitespace to the end). */
  last = false;

  /** Room for one more cell. */
  reserve(): void {
    if (this.count < this.starts.length) return;
    const size = this.starts.length * 2;
    const grown = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.keyStarts = grown(this.keyStarts, (n) => new Int32Array(n));
    this.keyEnds = grown(this.keyEnds, (n) => new Int32Array(n));
    this.keyEscaped = grown(this.keyEscaped, (n) => new Uint8Array(n));
    this.starts = grown(this.starts, (n) => new Int32Array(n));
    this.ends = grown(this.ends, (n) => new Int32Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
  }
}

/**
 * The value at `i` as cell `k` of S/E/F: a string's contents (flag 0, or JSON_STRING_ESCAPED),
 * a number, true/false, null (an empty range), or a whole object or array. Returns the index after
 * it, INCOMPLETE or INVALID.
 */
function scanCell(b: Uint8Array, i: number, end: number, final: boolean, S: Int32Array, E: Int32Array, F: Uint8Array, k: number): number {
  const c = b[i]!;
  if (c === QUOTE) {
    const q = scanString(b, i, end);
    if (q < 0) return q;
    S[k] = i + 1;
    E[k] = q;
    F[k] = stringEscaped ? JSON_STRING_ESCAPED : 0;
    return q + 1;
  }
  const next = scanValue(b, i, end, final, 1);
  if (next < 0) return next;
  S[k] = i;
  if (c === 110) {
    E[k] = i;
    F[k] = JSON_NULL;
  } else {
    E[k] = next;
    F[k] = c === 116 || c === 102 ? JSON_LITERAL : c === OPEN_BRACE || c === OPEN_BRACKET ? JSON_NESTED : JSON_NUMBER;
  }
  return next;
}

/** What a scanner found, with the index after the element's closing brace (module state: synchronous). */
let elementEnd = 0;

/**
 * Scans the element (an object) at `pos` into `el`, keys and cells, up to its closing brace (then
 * `elementEnd` is after it). Strings, numbers, true/false and null are cells of their own kind;
 * objects and arrays are checked whole and kept as one nested cell.
 */
function scanElement(b: Uint8Array, pos: number, final: boolean, el: ElementCells): Scan {
  const end = b.length;
  const cut = final ? Scan.Unusual : Scan.Incomplete;
  el.count = 0;
  let i = pos;
  if (b[i] !== OPEN_BRACE) return Scan.Unusual;
  i = skipWs(b, i + 1, end);
  if (i >= end) return cut;
  if (b[i] !== CLOSE_BRACE) {
    for (;;) {
      if (b[i] !== QUOTE) return Scan.Unusual;
      const keyEnd = scanString(b, i, end);
      if (keyEnd === INCOMPLETE) return cut;
      if (keyEnd === INVALID) return Scan.Unusual;
      el.reserve();
      const n = el.count++;
      el.keyStarts[n] = i + 1;
      el.keyEnds[n] = keyEnd;
      el.keyEscaped[n] = stringEscaped ? 1 : 0;
      i = skipWs(b, keyEnd + 1, end);
      if (i >= end) return cut;
      if (b[i] !== COLON) return Scan.Unusual;
      i = skipWs(b, i + 1, end);
      if (i >= end) return cut;
      const next = scanCell(b, i, end, final, el.starts, el.ends, el.flags, n);
      if (next === INCOMPLETE) return cut;
      if (next === INVALID) return Scan.Unusual;
      i = skipWs(b, next, end);
      if (i >= end) return cut;
      if (b[i] === CLOSE_BRACE) break;
      if (b[i] !== COMMA) return Scan.Unusual;
      i = skipWs(b, i + 1, end);
      if (i >= end) return cut;
    }
  }
  elementEnd = i + 1;
  return Scan.Element;
}

/**
 * The hot path: the element at `pos` when its keys are `keys`, in that order, as they were written
 * before (compared as bytes while scanning, no key decoded or looked up); its cells go straight to
 * S/E/F from `base`. Scan.Unusual here only means "not this shape": scanElement decides.
 */
function scanElementAs(b: Uint8Array, pos: number, final: boolean, keys: readonly Uint8Array[], S: Int32Array, E: Int32Array, F: Uint8Array, base: number): Scan {
  const end = b.length;
  const width = keys.length;
  let i = skipWs(b, pos + 1, end);
  for (let c = 0; c < width; c++) {
    const key = keys[c]!;
    const n = key.length;
    // `"key"` then whitespace and a colon
    if (i + n + 2 > end) return final ? Scan.Unusual : Scan.Incomplete;
    if (b[i] !== QUOTE || b[i + n + 1] !== QUOTE) return Scan.Unusual;
    for (let j = 0; j < n; j++) if (b[i + 1 + j] !== key[j]) return Scan.Unusual;
    i = skipWs(b, i + n + 2, end);
    if (i >= end) return final ? Scan.Unusual : Scan.Incomplete;
    if (b[i] !== COLON) return Scan.Unusual;
    i = skipWs(b, i + 1, end);
    if (i >= end) return final ? Scan.Unusual : Scan.Incomplete;
    const next = scanCell(b, i, end, final, S, E, F, base + c);
    if (next < 0) return next === INCOMPLETE && !final ? Scan.Incomplete : Scan.Unusual;
    i = skipWs(b, next, end);
    if (i >= end) return final ? Scan.Unusual : Scan.Incomplete;
    const sep = b[i];
    if (c === width - 1 ? sep !== CLOSE_BRACE : sep !== COMMA) return Scan.Unusual;
    if (c < width - 1) i = skipWs(b, i + 1, end);
  }
  if (width === 0) {
    if (i >= end) return final ? Scan.Unusual : Scan.Incomplete;
    if (b[i] !== CLOSE_BRACE) return Scan.Unusual;
  }
  elementEnd = i + 1;
  return Scan.Element;
}

/**
 * After an element's closing brace (`elementEnd`): `,` and the next element's `{` (el.next is at
 * it), or `]` and only whitespace to the end of the document (el.last).
 */
function scanSeparator(b: Uint8Array, final: boolean, el: ElementCells): Scan {
  const end = b.length;
  const cut = final ? Scan.Unusual : Scan.Incomplete;
  el.last = false;
  let i = skipWs(b, elementEnd, end);
  if (i >= end) return cut;
  if (b[i] === COMMA) {
    i = skipWs(b, i + 1, end);
    if (i >= end) return cut;
    if (b[i] !== OPEN_BRACE) return Scan.Unusual; // `,]` or a non-object element: the reader's error
    el.next = i;
    return Scan.Element;
  }
  if (b[i] !== CLOSE_BRACKET) return Scan.Unusual;
  i = skipWs(b, i + 1, end);
  if (i < end) return Scan.Unusual; // something after the document
  if (!final) return Scan.Incomplete;
  el.next = end;
  el.last = true;
  return Scan.Element;
}

const utf8 = new TextDecoder('utf-8');

/** A key list seen in the file: its keys and their bytes as written (for a byte compare per row). */
interface Shape {
  header: string[];
  keyBytes: Uint8Array[];
}

function sameBytes(b: Uint8Array, s: number, e: number, key: Uint8Array): boolean {
  if (e - s !== key.length) return false;
  for (let j = 0; j < key.length; j++) if (b[s + j] !== key[j]) return false;
  return true;
}

export async function* parseJsonCells(chunks: AsyncIterable<Buffer>, options: JsonOptions): AsyncGenerator<ParsedBatch> {
  const { fileName, batchSize } = options;
  const decoder = options.decoder ?? createTextDecoder({ fileName });
  const iterator = chunks[Symbol.asyncIterator]();

  /** Bytes not yet scanned, preceded by those of the run being filled (which its cells point into). */
  let buffer: Buffer = Buffer.alloc(0);
  let runStart = 0;
  let pos = 0;
  let final = false;
  /** Bytes of the file (as UTF-8) before buffer[0]. */
  let bufferOffset = 0;

  const fill = async (): Promise<void> => {
    const read = await readUtf8(iterator, decoder, MIN_SCAN_BYTES);
    const parts = read.parts;
    if (read.final) final = true;
    if (parts.length === 0) return;
    const shift = runStart;
    // Runs of the batch being filled that were closed before this refill still point into the
    // current buffer, so it is reused only when there are none.
    buffer = buffers.refill(buffer, shift, parts, runs.length === 0);
    bufferOffset += shift;
    pos -= shift;
    runStart = 0;
    if (shift > 0) {
      // The cells of the run being filled move with their bytes.
      for (let k = 0, used = runRows * width; k < used; k++) {
        starts[k]! -= shift;
        ends[k]! -= shift;
      }
    }
  };

  // The batch being filled: runs of rows with one header each.
  const runs: CellBatch[] = [];
  let batchRows = 0;
  let dataRows = 0;
  let shape: Shape | undefined;
  let width = 0;
  let starts = new Int32Array(0);
  let ends = new Int32Array(0);
  let flags = new Uint8Array(0);
  let runRows = 0;
  const shapes = new Map<string, Shape>();

  const closeRun = (): void => {
    if (runRows > 0) runs.push(byteCellBatch(shape!.header, buffer, starts, ends, flags, runRows, dataRows - runRows + 1));
    runRows = 0;
    runStart = pos;
  };
  const arrays = new CellArrayPair();
  const buffers = new RefillBuffers();
  /** A run for `next`'s keys; `handedOut`: the arrays of the batch just taken (a whole batch's room). */
  const startRun = (next: Shape, handedOut?: CellArrays): void => {
    shape = next;
    width = next.header.length;
    const room = (batchSize - batchRows) * width;
    ({ starts, ends, flags } = batchRows === 0 ? arrays.next(room, handedOut) : { starts: new Int32Array(room), ends: new Int32Array(room), flags: new Uint8Array(room) });
  };
  const takeBatch = (): ParsedBatch => {
    closeRun();
    const batch: ParsedBatch = { kind: 'cells', cells: runs.splice(0) };
    batchRows = 0;
    if (shape !== undefined) startRun(shape, { starts, ends, flags });
    return batch;
  };

  /** The element's shape, when its keys are the current run's; else undefined. */
  const currentShape = (el: ElementCells): Shape | undefined => {
    if (shape === undefined || el.count !== width) return undefined;
    const keys = shape.keyBytes;
    for (let c = 0; c < width; c++) if (!sameBytes(buffer, el.keyStarts[c]!, el.keyEnds[c]!, keys[c]!)) return undefined;
    return shape;
  };

  /** The element's keys as a shape (remembered); undefined for a key written twice. */
  const shapeOf = (el: ElementCells): Shape | undefined => {
    const header: string[] = [];
    const keyBytes: Uint8Array[] = [];
    for (let c = 0; c < el.count; c++) {
      const s = el.keyStarts[c]!;
      const e = el.keyEnds[c]!;
      const raw = utf8.decode(buffer.subarray(s, e));
      header.push(el.keyEscaped[c] === 1 ? (JSON.parse(`"${raw}"`) as string) : raw);
      keyBytes.push(Uint8Array.prototype.slice.call(buffer, s, e));
    }
    const signature = header.join('\u0000');
    const known = shapes.get(signature);
    if (known !== undefined) return known;
    if (new Set(header).size !== header.length) return undefined;
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    const made = { header, keyBytes };
    shapes.set(signature, made);
    return made;
  };

  /**
   * The token reader from `pos` (the start of an element, or of the document when `atStart`) to the
   * end of the file, after the rows scanned so far.
   */
  async function* handOver(atStart: boolean): AsyncGenerator<ParsedBatch> {
    const first = utf8.decode(buffer.subarray(pos));
    const texts = (): AsyncGenerator<string> => restAsText(first, final, iterator, decoder);
    const resume = atStart ? undefined : { rowsBefore: dataRows, afterComma: dataRows > 0 };
    // The rows scanned for the batch being filled join the reader's first rows as raw rows, so
    // batches keep their boundaries (the first batch is the one column types are inferred from).
    closeRun();
    const carry: RawRow[] = runs.splice(0).flatMap((run) => run.rawRows(rowFactory(run.header)));
    batchRows = 0;
    for await (const rows of continueJsonRows(texts(), options, bufferOffset + pos, resume)) {
      if (carry.length === 0 && rows.length === batchSize) {
        yield { kind: 'rows', rows };
        continue;
      }
      for (const row of rows) carry.push(row);
      while (carry.length >= batchSize) yield { kind: 'rows', rows: carry.splice(0, batchSize) };
    }
    if (carry.length > 0) yield { kind: 'rows', rows: carry };
  }

  const el = new ElementCells();
  try {
    // The document's start: `[` goes on here, anything else is the reader's.
    while (!final && buffer.length - pos < 4) await fill();
    if (buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) pos = runStart = 3;
    pos = skipWs(buffer, pos, buffer.length);
    const layout = options.layout;
    if ((layout !== 'auto' && layout !== 'array') || buffer[pos] !== OPEN_BRACKET) {
      yield* handOver(true);
      return;
    }
    // `[`, whitespace, then the first element, or `]` and the end (no rows). The run starts at the
    // document until then, so a hand-over from here gives the reader the whole document.
    runStart = pos;
    pos++;
    for (;;) {
      const i = skipWs(buffer, pos, buffer.length);
      if (i < buffer.length && buffer[i] === OPEN_BRACE) {
        pos = runStart = i;
        break;
      }
      const emptyArray = i < buffer.length && buffer[i] === CLOSE_BRACKET && skipWs(buffer, i + 1, buffer.length) === buffer.length;
      if ((i < buffer.length && !emptyArray) || final) {
        if (emptyArray) return;
        pos = runStart;
        yield* handOver(true);
        return;
      }
      pos = i;
      await fill();
    }
    for (;;) {
      while (pos < buffer.length) {
        // The element with the current run's keys (the usual case), straight into the run's cells.
        let found = shape === undefined ? Scan.Unusual : scanElementAs(buffer, pos, final, shape.keyBytes, starts, ends, flags, runRows * width);
        if (found === Scan.Unusual) {
          // Other keys (or something to decide): scanned generically, then a run for its keys.
          found = scanElement(buffer, pos, final, el);
          if (found === Scan.Element) {
            const next = currentShape(el) ?? shapeOf(el);
            if (next === undefined) found = Scan.Unusual;
            else {
              if (next !== shape) {
                closeRun();
                startRun(next);
              }
              const k = runRows * width;
              starts.set(el.starts.subarray(0, width), k);
              ends.set(el.ends.subarray(0, width), k);
              flags.set(el.flags.subarray(0, width), k);
            }
          }
        }
        if (found === Scan.Element) found = scanSeparator(buffer, final, el);
        if (found === Scan.Incomplete) break;
        if (found === Scan.Unusual) {
          yield* handOver(false);
          return;
        }
        runRows++;
        batchRows++;
        dataRows++;
        pos = el.next;
        if (batchRows === batchSize) yield takeBatch();
        if (el.last) {
          if (batchRows > 0) yield takeBatch();
          return;
        }
      }
      if (final) {
        // The document ended inside an element: the reader says how.
        yield* handOver(false);
        return;
      }
      if (buffer.length - pos > MAX_OPEN_ELEMENT_BYTES) {
        yield* handOver(false);
        return;
      }
      await fill();
    }
  } finally {
    await iterator.return?.();
  }
}
