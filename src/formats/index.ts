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
import { parseJsonRows } from './json.js';
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

export const DEFAULT_BATCH_SIZE = 1000;

/**
 * Parses a result file into batches of raw rows (keys: the file's column names, deduplicated).
 * Pull-based: the next bytes are read only when the consumer asks for the next batch, so a slow
 * consumer holds back the download. Breaking out of the loop releases the body's stream.
 * Throws FileFormatError for a malformed file or a format mismatch; errors of the body stream
 * itself (network, abort) pass through unchanged.
 */
export async function* parseResult(body: ResultBody, options: ParseOptions): AsyncGenerator<RawRow[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const opened = await openResultBody(body, options.format);
  try {
    if (opened.empty) return;
    switch (opened.format) {
      case 'csv':
      case 'tsv':
        yield* parseDelimited(opened.chunks, {
          delimiter: opened.format === 'csv' ? ',' : '\t',
          fileName: body.fileName,
          batchSize,
          decoder: textDecoderFor(body, options),
        });
        return;
      case 'json':
        yield* parseJsonRows(opened.chunks, { fileName: body.fileName, layout: options.jsonLayout ?? 'auto', batchSize, decoder: textDecoderFor(body, options) });
        return;
      case 'xlsx':
        yield* parseXlsxRows(opened.chunks, { fileName: body.fileName, sheetName: options.sheetName, batchSize });
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
