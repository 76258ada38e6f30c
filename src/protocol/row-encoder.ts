/**
 * A record's data object as JSON bytes, exactly `Buffer.from(JSON.stringify(row), 'utf8')`, written
 * into a caller's buffer — the RECORD hot path of both protocol writers.
 *
 * For each set of keys (a "shape") a function is generated that checks a row has exactly those own
 * enumerable keys in that order (for…in, which also sees inherited enumerable keys, so a row with any
 * extra key falls back) and writes each key's pre-escaped bytes and its value: strings, numbers,
 * booleans and null by the byte encoders of json-bytes.ts; arrays and plain objects through
 * JSON.stringify(value) (identical to the nested part of JSON.stringify(row) unless a toJSON method
 * sees its key, which is why values with a toJSON other than Date's fall back). Rows it cannot
 * reproduce exactly — an undefined, function, symbol or bigint value (omitted or rejected by
 * JSON.stringify), a toJSON method on the row itself, or keys it does not compile (a "__proto__" key, more
 * than MAX_COMPILED_KEYS) — are written as JSON.stringify(row) (which also throws what it threw before).
 * Key names enter the generated source only as numbers (their bytes) and JSON.stringify literals.
 */
import { MAX_NUMBER_BYTES, maxJsonStringBytes, writeJsonNumber, writeJsonString } from './json-bytes.js';

/** Returned instead of an end offset when the buffer has too little room; retry with a larger one. */
export const NEEDS_ROOM = -1;
/** A compiled shape's answer for a row with other keys. */
const OTHER_SHAPE = -2;
/** A compiled shape's answer for a value it does not write itself; the row falls back to JSON.stringify. */
const NOT_PLAIN = -3;

/** Wider rows are written by JSON.stringify: generated code grows with the key count. */
const MAX_COMPILED_KEYS = 500;
/** Shapes remembered per encoder; rows of one stream rarely have more than a few. */
const MAX_SHAPES = 64;

type ShapeEncoder = (row: object, b: Buffer, p: number, view: DataView<ArrayBufferLike>) => number;

export interface RowEncoder {
  /**
   * Writes the row's JSON at b[p]; returns the end offset, or NEEDS_ROOM (nothing usable written)
   * when b is too small — the caller grows the buffer and calls again. Throws what JSON.stringify throws.
   */
  encode(row: object, b: Buffer, p: number): number;
}

export function createRowEncoder(): RowEncoder {
  const shapes = new Map<string, ShapeEncoder>();
  let current: ShapeEncoder = () => OTHER_SHAPE;

  const shapeOf = (row: object): ShapeEncoder => {
    const keys: string[] = [];
    for (const k in row) keys.push(k);
    const proto = Object.getPrototypeOf(row) as object | null;
    const signature = keys.join('\u0000');
    let shape = proto === Object.prototype ? shapes.get(signature) : undefined;
    if (shape === undefined) {
      // for…in lists inherited enumerable keys too, JSON.stringify only own ones: compile only rows
      // whose for…in keys are exactly their own keys, on the usual prototype.
      // (A polluted Object.prototype, with enumerable keys of its own, compiles nothing.)
      const plain = proto === Object.prototype && sameKeys(keys, Object.keys(row)) && !hasEnumerableKey(Object.prototype);
      shape = plain ? compileShape(keys) : guardShape(keys, stringifyShape);
      if (!plain) return shape;
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(signature, shape);
    }
    return shape;
  };

  // A DataView of the buffer last written to, for 4-byte stores of constant key bytes.
  let viewed: Buffer | undefined;
  let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  return {
    encode(row, b, p) {
      if (b !== viewed) {
        viewed = b;
        view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      }
      let end = current(row, b, p, view);
      if (end === OTHER_SHAPE) {
        current = shapeOf(row);
        end = current(row, b, p, view);
      }
      return end === NOT_PLAIN || end === OTHER_SHAPE ? writeStringified(row, b, p) : end;
    },
  };
}

function hasEnumerableKey(obj: object): boolean {
  for (const _ in obj) return true;
  return false;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The slow path: JSON.stringify's own text. */
function writeStringified(row: object, b: Buffer, p: number): number {
  const text = JSON.stringify(row) as string | undefined;
  if (text === undefined) throw new TypeError('record data is not JSON-serializable'); // a row is an object; cannot happen
  return writeUtf8(text, b, p);
}

function writeUtf8(text: string, b: Buffer, p: number): number {
  if (b.length - p < text.length * 3 && b.length - p < Buffer.byteLength(text)) return NEEDS_ROOM;
  return p + b.write(text, p);
}

/**
 * Strings longer than this are written by JSON.stringify + Buffer#write, whose room is known exactly:
 * the worst-case bound of writeJsonString (6 bytes per unit) would grow the line buffer to six times
 * the size of a large cell.
 */
const LONG_STRING = 1024;

function writeLongString(s: string, b: Buffer, p: number): number {
  return writeUtf8(JSON.stringify(s), b, p);
}

const dateToJson = Date.prototype.toJSON;

/** The encoder of nested plain objects (shared; shapes are checked on every call, so re-entry is safe). */
let nestedObjects: RowEncoder | undefined;
/** Nested objects being written by compiled shapes right now, and how deep that may go. */
let nesting = 0;
const MAX_NESTING = 32;

/**
 * A nested array or object: JSON.stringify(value) written out. NOT_PLAIN when the value has a toJSON
 * that might look at its key (any but Date's) or stringifies to nothing.
 */
function writeNested(value: object, b: Buffer, p: number): number {
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (toJson !== undefined && toJson !== dateToJson) return NOT_PLAIN;
  // A plain object (a record's typed row under "data") is written by compiled shapes too, like a
  // row: JSON.stringify of the nested object is the same text, without a string per record.
  // Deeper than MAX_NESTING (a cycle, say) goes to JSON.stringify, which throws what it throws.
  if (nesting < MAX_NESTING && Object.getPrototypeOf(value) === Object.prototype) {
    nesting++;
    try {
      return (nestedObjects ??= createRowEncoder()).encode(value, b, p);
    } finally {
      nesting--;
    }
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return NOT_PLAIN;
  return writeUtf8(text, b, p);
}

/** A shape that is not compiled: every row of it is written by JSON.stringify. */
const stringifyShape: ShapeEncoder = () => NOT_PLAIN;

function compileShape(keys: string[]): ShapeEncoder {
  if (keys.length > MAX_COMPILED_KEYS || keys.includes('__proto__')) return guardShape(keys, stringifyShape);
  const n = keys.length;
  // Bytes written besides the values: braces, commas, quoted keys and colons; plus the largest scalar.
  const keyBytes = keys.map((k, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(k)}:`, 'utf8'));
  const fixed = keyBytes.reduce((sum, kb) => sum + kb.length, 2) + n * MAX_NUMBER_BYTES;
  const src: string[] = [];
  src.push('return function encodeShape(r, b, p, dv) {');
  src.push('  let i = 0;');
  src.push('  for (const k in r) { if (k !== K[i]) return OTHER_SHAPE; i++; }');
  src.push(`  if (i !== ${n} || Object.getPrototypeOf(r) !== ObjectPrototype) return OTHER_SHAPE;`);
  src.push("  if (typeof r.toJSON === 'function') return NOT_PLAIN;");
  src.push(`  if (b.length - p < ${fixed}) return NEEDS_ROOM;`);
  src.push('  let v;');
  for (let i = 0; i < n; i++) {
    const kb = keyBytes[i];
    if (kb.length <= 64) {
      // Four bytes per store where possible (big-endian, so the bytes land in text order).
      let j = 0;
      for (; j + 4 <= kb.length; j += 4) src.push(`  dv.setUint32(p + ${j}, ${kb.readUInt32BE(j)});`);
      for (; j < kb.length; j++) src.push(`  b[p + ${j}] = ${kb[j]};`);
    } else {
      src.push(`  b.set(KB[${i}], p);`);
    }
    src.push(`  p += ${kb.length};`);
    src.push(`  v = r[${JSON.stringify(keys[i])}];`);
    src.push(`  if (typeof v === 'string') {`);
    src.push(`    if (v.length <= ${LONG_STRING}) {`);
    src.push(`      if (b.length - p < maxJsonStringBytes(v.length) + ${fixed}) return NEEDS_ROOM;`);
    src.push('      p = writeJsonString(v, b, p);');
    src.push('    } else {');
    src.push('      p = writeLongString(v, b, p);');
    src.push('      if (p < 0) return p;');
    src.push(`      if (b.length - p < ${fixed}) return NEEDS_ROOM;`);
    src.push('    }');
    src.push("  } else if (typeof v === 'number') p = writeJsonNumber(v, b, p);");
    src.push(`  else if (v === null) { dv.setUint32(p, ${Buffer.from('null').readUInt32BE(0)}); p += 4; }`);
    src.push(`  else if (v === true) { dv.setUint32(p, ${Buffer.from('true').readUInt32BE(0)}); p += 4; }`);
    src.push('  else if (v === false) { b[p] = 102; b[p + 1] = 97; b[p + 2] = 108; b[p + 3] = 115; b[p + 4] = 101; p += 5; }');
    src.push("  else if (typeof v === 'object') {");
    src.push('    p = writeNested(v, b, p);');
    src.push('    if (p < 0) return p;');
    src.push(`    if (b.length - p < ${fixed}) return NEEDS_ROOM;`);
    src.push('  } else return NOT_PLAIN;');
  }
  src.push(n === 0 ? '  b[p] = 123; b[p + 1] = 125; return p + 2;' : '  b[p] = 125; return p + 1;');
  src.push('};');
  // Generated code is the point (see the header); keys appear only as literals and byte values.
  const factory = new Function(
    'K', 'KB', 'ObjectPrototype', 'OTHER_SHAPE', 'NOT_PLAIN', 'NEEDS_ROOM', 'maxJsonStringBytes', 'writeJsonString', 'writeJsonNumber', 'writeNested', 'writeLongString',
    src.join('\n'),
  ) as (...deps: unknown[]) => ShapeEncoder;
  return factory(keys, keyBytes, Object.prototype, OTHER_SHAPE, NOT_PLAIN, NEEDS_ROOM, maxJsonStringBytes, writeJsonString, writeJsonNumber, writeNested, writeLongString);
}

/** Recognises rows of this shape (so they are not re-analysed) and hands them to `encode`. */
function guardShape(keys: string[], encode: ShapeEncoder): ShapeEncoder {
  return (row, b, p, view) => {
    let i = 0;
    for (const k in row) {
      if (k !== keys[i]) return OTHER_SHAPE;
      i++;
    }
    return i === keys.length ? encode(row, b, p, view) : OTHER_SHAPE;
  };
}
