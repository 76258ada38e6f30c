/**
 * CSV and TSV result files → batches of cells, on bytes: the tokenizer of the fast path.
 *
 * It reads files the same way as the papaparse reader in csv.ts (same header, same blank-line
 * rule, same ragged-row error, same values), but finds cells as byte ranges of the UTF-8 text
 * instead of building a string per cell, so a writer can pass a cell's bytes through unchanged.
 *
 * It handles the RFC 4180 shapes exports use: unquoted cells (a quote inside one is a literal
 * character, as papaparse reads it), and quoted cells with doubled quotes, delimiters and line
 * breaks inside, closed right before a delimiter, the line ending or the end of the file. Anything
 * else — text or spaces after a closing quote, a quote never closed, a record still open after
 * MAX_OPEN_RECORD_BYTES — hands the rest of the file, from the start of that record, to the
 * papaparse reader, whose rows (or error) follow: the output is the same either way.
 */
import { byteCellBatch, CELL_ESCAPED, stringCellBatch, type CellBatch } from './cell-batch.js';
import { continueDelimitedText, detectNewlineInBytes, type DelimitedResume } from './csv.js';
import { FileFormatError } from './errors.js';
import { dedupeHeaderNames } from './normalise.js';
import { createTextDecoder, type TextChunkDecoder } from './text-decoding.js';
import { readUtf8, restAsText } from './scan-input.js';
import { CellArrayPair, RefillBuffers, type CellArrays } from './scan-buffer.js';

export interface DelimitedCellOptions {
  delimiter: ',' | '\t';
  fileName: string;
  batchSize: number;
  decoder?: TextChunkDecoder;
}

/** Tokenize at least this many bytes at a time: small network chunks are gathered first. */
const MIN_TOKENIZE_BYTES = 256 * 1024;
/** An unfinished record longer than this goes to the papaparse reader, which reports it. */
const MAX_OPEN_RECORD_BYTES = 16 * 1024 * 1024;

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** What the tokenizer found at a record's start. */
const enum Scan {
  /** A complete record was read. */
  Record,
  /** The buffer ends inside the record: more bytes are needed. */
  Incomplete,
  /** Quoting the tokenizer does not reproduce exactly: papaparse reads from here on. */
  Unusual,
}

const utf8 = new TextDecoder('utf-8');

export async function* parseDelimitedCells(chunks: AsyncIterable<Buffer>, options: DelimitedCellOptions): AsyncGenerator<CellBatch> {
  const { fileName, batchSize } = options;
  const delimiter = options.delimiter.charCodeAt(0);
  const decoder = options.decoder ?? createTextDecoder({ fileName });
  const iterator = chunks[Symbol.asyncIterator]();

  /** Bytes not yet tokenized, preceded by those of the batch being filled (which its cells point into). */
  let buffer: Buffer = Buffer.alloc(0);
  let batchStart = 0;
  let pos = 0;
  let final = false;
  let firstFill = true;
  let newlineFirst = LF;
  let newlineTwo = false;

  let header: string[] | undefined;
  let width = 0;
  let dataRows = 0;
  let starts = new Int32Array(0);
  let ends = new Int32Array(0);
  let flags = new Uint8Array(0);
  let rows = 0;

  const arrays = new CellArrayPair();
  const buffers = new RefillBuffers();
  /** Cell arrays for the next batch; `handedOut`: those of the batch just yielded. */
  const newBatchArrays = (handedOut?: CellArrays): void => {
    ({ starts, ends, flags } = arrays.next(batchSize * width, handedOut));
    rows = 0;
  };

  /** Reads at least MIN_TOKENIZE_BYTES more (or up to the end), keeping the bytes from the current batch's start. */
  const fill = async (): Promise<void> => {
    const read = await readUtf8(iterator, decoder, MIN_TOKENIZE_BYTES);
    const parts = read.parts;
    if (read.final) final = true;
    if (parts.length === 0) return;
    const shift = batchStart;
    // The bytes of batches already yielded are no longer needed (their consumer asked for more).
    buffer = buffers.refill(buffer, shift, parts, true);
    pos -= shift;
    batchStart = 0;
    if (shift > 0) {
      // The cells of the batch being filled move with their bytes.
      for (let k = 0, used = rows * width; k < used; k++) {
        starts[k]! -= shift;
        ends[k]! -= shift;
      }
    }
    if (firstFill) {
      firstFill = false;
      if (buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) pos = batchStart = 3;
    }
  };

  // The header's cells, until its width is known (grown for wide headers).
  let headStarts = new Int32Array(256);
  let headEnds = new Int32Array(256);
  let headFlags = new Uint8Array(256);
  const scan: ScanResult = { cells: 0, next: 0 };

  /** Reads one record from `pos` into the batch's next row (or, before the header, the header's cells). */
  const scanRecord = (): Scan => {
    if (header !== undefined) {
      return scanCells(buffer, pos, final, delimiter, newlineFirst, newlineTwo, starts, ends, flags, rows * width, width, scan);
    }
    for (;;) {
      const result = scanCells(buffer, pos, final, delimiter, newlineFirst, newlineTwo, headStarts, headEnds, headFlags, 0, headStarts.length, scan);
      if (result !== Scan.Record || scan.cells <= headStarts.length) return result;
      const grown = scan.cells * 2;
      headStarts = new Int32Array(grown);
      headEnds = new Int32Array(grown);
      headFlags = new Uint8Array(grown);
    }
  };

  const takeBatch = (): CellBatch => {
    const batch = byteCellBatch(header!, buffer, starts, ends, flags, rows, dataRows - rows + 1);
    newBatchArrays({ starts, ends, flags });
    batchStart = pos;
    return batch;
  };

  /** The papaparse reader, from `pos` (a record's start) to the end of the file. */
  async function* handOver(newlineKnown: boolean): AsyncGenerator<CellBatch> {
    const resume: DelimitedResume = {
      header,
      dataRows,
      newline: !newlineKnown ? undefined : newlineTwo ? '\r\n' : newlineFirst === CR ? '\r' : '\n',
    };
    const first = utf8.decode(buffer.subarray(pos));
    const texts = (): AsyncGenerator<string> => restAsText(first, final, iterator, decoder);
    for await (const batch of continueDelimitedText(texts(), { delimiter: options.delimiter, fileName, batchSize }, resume)) {
      yield stringCellBatch(batch.header, batch.fields, batch.firstRow);
    }
  }

  try {
    // The line ending, decided from the first line as the string reader decides it.
    for (;;) {
      await fill();
      const found = detectNewlineInBytes(buffer, pos, final);
      if (found !== undefined) {
        newlineFirst = found === '\n' ? LF : CR;
        newlineTwo = found === '\r\n';
        break;
      }
      if (buffer.length - pos > MAX_OPEN_RECORD_BYTES) {
        yield* handOver(false);
        return;
      }
    }
    for (;;) {
      while (pos < buffer.length) {
        const found = scanRecord();
        if (found === Scan.Incomplete) break;
        if (found === Scan.Unusual) {
          if (rows > 0) yield takeBatch();
          yield* handOver(true);
          return;
        }
        const cells = scan.cells;
        if (header === undefined) {
          pos = scan.next;
          if (cells === 1 && headEnds[0] === headStarts[0]) continue; // a blank line
          const names: string[] = [];
          for (let c = 0; c < cells; c++) {
            const t = utf8.decode(buffer.subarray(headStarts[c], headEnds[c]));
            names.push(headFlags[c] === CELL_ESCAPED ? t.replaceAll('""', '"') : t);
          }
          header = dedupeHeaderNames(names);
          width = header.length;
          newBatchArrays();
          batchStart = pos;
          continue;
        }
        const k = rows * width;
        if (cells === 1 && ends[k] === starts[k]) {
          // A blank line (or one empty quoted cell) is skipped, as the string reader does.
          pos = scan.next;
          if (rows === 0) batchStart = pos;
          continue;
        }
        dataRows++;
        if (cells !== width) {
          throw new FileFormatError(fileName, `has ${cells} field${cells === 1 ? '' : 's'} but the header has ${width}`, { row: dataRows });
        }
        pos = scan.next;
        rows++;
        if (rows === batchSize) yield takeBatch();
      }
      if (final) break;
      if (buffer.length - pos > MAX_OPEN_RECORD_BYTES) {
        if (rows > 0) yield takeBatch();
        yield* handOver(true);
        return;
      }
      await fill();
    }
    if (header !== undefined && rows > 0) yield takeBatch();
  } finally {
    await iterator.return?.();
  }
}

interface ScanResult {
  /** Cells in the record (also those beyond the room given, which are counted, not stored). */
  cells: number;
  /** Where the next record starts. */
  next: number;
}

/**
 * Scans the record at `pos`: its cells' byte ranges go to S/E/F from `base` (at most `room` of
 * them). A module function with everything passed in, so the hottest loop of the fast path reads
 * locals only.
 */
function scanCells(
  b: Uint8Array,
  pos: number,
  final: boolean,
  delimiter: number,
  newlineFirst: number,
  newlineTwo: boolean,
  S: Int32Array,
  E: Int32Array,
  F: Uint8Array,
  base: number,
  room: number,
  result: ScanResult,
): Scan {
  const end = b.length;
  let i = pos;
  let cells = 0;
  for (;;) {
    if (i < end && b[i] === QUOTE) {
      const start = i + 1;
      let flag = 0;
      let q = start;
      for (;;) {
        q = b.indexOf(QUOTE, q);
        if (q === -1) return final ? Scan.Unusual : Scan.Incomplete;
        if (q + 1 === end && !final) return Scan.Incomplete; // a doubled quote may be cut by the chunk
        if (q + 1 < end && b[q + 1] === QUOTE) {
          flag = CELL_ESCAPED;
          q += 2;
          continue;
        }
        break;
      }
      if (cells < room) {
        S[base + cells] = start;
        E[base + cells] = q;
        F[base + cells] = flag;
      }
      cells++;
      i = q + 1;
      if (i === end) {
        result.cells = cells;
        result.next = end;
        return Scan.Record;
      }
      const c = b[i]!;
      if (c === delimiter) {
        i++;
        continue;
      }
      if (c === newlineFirst) {
        if (newlineTwo) {
          if (i + 1 === end) return final ? Scan.Unusual : Scan.Incomplete;
          if (b[i + 1] !== LF) return Scan.Unusual;
          result.next = i + 2;
        } else result.next = i + 1;
        result.cells = cells;
        return Scan.Record;
      }
      return Scan.Unusual;
    }
    // Unquoted: up to the delimiter or the line ending (with CRLF endings a CR alone is text).
    const start = i;
    for (;;) {
      while (i < end) {
        const c = b[i]!;
        if (c === delimiter || c === newlineFirst) break;
        i++;
      }
      if (i === end) {
        if (!final) return Scan.Incomplete;
        break;
      }
      if (b[i] === delimiter || !newlineTwo) break;
      if (i + 1 < end && b[i + 1] === LF) break;
      if (i + 1 === end && !final) return Scan.Incomplete;
      i++; // a CR that is not part of CRLF is text
    }
    if (cells < room) {
      S[base + cells] = start;
      E[base + cells] = i;
      F[base + cells] = 0;
    }
    cells++;
    if (i === end) {
      result.cells = cells;
      result.next = end;
      return Scan.Record;
    }
    if (b[i] === delimiter) {
      i++;
      continue;
    }
    result.cells = cells;
    result.next = newlineTwo ? i + 2 : i + 1;
    return Scan.Record;
  }
}
