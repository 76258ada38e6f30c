/**
 * A read-only zip archive over a random-access file (PKWARE APPNOTE 6.3): the central directory at
 * the end of the file lists the entries; each entry's bytes follow its local header and are either
 * stored (method 0) or raw deflate (method 8), inflated with node:zlib as a stream. Zip64 sizes
 * and offsets are understood. Data descriptors need no special handling because sizes and CRCs are
 * taken from the central directory, which is authoritative. Multi-disk archives and encrypted
 * entries are refused.
 *
 * Every problem is a FileFormatError naming the file; errors of zlib are translated too.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { FileFormatError } from '../errors.js';

export interface ZipEntry {
  /** The name as stored (forward slashes, no leading slash). */
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  /** General-purpose bit flags (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 name). */
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;
/** Far above any real workbook's central directory; refuses a hostile one before allocating it. */
const MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 * 1024;
/** A workbook has a few dozen parts (a few thousand with many sheets); millions of entries are hostile. */
const MAX_ENTRIES = 100_000;

/** zlib.crc32 exists from Node 20.15; on older Nodes the CRC check is skipped (sizes are still checked). */
const crc32 = (zlib as Partial<typeof zlib>).crc32;

export class ZipArchive {
  private readonly byName = new Map<string, ZipEntry>();

  private constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly fileName: string,
    /** Where the central directory starts: entry data must end before it. */
    private readonly dataLimit: number,
    readonly entries: readonly ZipEntry[],
  ) {
    // OPC part names are case-insensitive; the first of two names differing only in case wins.
    for (const entry of entries) {
      const key = entry.name.toLowerCase();
      if (!this.byName.has(key)) this.byName.set(key, entry);
    }
  }

  /** Reads the central directory of the zip in `handle` (`size` bytes). `fileName` names it in errors. */
  static async open(handle: FileHandle, size: number, fileName: string): Promise<ZipArchive> {
    const fail = (problem: string): never => {
      throw new FileFormatError(fileName, problem);
    };
    const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tail = await readAt(handle, size - tailLength, tailLength);
    const at = findEndRecord(tail);
    if (at < 0) fail('zip archive is truncated or not a zip: it has no end-of-central-directory record');
    const eocdOffset = size - tailLength + at;
    if (tail.readUInt16LE(at + 4) !== 0 || tail.readUInt16LE(at + 6) !== 0) fail('multi-disk zip archives are not supported');
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);

    // A Zip64 locator sits right before the end record whenever the archive needs 64-bit fields.
    if (eocdOffset >= 20) {
      const locator = await readAt(handle, eocdOffset - 20, 20);
      if (locator.readUInt32LE(0) === SIG_ZIP64_LOCATOR) {
        const recordOffset = toSafe(locator.readBigUInt64LE(8), fail);
        if (recordOffset + 56 > eocdOffset - 20) fail('zip64 end-of-central-directory locator points outside the file');
        const record = await readAt(handle, recordOffset, 56);
        if (record.readUInt32LE(0) !== SIG_ZIP64_EOCD) fail('zip64 end-of-central-directory record is missing');
        count = toSafe(record.readBigUInt64LE(32), fail);
        cdSize = toSafe(record.readBigUInt64LE(40), fail);
        cdOffset = toSafe(record.readBigUInt64LE(48), fail);
      }
    }
    if (cdOffset + cdSize > eocdOffset) fail('zip central directory lies outside the file (truncated or corrupt zip)');
    if (cdSize > MAX_CENTRAL_DIRECTORY_BYTES) fail(`zip central directory is implausibly large (${cdSize} bytes)`);
    const directory = await readAt(handle, cdOffset, cdSize);
    const entries = parseCentralDirectory(directory, fail);
    if (entries.length !== count && count !== 0xffff) {
      fail(`zip central directory lists ${entries.length} entries but the end record says ${count}`);
    }
    return new ZipArchive(handle, size, fileName, cdOffset, entries);
  }

  /** The entry with this name (case-insensitive, a leading slash ignored), if any. */
  entry(name: string): ZipEntry | undefined {
    return this.byName.get(name.replace(/^\/+/, '').toLowerCase());
  }

  /**
   * The entry's uncompressed bytes, streamed (back-pressure: the file is read as the chunks are
   * consumed). Checks the size and CRC-32 against the central directory when the entry ends.
   * Ending the iteration early releases the underlying streams.
   */
  async *read(entry: ZipEntry, options: { chunkSize?: number } = {}): AsyncGenerator<Buffer> {
    const fail = (problem: string, cause?: unknown): never => {
      throw new FileFormatError(this.fileName, `zip entry ${entry.name}: ${problem}`, { cause });
    };
    if ((entry.flags & 0x1) !== 0) fail('encrypted entries are not supported');
    if (entry.method !== 0 && entry.method !== 8) fail(`unsupported compression method ${entry.method}`);
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) fail('stored entry sizes disagree');
    const header = await readAt(this.handle, entry.localHeaderOffset, 30, this.size);
    if (header.length < 30 || header.readUInt32LE(0) !== SIG_LOCAL) fail('local header is missing (corrupt zip)');
    const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (dataStart + entry.compressedSize > this.dataLimit) fail('data runs past the central directory (corrupt zip)');

    const chunkSize = options.chunkSize ?? 64 * 1024;
    const raw = Readable.from(readRange(this.handle, dataStart, entry.compressedSize, chunkSize), { objectMode: false });
    let inflater: zlib.InflateRaw | undefined;
    let output: Readable = raw;
    if (entry.method === 8) {
      const inflate = zlib.createInflateRaw({ chunkSize });
      inflater = inflate;
      raw.on('error', (err) => inflate.destroy(err));
      output = raw.pipe(inflate);
    }
    let produced = 0;
    let crc = 0;
    try {
      for await (const chunk of output as AsyncIterable<Buffer>) {
        produced += chunk.length;
        if (produced > entry.uncompressedSize) fail(`inflates to more than its declared ${entry.uncompressedSize} bytes (corrupt zip)`);
        if (crc32 !== undefined) crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (err) {
      if (err instanceof FileFormatError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) fail(`compressed data is corrupt or truncated (${(err as Error).message})`, err);
      throw err;
    } finally {
      inflater?.destroy();
      raw.destroy();
    }
    if (produced !== entry.uncompressedSize) {
      fail(`inflated to ${produced} bytes but the zip declares ${entry.uncompressedSize} (corrupt or truncated zip)`);
    }
    if (crc32 !== undefined && crc >>> 0 !== entry.crc32) fail('CRC-32 mismatch (corrupt zip)');
  }

  /** The whole entry as UTF-8 text, refusing entries larger than `maxBytes` (for small parts). */
  async readText(entry: ZipEntry, maxBytes: number): Promise<string> {
    if (entry.uncompressedSize > maxBytes) {
      throw new FileFormatError(this.fileName, `zip entry ${entry.name} is ${entry.uncompressedSize} bytes, more than the ${maxBytes} allowed for it`);
    }
    const parts: Buffer[] = [];
    for await (const chunk of this.read(entry)) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }
}

/** The offset of the end record in `tail`, preferring one whose comment length reaches exactly the end. */
function findEndRecord(tail: Buffer): number {
  let lenient = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    if (i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) return i;
    if (lenient < 0) lenient = i; // trailing bytes after the record: still readable
  }
  return lenient;
}

function parseCentralDirectory(directory: Buffer, fail: (problem: string) => never): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  while (p < directory.length) {
    if (entries.length >= MAX_ENTRIES) fail(`zip archive has more than ${MAX_ENTRIES} entries`);
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== SIG_CENTRAL) fail('zip central directory is corrupt');
    const flags = directory.readUInt16LE(p + 8);
    const method = directory.readUInt16LE(p + 10);
    const crc = directory.readUInt32LE(p + 16);
    let compressedSize = directory.readUInt32LE(p + 20);
    let uncompressedSize = directory.readUInt32LE(p + 24);
    const nameLength = directory.readUInt16LE(p + 28);
    const extraLength = directory.readUInt16LE(p + 30);
    const commentLength = directory.readUInt16LE(p + 32);
    let localHeaderOffset = directory.readUInt32LE(p + 42);
    const nameStart = p + 46;
    const extraStart = nameStart + nameLength;
    const end = extraStart + extraLength + commentLength;
    if (end > directory.length) fail('zip central directory is corrupt (entry runs past its end)');
    // Names are UTF-8 with bit 11 set; otherwise CP437, which agrees with UTF-8 on the ASCII names OPC uses.
    const name = directory.toString('utf8', nameStart, extraStart);
    // Zip64 extra field: 8-byte values for exactly those fields saturated in the fixed header, in this order.
    for (let x = extraStart; x + 4 <= extraStart + extraLength; ) {
      const id = directory.readUInt16LE(x);
      const size = directory.readUInt16LE(x + 2);
      if (id === ZIP64_EXTRA_ID) {
        let q = x + 4;
        const next = (): number => {
          if (q + 8 > x + 4 + size) fail(`zip64 extra field of ${name} is too short`);
          const v = toSafe(directory.readBigUInt64LE(q), fail);
          q += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      x += 4 + size;
    }
    entries.push({ name: name.replace(/^\/+/, ''), method, flags, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset });
    p = end;
  }
  return entries;
}

function toSafe(v: bigint, fail: (problem: string) => never): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('zip64 size or offset is beyond 2^53');
  return Number(v);
}

/**
 * The bytes `[start, start + length)` of the file in chunks, read as they are consumed. (Not
 * FileHandle.createReadStream: destroying that stream early closes the shared handle.)
 */
async function* readRange(handle: FileHandle, start: number, length: number, chunkSize: number): AsyncGenerator<Buffer> {
  for (let position = start, end = start + length; position < end; ) {
    const want = Math.min(chunkSize, end - position);
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    if (bytesRead === 0) throw new Error(`file ends at byte ${position}, before the zip entry's data does`);
    position += bytesRead;
    yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
  }
}

/** Reads `length` bytes at `position`; fewer only when the file ends first (capped at `limit`). */
async function readAt(handle: FileHandle, position: number, length: number, limit = Infinity): Promise<Buffer> {
  const want = Math.max(0, Math.min(length, limit - position));
  const buffer = Buffer.alloc(want);
  let filled = 0;
  while (filled < want) {
    const { bytesRead } = await handle.read(buffer, filled, want - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === want ? buffer : buffer.subarray(0, filled);
}
