/**
 * Building ResultBody values from in-memory bytes, cut into small chunks so the parsers' chunk
 * boundary handling is exercised. Used by the formats tests and the benchmark.
 */
import { Readable } from 'node:stream';
import { FileFormatError } from './errors.js';
import type { RawRow, ResultBody } from './types.js';

export interface BodyOptions {
  fileName?: string;
  contentType?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  /** Bytes per chunk; small values split rows, quotes and UTF-8 sequences. Default 7. */
  chunkSize?: number;
}

export function bodyOf(content: string | Buffer, options: BodyOptions = {}): ResultBody {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const chunkSize = options.chunkSize ?? 7;
  function* chunks(): Generator<Buffer> {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    fileName: options.fileName ?? 'result.dat',
    contentType: options.contentType,
    contentDisposition: options.contentDisposition,
    contentEncoding: options.contentEncoding,
  };
}

export async function collectRows(batches: AsyncIterable<RawRow[]>): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}

/** The FileFormatError a parse rejected with; throws (failing the test) when it resolved or failed otherwise. */
export async function fileFormatFailure(p: Promise<unknown>): Promise<FileFormatError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FileFormatError)) throw new Error(`expected a FileFormatError, got ${err === undefined ? 'success' : String(err)}`);
  return err;
}
