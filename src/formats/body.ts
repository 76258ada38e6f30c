/**
 * Opening a result body: transparent gzip, and checking that the bytes are the format that was
 * requested. Magic bytes are the ground truth for compression (a body declared gzip that is not
 * gzip was already decoded by the HTTP client); Content-Type, the Content-Disposition file name and
 * the first bytes must not contradict the requested format.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ResultBody, ResultFormat } from './types.js';
import { ConnectorError } from '../core/errors.js';
import { FileFormatError } from './errors.js';

/** How many leading bytes the sniffers look at. */
const SNIFF_BYTES = 512;

/** A byte stream whose first bytes have been read for sniffing and are replayed to the parser. */
export interface OpenedBody {
  /** The format of the bytes: the requested one, or the one found when 'auto' was requested. */
  format: ResultFormat;
  /** 'auto' only: the file is empty (nothing to parse). */
  empty: boolean;
  head: Buffer;
  chunks: AsyncIterable<Buffer>;
  /** Stops reading and releases the underlying stream(s). Safe to call more than once. */
  close(): void;
}

/** Reads up to `wanted` leading bytes, then replays them followed by the rest. */
async function peek(source: AsyncIterator<Buffer>, wanted: number): Promise<{ head: Buffer; replay: AsyncIterable<Buffer> }> {
  const taken: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < wanted) {
    const next = await source.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    taken.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(taken);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await source.next();
      if (next.done === true) return;
      yield toBuffer(next.value);
    }
  }
  return { head: head.subarray(0, Math.min(head.length, wanted)), replay: replay() };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`result stream yielded a ${typeof chunk}, expected bytes`);
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/**
 * Opens the body: gunzips when the bytes are gzip, then checks the format against metadata and bytes.
 * On any failure here the body's stream is destroyed, so a rejected download does not hold its socket.
 */
export async function openResultBody(body: ResultBody, requested: ResultFormat | 'auto'): Promise<OpenedBody> {
  const raw = body.stream;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    gunzip?.destroy();
    raw.destroy();
  };
  try {
    if (requested !== 'auto') checkDeclaredFormat(body, requested);
    const first = await peek(raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>, SNIFF_BYTES);
    let head = first.head;
    let chunks: AsyncIterable<Buffer> = first.replay;
    if (isGzip(head)) {
      const inflater = createGunzip();
      gunzip = inflater;
      const compressed = Readable.from(first.replay, { objectMode: false });
      compressed.on('error', (err) => inflater.destroy(err));
      compressed.pipe(inflater);
      const inner = await peek(wrapGunzipErrors(inflater[Symbol.asyncIterator]() as AsyncIterator<Buffer>, body.fileName), SNIFF_BYTES);
      head = inner.head;
      chunks = inner.replay;
    }
    const found = requested === 'auto' ? formatOfContent(head, dispositionFileName(body.contentDisposition) ?? body.fileName) : requested;
    if (found === undefined) return { format: 'csv', empty: true, head, chunks, close };
    checkMagic(head, found, body.fileName);
    return { format: found, empty: false, head, chunks, close };
  } catch (err) {
    close();
    throw err;
  }
}

function wrapGunzipErrors(source: AsyncIterator<Buffer>, fileName: string): AsyncIterator<Buffer> {
  return {
    async next() {
      try {
        return await source.next();
      } catch (err) {
        // Only zlib's own failures mean a bad file; a failing source (network, abort) keeps its error.
        const code = (err as NodeJS.ErrnoException).code;
        if (err instanceof ConnectorError || typeof code !== 'string' || !code.startsWith('Z_')) throw err;
        throw new FileFormatError(fileName, `gzip data is corrupt or truncated (${(err as Error).message})`, {
          cause: err,
        });
      }
    },
  };
}

const CONTENT_TYPE_FORMATS: Record<string, ResultFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  'text/tab-separated-values': 'tsv',
  'text/tsv': 'tsv',
  'application/json': 'json',
  'application/vnd.api+json': 'json',
  'text/json': 'json',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-excel': 'xlsx',
};

const EXTENSION_FORMATS: Record<string, ResultFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  xlsx: 'xlsx',
};

/** The file name from a Content-Disposition header; tolerates `filename*=`, quotes and Addepar's "file name=". */
export function dispositionFileName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const extended = /file\s?name\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(header);
  if (extended !== null) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      return extended[1].trim();
    }
  }
  const plain = /file\s?name\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
  if (plain === null) return undefined;
  return (plain[1] ?? plain[2]).trim();
}

/** The format a file name's extension names (".gz" looked through), or undefined when it names none. */
export function formatOfFileName(name: string): ResultFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  const dot = base.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSION_FORMATS[base.slice(dot + 1)];
}

/** Content-Type and Content-Disposition may be silent or generic, but must not name another format. */
function checkDeclaredFormat(body: ResultBody, format: ResultFormat): void {
  const mediaType = body.contentType?.split(';')[0].trim().toLowerCase();
  const declared = mediaType === undefined ? undefined : CONTENT_TYPE_FORMATS[mediaType];
  if (declared !== undefined && !compatible(declared, format)) {
    throw new FileFormatError(
      body.fileName,
      `expected a ${format.toUpperCase()} file but the server sent Content-Type ${JSON.stringify(body.contentType)}`,
    );
  }
  const name = dispositionFileName(body.contentDisposition);
  const named = name === undefined ? undefined : formatOfFileName(name);
  if (named !== undefined && !compatible(named, format)) {
    throw new FileFormatError(
      body.fileName,
      `expected a ${format.toUpperCase()} file but the server named it ${JSON.stringify(name)}`,
    );
  }
}

/** CSV and TSV are told apart by their delimiter, not their labels: servers often label TSV as text/csv. */
function compatible(declared: ResultFormat, requested: ResultFormat): boolean {
  if (declared === requested) return true;
  return (declared === 'csv' || declared === 'tsv') && (requested === 'csv' || requested === 'tsv');
}

/**
 * The format the first bytes of an (uncompressed) file show, for results whose format nobody
 * states; undefined for an empty file. TSV is told from CSV by the header line's delimiters, and a
 * one-column file by its name.
 */
export function formatOfContent(head: Buffer, fileName?: string): ResultFormat | undefined {
  if (isZip(head)) return 'xlsx';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return 'json';
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const tabs = firstLine.split('\t').length - 1;
  const commas = firstLine.split(',').length - 1;
  if (tabs > commas) return 'tsv';
  if (tabs === 0 && commas === 0 && fileName !== undefined && formatOfFileName(fileName) === 'tsv') return 'tsv';
  return 'csv';
}

/** What the first bytes look like, for mismatch messages. */
export function describeHead(head: Buffer): string {
  if (head.length === 0) return 'an empty file';
  if (isZip(head)) return 'a ZIP/XLSX file';
  if (isGzip(head)) return 'gzip data';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^<(!doctype html|html|\?xml|head|body)/i.test(text)) return 'an HTML/XML document';
  if (looksLikeJson(text)) return 'a JSON document';
  return `text starting ${JSON.stringify(text.slice(0, 40))}`;
}

function looksLikeJson(text: string): boolean {
  return /^\{\s*("|\})/.test(text) || /^\[\s*(\{|\[|"|\d|-|\]|true|false|null)/.test(text);
}

function checkMagic(head: Buffer, format: ResultFormat, fileName: string): void {
  if (head.length === 0 && (format === 'xlsx' || format === 'json')) {
    // No XLSX or JSON result is zero bytes long (even "no rows" has a workbook or an empty array):
    // the download broke off or the vendor sent nothing. A new download may fix it.
    throw new FileFormatError(fileName, `expected a ${format.toUpperCase()} file but the body is empty (0 bytes): the download broke off or the vendor sent no file`, { failureType: 'transient_error' });
  }
  const mismatch = (): never => {
    throw new FileFormatError(fileName, `expected a ${format.toUpperCase()} file but got ${describeHead(head)}`);
  };
  if (format === 'xlsx') {
    if (!isZip(head)) mismatch();
    return;
  }
  if (isZip(head)) mismatch();
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (format === 'json') {
    if (start === '') {
      throw new FileFormatError(fileName, 'expected a JSON document but the file is empty');
    }
    if (start[0] !== '{' && start[0] !== '[') mismatch();
    return;
  }
  // CSV / TSV
  if (/^<(!doctype html|html|\?xml|head|body)/i.test(start) || looksLikeJson(start)) mismatch();
  const newline = text.indexOf('\n');
  // Only a complete first line is judged; a header longer than the sniff window is not.
  if (newline < 0) return;
  const firstLine = text.slice(0, newline);
  const commas = countOutsideQuotes(firstLine, ',');
  const tabs = countOutsideQuotes(firstLine, '\t');
  if (format === 'csv' && commas === 0 && tabs > 0) {
    throw new FileFormatError(fileName, 'expected a CSV file but the header row is tab-separated (TSV)');
  }
  if (format === 'tsv' && tabs === 0 && commas > 0) {
    throw new FileFormatError(fileName, 'expected a TSV file but the header row is comma-separated (CSV)');
  }
}

function countOutsideQuotes(line: string, ch: string): number {
  let count = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) count++;
  }
  return count;
}
