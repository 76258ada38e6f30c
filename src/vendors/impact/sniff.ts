/**
 * impact.com job results come in whatever format the job was scheduled with (CSV, TSV, JSON or
 * XLSX; possibly gzipped) and the Job object does not say which. So the format is decided from
 * the first bytes of the download, and the bytes read to decide are replayed to the parser: the
 * file is still streamed, never held in memory.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ParseOptions, RawRow, ResultBody, ResultFormat } from '../../formats/types.js';

const HEAD_BYTES = 4096;

interface Peeked {
  head: Buffer;
  stream: Readable;
}

/** Reads up to HEAD_BYTES from the stream and gives back a stream that starts with them again. */
async function peek(stream: Readable): Promise<Peeked> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const taken: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    taken.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(taken);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  const replayed = Readable.from(replay(), { objectMode: false });
  // Destroying the replayed stream (consumer gave up) must release the download too.
  replayed.on('close', () => stream.destroy());
  return { head, stream: replayed };
}

/** The format the first bytes of an (uncompressed) result show; undefined for an empty file. */
export function formatOfContent(head: Buffer, fileName?: string): ResultFormat | undefined {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'xlsx';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return 'json';
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const tabs = firstLine.split('\t').length - 1;
  const commas = firstLine.split(',').length - 1;
  if (tabs > commas) return 'tsv';
  if (tabs === 0 && commas === 0 && fileName !== undefined && /\.tsv(\.gz)?$/i.test(fileName)) return 'tsv';
  return 'csv';
}

export type ParseFn = (body: ResultBody, options: ParseOptions) => AsyncIterable<RawRow[]>;

/**
 * Wraps a parser so that it reads the format from the content: gzip is undone here (so the head
 * can be seen), an empty file yields no rows, and everything else goes to `parse` with the format found.
 */
export function parseByContent(parse: ParseFn): ParseFn {
  return async function* parseSniffed(body: ResultBody, options: ParseOptions): AsyncIterable<RawRow[]> {
    let peeked = await peek(body.stream);
    let contentEncoding = body.contentEncoding;
    if (peeked.head.length >= 2 && peeked.head[0] === 0x1f && peeked.head[1] === 0x8b) {
      const gunzip = createGunzip();
      peeked.stream.on('error', (err) => gunzip.destroy(err));
      peeked.stream.pipe(gunzip);
      peeked = await peek(gunzip);
      contentEncoding = undefined;
    }
    const format = formatOfContent(peeked.head, body.fileName);
    if (format === undefined) {
      peeked.stream.destroy();
      return;
    }
    yield* parse({ ...body, stream: peeked.stream, contentEncoding }, { ...options, format });
  };
}
