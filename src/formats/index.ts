/**
 * Result-file parsing: the entry points the job engine and vendor modules call.
 *
 *   for await (const batch of parseResult(body, { format: 'csv' })) {
 *     const records = batch.map((raw, i) => typer.type(raw, rowNumber + i + 1));
 *   }
 */
import type { ParseOptions, RawRow, ResultBody } from './types.js';
import { openResultBody } from './body.js';
import { parseDelimited } from './csv.js';
import { parseDelimitedCells } from './csv-cells.js';
import type { ParsedBatch } from './cell-batch.js';
import { parseJsonRows } from './json.js';
import { parseJsonCells } from './json-cells.js';
import { parseXlsxRows } from './xlsx.js';
import { createTextDecoder, type TextChunkDecoder } from './text-decoding.js';

function textDecoderFor(body: ResultBody, options: ParseOptions): TextChunkDecoder {
  return createTextDecoder({
    fileName: body.fileName,
    contentType: body.contentType,
    onInvalidUtf8: options.onInvalidUtf8 ?? 'windows-1252',
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  });
}

export type {
  CastErrorPolicy,
  JsonLayout,
  ParseOptions,
  RawRow,
  ResultBody,
  ResultFormat,
  Row,
  TypingOptions,
} from './types.js';
export { FileFormatError } from './errors.js';
export type { FileFormatErrorDetails } from './errors.js';
export { createRowTyper } from './typer.js';
export type { RowTyper } from './typer.js';
export { inferSchema } from './infer.js';
export { normaliseColumnName, normaliseColumnNames, dedupeHeaderNames } from './normalise.js';
export { TREE_PATH_SEPARATOR } from './json-tree.js';
export { dispositionFileName, formatOfContent, formatOfFileName } from './body.js';
export type { CellBatch } from './cell-batch.js';
export { runsRowCount, sliceRows, sliceRuns } from './cell-batch.js';
export { createCellRowWriter, type CellRowWriter } from './cell-writer.js';
export { encodeEnvelopedRows, type RecordEnvelope } from './record-envelope.js';
export { rowFactory } from './csv.js';

export const DEFAULT_BATCH_SIZE = 1000;

/**
 * Parses a result file into batches of raw rows (keys: the file's column names, deduplicated).
 * Pull-based: the next bytes are read only when the consumer asks for the next batch, so a slow
 * consumer holds back the download. Breaking out of the loop releases the body's stream.
 * Throws FileFormatError for a malformed file or a format mismatch; errors of the body stream
 * itself (network, abort) pass through unchanged.
 */
export async function* parseResult(body: ResultBody, options: ParseOptions): AsyncGenerator<RawRow[]> {
  for await (const batch of parseResultBatches(body, { ...options, cells: false })) {
    if (batch.kind === 'rows') yield batch.rows;
  }
}

export type { ParsedBatch } from './cell-batch.js';

/**
 * parseResult, with the rows of a CSV, TSV or JSON (array of objects) result as cells on the
 * file's bytes when `cells` is true (for writers that pass cells through, see cell-writer.ts);
 * XLSX, and JSON documents of other layouts, give raw rows.
 */
export async function* parseResultBatches(body: ResultBody, options: ParseOptions & { cells: boolean }): AsyncGenerator<ParsedBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const opened = await openResultBody(body, options.format);
  try {
    if (opened.empty) return;
    switch (opened.format) {
      case 'csv':
      case 'tsv': {
        const delimited = { delimiter: opened.format === 'csv' ? ',' : '\t', fileName: body.fileName, batchSize, decoder: textDecoderFor(body, options) } as const;
        if (options.cells) {
          for await (const cells of parseDelimitedCells(opened.chunks, delimited)) yield { kind: 'cells', cells: [cells] };
        } else {
          for await (const rows of parseDelimited(opened.chunks, delimited)) yield { kind: 'rows', rows };
        }
        return;
      }
      case 'json': {
        const json = { fileName: body.fileName, layout: options.jsonLayout ?? 'auto', batchSize, decoder: textDecoderFor(body, options) };
        if (options.cells) {
          yield* parseJsonCells(opened.chunks, json);
        } else {
          for await (const rows of parseJsonRows(opened.chunks, json)) yield { kind: 'rows', rows };
        }
        return;
      }
      case 'xlsx':
        for await (const rows of parseXlsxRows(opened.chunks, { fileName: body.fileName, sheetName: options.sheetName, batchSize })) yield { kind: 'rows', rows };
        return;
      default: {
        const unknownFormat: never = opened.format;
        throw new RangeError(`unknown result format ${String(unknownFormat)}`);
      }
    }
  } finally {
    opened.close();
  }
}
