/**
 * JSON result files → raw rows, streaming tokens with stream-json (never JSON.parse on the file).
 *
 * Layouts (ParseOptions.jsonLayout):
 * - array:   `[ {...}, {...} ]` — each element (an object) is a row.
 * - jsonapi: `{"data": [ {"id": .., "type": .., "attributes": {...}}, ... ]}` — each element becomes
 *            `{id, ...attributes}` (an element without `attributes` is taken as it is). A single
 *            resource `{"data": {...}}` gives one row. Other top-level keys (meta, links, included)
 *            are skipped.
 * - addepar_tree: a grouped portfolio tree, `{"meta": .., "data": {"type": .., "attributes": {"total": NODE}}}`
 *            where NODE = `{"name", "grouping"?, "entity_id"?, "columns": {key: value}, "children": [NODE...]}`;
 *            flattened by TreeFlattener (see json-tree.ts for the exact row shape).
 * - auto:    `[` → array; `{"data": [` → jsonapi; `{"data": {` → addepar_tree.
 *
 * Errors: a syntax error names the byte range where the tokenizer stopped (it is fed slices of
 * SLICE_CHARS characters; the offending character lies inside the named range); an element that is
 * not an object names its row; a document without the expected structure says what was missing.
 */
import { jsonParser } from 'stream-json/core/parser.js';
import type { Token } from 'stream-json/core/parser.js';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import type { JsonLayout, RawRow } from './types.js';
import { FileFormatError } from './errors.js';
import { ValueBuilder, isEnd, isScalar, isStart, setOwn } from './json-values.js';
import { TreeFlattener } from './json-tree.js';
import { createTextDecoder, type TextChunkDecoder } from './text-decoding.js';

export interface JsonOptions {
  fileName: string;
  layout: JsonLayout;
  batchSize: number;
  /** Bytes to text; default: UTF-8, or Windows-1252 for a body that is not UTF-8 (with no warning sink). */
  decoder?: TextChunkDecoder;
}

/**
 * The tokenizer is fed slices this long so a syntax error can be located within SLICE_CHARS
 * characters. Small slices cost nothing: measured on the 100k-object bench file, 256–2048-character
 * slices took 1.1–1.3 s CPU and 64 KiB slices 1.5–1.6 s (the tokenizer re-slices its buffer per call).
 */
const SLICE_CHARS = 1024;

/** A single JSON string/number/key longer than this is refused rather than buffered. */
export const MAX_VALUE_CHARS = 16 * 1024 * 1024;

type Frame =
  | { kind: 'root' }
  | { kind: 'rows'; jsonapi: boolean }
  | { kind: 'doc'; key?: string }
  | { kind: 'data'; key?: string }
  | { kind: 'attributes'; key?: string }
  | { kind: 'tree' }
  | { kind: 'skip'; depth: number }
  | { kind: 'element'; builder: ValueBuilder; jsonapi: boolean };

/** Turns the token stream into rows; push() may be called with any slicing of the tokens. */
export class JsonRowExtractor {
  readonly rows: RawRow[] = [];
  private readonly frames: Frame[] = [{ kind: 'root' }];
  private readonly tree: TreeFlattener;
  private elementCount = 0;
  private sawRows = false;
  private sawTree = false;
  /** Elements to read and drop before the first row (see continueJsonRows). */
  private dropElements = 0;

  constructor(
    private readonly fileName: string,
    private readonly layout: JsonLayout,
  ) {
    this.tree = new TreeFlattener(fileName, (row) => this.rows.push(row));
  }

  /** Reads on in an array of rows whose first `rowsBefore` rows were read elsewhere; drops `drop` stand-in elements first. */
  resumeInArray(rowsBefore: number, drop: number): void {
    this.elementCount = rowsBefore - drop;
    this.dropElements = drop;
  }

  push(tokens: Token[]): void {
    for (let i = 0; i < tokens.length; i++) this.step(tokens[i]);
  }

  /** Checks, at the end of the document, that the expected rows container was found. */
  finish(): void {
    if (this.sawRows || this.sawTree) return;
    const wanted =
      this.layout === 'addepar_tree'
        ? 'a "data.attributes.total" tree'
        : this.layout === 'jsonapi'
          ? 'a "data" array'
          : 'a top-level array, a "data" array or a "data.attributes.total" tree';
    throw new FileFormatError(this.fileName, `JSON document has no rows: expected ${wanted}`);
  }

  private fail(problem: string, row?: number): never {
    throw new FileFormatError(this.fileName, problem, { row });
  }

  private step(t: Token): void {
    const frame = this.frames[this.frames.length - 1];
    switch (frame.kind) {
      case 'element':
        if (frame.builder.push(t)) {
          this.frames.pop();
          this.emitElement(frame.builder.value as Record<string, unknown>, frame.jsonapi);
        }
        return;
      case 'tree':
        if (this.tree.push(t)) this.frames.pop();
        return;
      case 'skip':
        if (isStart(t)) frame.depth++;
        else if (isEnd(t)) frame.depth--;
        if (frame.depth === 0) this.frames.pop();
        return;
      case 'rows':
        if (t.name === 'startObject') {
          const builder = new ValueBuilder();
          builder.push(t);
          this.frames.push({ kind: 'element', builder, jsonapi: frame.jsonapi });
        } else if (t.name === 'endArray') {
          this.frames.pop();
        } else {
          this.fail(`JSON array element is not an object (${describeToken(t)})`, this.elementCount + 1);
        }
        return;
      case 'root':
        this.frames.pop();
        if (t.name === 'startArray') {
          if (this.layout !== 'auto' && this.layout !== 'array') {
            this.fail(`expected a JSON object (layout ${this.layout}) but the document is an array`);
          }
          this.sawRows = true;
          this.frames.push({ kind: 'rows', jsonapi: false });
        } else if (t.name === 'startObject') {
          if (this.layout === 'array') this.fail('expected a top-level JSON array but the document is an object');
          this.frames.push({ kind: 'doc' });
        } else {
          this.fail(`expected a JSON array or object but the document is ${describeToken(t)}`);
        }
        return;
      case 'doc':
        if (t.name === 'keyValue') frame.key = t.value;
        else if (t.name === 'endObject') this.frames.pop();
        else if (frame.key === 'data' && t.name === 'startArray') {
          if (this.layout === 'addepar_tree') this.fail('expected "data" to be an object holding a tree, but it is an array');
          this.sawRows = true;
          this.frames.push({ kind: 'rows', jsonapi: true });
        } else if (frame.key === 'data' && t.name === 'startObject') {
          if (this.layout === 'jsonapi') {
            const builder = new ValueBuilder();
            builder.push(t);
            this.sawRows = true;
            this.frames.push({ kind: 'element', builder, jsonapi: true });
          } else {
            this.frames.push({ kind: 'data' });
          }
        } else if (frame.key === 'data' && t.name === 'nullValue' && this.layout !== 'addepar_tree') {
          this.sawRows = true; // JSON:API "no resource": zero rows, not a malformed document
        } else this.skipValue(t);
        return;
      case 'data':
        if (t.name === 'keyValue') frame.key = t.value;
        else if (t.name === 'endObject') this.frames.pop();
        else if (frame.key === 'attributes' && t.name === 'startObject') this.frames.push({ kind: 'attributes' });
        else this.skipValue(t);
        return;
      case 'attributes':
        if (t.name === 'keyValue') frame.key = t.value;
        else if (t.name === 'endObject') this.frames.pop();
        else if (frame.key === 'total' && t.name === 'startObject') {
          this.sawTree = true;
          this.tree.push(t);
          this.frames.push({ kind: 'tree' });
        } else this.skipValue(t);
        return;
    }
  }

  private skipValue(t: Token): void {
    if (isStart(t)) this.frames.push({ kind: 'skip', depth: 1 });
    else if (!isScalar(t)) this.fail(`unexpected JSON token ${t.name}`);
  }

  private emitElement(element: Record<string, unknown>, jsonapi: boolean): void {
    this.elementCount++;
    if (this.dropElements > 0) {
      this.dropElements--;
      return;
    }
    if (!jsonapi) {
      this.rows.push(element);
      return;
    }
    const attributes = element.attributes;
    if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
      this.rows.push(element);
      return;
    }
    const row: RawRow = {};
    if (element.id !== undefined) row.id = element.id;
    for (const [k, v] of Object.entries(attributes as Record<string, unknown>)) {
      if (!(k in row)) setOwn(row, k, v);
    }
    this.rows.push(row);
  }
}

function describeToken(t: Token): string {
  switch (t.name) {
    case 'startArray':
      return 'an array';
    case 'startObject':
      return 'an object';
    case 'stringValue':
      return 'a string';
    case 'numberValue':
      return 'a number';
    case 'nullValue':
      return 'null';
    case 'trueValue':
    case 'falseValue':
      return 'a boolean';
    default:
      return t.name;
  }
}

/** A piece of the document's text and the number of file bytes it came from. */
interface TextPiece {
  text: string;
  bytes: number;
}

export async function* parseJsonRows(chunks: AsyncIterable<Buffer>, options: JsonOptions): AsyncGenerator<RawRow[]> {
  const decoder = options.decoder ?? createTextDecoder({ fileName: options.fileName });
  async function* pieces(): AsyncGenerator<TextPiece> {
    let started = false;
    for await (const chunk of chunks) {
      let text = decoder.decode(chunk);
      let bytes = chunk.length;
      if (!started && text.length > 0) {
        started = true;
        // The bare tokenizer treats a BOM as an error; the file-level parser would drop it, so do we.
        if (text.charCodeAt(0) === 0xfeff) {
          text = text.slice(1);
          bytes -= 3;
          yield { text: '', bytes: 3 };
        }
      }
      yield { text, bytes };
    }
    yield { text: decoder.end(), bytes: 0 };
  }
  yield* readJsonPieces(pieces(), options, 0, undefined);
}

/** Where the fast path (json-cells.ts) hands a document over: after some rows, in the array of rows. */
export interface JsonResume {
  /** Rows read before the hand-over. */
  rowsBefore: number;
  /** The text handed over starts after a comma (else right after the array's `[`). */
  afterComma: boolean;
}

/**
 * The rows of a document's text from `byteOffset` on: the whole document when `resume` is
 * undefined, else the rest of a top-level array of rows from an element's start.
 */
export async function* continueJsonRows(texts: AsyncIterable<string>, options: JsonOptions, byteOffset: number, resume: JsonResume | undefined): AsyncGenerator<RawRow[]> {
  async function* pieces(): AsyncGenerator<TextPiece> {
    for await (const text of texts) yield { text, bytes: Buffer.byteLength(text, 'utf8') };
  }
  yield* readJsonPieces(pieces(), options, byteOffset, resume);
}

async function* readJsonPieces(pieces: AsyncIterable<TextPiece>, options: JsonOptions, byteOffset: number, resume: JsonResume | undefined): AsyncGenerator<RawRow[]> {
  const { fileName, batchSize } = options;
  const tokenizer = jsonParser({ packValues: true, streamValues: false });
  const extractor = new JsonRowExtractor(fileName, options.layout);
  let bytesBefore = byteOffset; // bytes of the file before the current piece
  let charsWithoutToken = 0;
  if (resume !== undefined) {
    // The array is opened (and, after a comma, given a stand-in element that is dropped) so the
    // reader is where the rest of the text needs it.
    extractor.resumeInArray(resume.rowsBefore, resume.afterComma ? 1 : 0);
    const opened = tokenizer(resume.afterComma ? '[{},' : '[');
    if (isMany(opened)) extractor.push(getManyValues(opened));
  }

  const feed = (text: string, pieceBytes: number, final: boolean): void => {
    for (let at = 0; at < text.length; at += SLICE_CHARS) {
      const slice = text.slice(at, at + SLICE_CHARS);
      let out;
      try {
        out = tokenizer(slice);
      } catch (err) {
        const from = bytesBefore + byteLength(text, 0, at);
        throw syntaxError(fileName, err, from, from + byteLength(slice, 0, slice.length));
      }
      if (isMany(out) && getManyValues(out).length > 0) {
        extractor.push(getManyValues(out));
        charsWithoutToken = 0;
      } else if ((charsWithoutToken += slice.length) > MAX_VALUE_CHARS) {
        // One string, key or number this long is a broken or hostile file; do not buffer it all.
        throw new FileFormatError(fileName, `a JSON value is longer than ${MAX_VALUE_CHARS} characters (an unclosed string?)`, {
          byteOffset: bytesBefore + byteLength(text, 0, at),
        });
      }
    }
    bytesBefore += pieceBytes;
    if (final) {
      let out;
      try {
        // The flushable also accepts `none` (end of input), which its declared type leaves out.
        out = (tokenizer as unknown as (end: typeof none) => ReturnType<typeof tokenizer>)(none);
      } catch (err) {
        throw new FileFormatError(fileName, `JSON document ends early (truncated file?): ${(err as Error).message}`, {
          byteOffset: bytesBefore,
          cause: err,
        });
      }
      if (isMany(out)) extractor.push(getManyValues(out));
      extractor.finish();
    }
  };

  for await (const piece of pieces) {
    feed(piece.text, piece.bytes, false);
    const rows = extractor.rows;
    while (rows.length >= batchSize) yield rows.splice(0, batchSize);
  }
  feed('', 0, true);
  const rows = extractor.rows;
  while (rows.length > 0) yield rows.splice(0, batchSize);
}

function byteLength(text: string, from: number, to: number): number {
  return Buffer.byteLength(text.slice(from, to), 'utf8');
}

function syntaxError(fileName: string, err: unknown, fromByte: number, toByte: number): FileFormatError {
  const detail = (err as Error).message.replace(/^Parser cannot parse input: /, '');
  return new FileFormatError(fileName, `invalid JSON between bytes ${fromByte} and ${toByte}: ${detail}`, {
    byteOffset: fromByte,
    cause: err,
  });
}
