/**
 * The contract of the result-file parsers: a byte stream in, batches of rows out.
 * Parsers know nothing of HTTP, jobs or vendors; they see bytes and a little metadata.
 */
import type { Readable } from 'node:stream';
import type { JsonSchema } from '../core/json-schema.js';
import type { Row } from '../core/source.js';

export type ResultFormat = 'csv' | 'tsv' | 'xlsx' | 'json';

/**
 * How a JSON result is laid out.
 * - array: a top-level array of objects.
 * - jsonapi: `{"data": [...]}` (each element's `attributes` merged with its `id`).
 * - addepar_tree: an Addepar portfolio result, `data.attributes.total` with nested `children`,
 *   flattened to one row per node with its grouping path and depth.
 * - auto: decided from the first tokens.
 */
export type JsonLayout = 'auto' | 'array' | 'jsonapi' | 'addepar_tree';

/** A downloaded (or local) result file, as the parsers receive it. */
export interface ResultBody {
  /** The bytes; already length-checked by the HTTP layer. May be gzip-compressed. */
  stream: Readable;
  /** Names the file in errors, e.g. "job 42 result portfolio_data.csv". */
  fileName: string;
  contentType?: string;
  contentDisposition?: string;
  contentEncoding?: string;
}

/** What to do with a cell that cannot be cast to its schema type. */
export type CastErrorPolicy = 'fail' | 'null';

export interface ParseOptions {
  /**
   * The format that was requested; checked against Content-Type, file name and magic bytes.
   * 'auto' when the vendor does not say (impact.com job results): the format is read from the
   * first bytes (after gzip), and an empty file yields no rows.
   */
  format: ResultFormat | 'auto';
  /** XLSX: sheet to read; the first sheet when absent. */
  sheetName?: string;
  /** JSON: layout of the document. Default 'auto'. */
  jsonLayout?: JsonLayout;
  /** Rows per yielded batch; default 1000. */
  batchSize?: number;
  /**
   * CSV/TSV/JSON without a declared charset that are not valid UTF-8: read as Windows-1252 (the
   * default, with a warning) or refuse the file. A declared charset is always honoured.
   */
  onInvalidUtf8?: 'windows-1252' | 'fail';
  /** Where parse warnings go (a body read as Windows-1252). */
  onWarning?: (message: string) => void;
}

/** Raw rows: keys are the file's original (deduplicated) column names; values as read. */
export type RawRow = Record<string, unknown>;

export interface TypingOptions {
  /** The stream's schema; properties are keyed by normalised column name. */
  schema: JsonSchema;
  onCastError: CastErrorPolicy;
  /** Names the file in errors and warnings. */
  fileName: string;
}

export type { Row };
