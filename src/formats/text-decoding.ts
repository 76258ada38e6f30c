/**
 * Bytes of a text result (CSV, TSV, JSON) to text, without ever inventing U+FFFD. Two securities
 * named "Société" and "Sociètè" must stay two names: replaced by U+FFFD they would be one, and a
 * destination that deduplicates by key would keep only one of them.
 *
 * - A charset declared in Content-Type is honoured strictly: bytes it cannot decode are an error
 *   naming the file and the byte.
 * - Without one, the body is read as UTF-8. A body that turns out not to be UTF-8 while everything
 *   before the first bad byte was plain ASCII is an export in a legacy code page: it is read as
 *   Windows-1252 (the usual one) with a warning naming the file, or refused when the setting says
 *   so. A body that had valid non-ASCII UTF-8 before a bad byte mixes encodings and is refused:
 *   no reading of it is safe.
 *
 * Fast path: whole chunks are checked with Node's native UTF-8 validator; only a failing chunk is
 * scanned byte by byte to find where.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { FileFormatError } from './errors.js';

export type InvalidUtf8Policy = 'windows-1252' | 'fail';

export interface TextDecodingOptions {
  fileName: string;
  /** The Content-Type header, whose charset parameter (if any) decides. */
  contentType?: string;
  /** Without a declared charset, what invalid UTF-8 means. Default: read as Windows-1252. */
  onInvalidUtf8?: InvalidUtf8Policy;
  /** Where the warning about a Windows-1252 body goes. */
  onWarning?: (message: string) => void;
}

export interface TextChunkDecoder {
  /** Text of the bytes so far; a multi-byte character cut by the chunk boundary waits for the next chunk. */
  decode(chunk: Buffer): string;
  /** The rest, at the end of the body. */
  end(): string;
  /**
   * The same text as UTF-8 bytes: a UTF-8 body's own bytes once checked (no string is built), any
   * other encoding decoded and encoded again. For parsers that work on bytes; do not mix with decode.
   */
  decodeToUtf8(chunk: Buffer): Buffer;
  endToUtf8(): Buffer;
}

/** The charset parameter of a Content-Type, lower-cased; undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const m = contentType === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m?.[1]?.toLowerCase();
}

export function createTextDecoder(options: TextDecodingOptions): TextChunkDecoder {
  const charset = charsetOf(options.contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return declaredDecoder(charset, options.fileName);
  return new Utf8OrLegacyDecoder(options, charset !== undefined);
}

/** Strict decoding of a declared charset. */
function declaredDecoder(charset: string, fileName: string): TextChunkDecoder {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: true });
  } catch {
    throw new FileFormatError(fileName, `declares the charset "${charset}", which jobtap cannot decode`);
  }
  let bytes = 0;
  const run = (chunk: Buffer | undefined): string => {
    try {
      const text = chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
      if (chunk !== undefined) bytes += chunk.length;
      return text;
    } catch (err) {
      throw new FileFormatError(fileName, `is not valid ${charset} (the charset its Content-Type declares) in the bytes after byte ${bytes}`, {
        byteOffset: bytes,
        cause: err,
      });
    }
  };
  return {
    decode: (chunk) => run(chunk),
    end: () => run(undefined),
    decodeToUtf8: (chunk) => Buffer.from(run(chunk), 'utf8'),
    endToUtf8: () => Buffer.from(run(undefined), 'utf8'),
  };
}

/** Length of the UTF-8 sequence a lead byte starts (0 for a byte that cannot start one). */
function sequenceLength(byte: number): number {
  if (byte < 0x80) return 1;
  if (byte >= 0xc2 && byte <= 0xdf) return 2;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xf0 && byte <= 0xf4) return 4;
  return 0;
}

/** Where the last sequence of `data` starts if it is cut short by the end of the chunk; data.length when none is. */
function incompleteTail(data: Buffer): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const byte = data[data.length - back]!;
    if (byte >= 0x80 && byte < 0xc0) continue; // a continuation byte: look further back for its lead
    const wanted = sequenceLength(byte);
    return wanted > back ? data.length - back : data.length;
  }
  return data.length;
}

/** Index of the first byte that is not part of a valid UTF-8 sequence (data.length when all are valid). */
export function firstInvalidUtf8(data: Buffer): number {
  for (let i = 0; i < data.length; ) {
    const length = sequenceLength(data[i]!);
    if (length === 0) return i;
    if (length === 1) {
      i++;
      continue;
    }
    if (i + length > data.length) return i;
    // Valid continuation bytes, no overlong or surrogate or beyond-U+10FFFF forms (the lead byte
    // ranges above exclude most; the second byte's range excludes the rest).
    const second = data[i + 1]!;
    const lead = data[i]!;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const c = data[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += length;
  }
  return data.length;
}

class Utf8OrLegacyDecoder implements TextChunkDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private legacy: TextDecoder | undefined;
  private carry: Buffer = Buffer.alloc(0);
  /** Bytes read as UTF-8 so far, and whether any of them was not plain ASCII. */
  private bytes = 0;
  private sawNonAscii = false;

  constructor(
    private readonly options: TextDecodingOptions,
    /** The Content-Type said utf-8: a bad byte is an error, never another code page. */
    private readonly declaredUtf8: boolean,
  ) {}

  decode(chunk: Buffer): string {
    if (this.legacy !== undefined) return this.legacy.decode(chunk, { stream: true });
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const complete = this.checkedUtf8(data);
    if (complete === undefined) return this.switchOrFail(data, firstInvalidUtf8(data.subarray(0, incompleteTail(data))));
    const text = this.utf8.decode(complete, { stream: true });
    this.count(complete, text.length !== complete.length);
    return text;
  }

  end(): string {
    if (this.legacy !== undefined) return this.legacy.decode();
    if (this.carry.length === 0) return '';
    // A sequence cut short by the end of the body: not UTF-8.
    const text = this.switchOrFail(this.carry, 0);
    // switchOrFail set the legacy decoder (or threw); TypeScript still narrows the field from above.
    const legacy = this.legacy as TextDecoder | undefined;
    return text + (legacy?.decode() ?? '');
  }

  decodeToUtf8(chunk: Buffer): Buffer {
    if (this.legacy !== undefined) return Buffer.from(this.legacy.decode(chunk, { stream: true }), 'utf8');
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const complete = this.checkedUtf8(data);
    if (complete === undefined) return Buffer.from(this.switchOrFail(data, firstInvalidUtf8(data.subarray(0, incompleteTail(data)))), 'utf8');
    this.count(complete, !isAscii(complete));
    return complete;
  }

  endToUtf8(): Buffer {
    return Buffer.from(this.end(), 'utf8');
  }

  /** The complete UTF-8 sequences of `data` (the cut tail kept for the next chunk), or undefined when they are not valid UTF-8. */
  private checkedUtf8(data: Buffer): Buffer | undefined {
    const cut = incompleteTail(data);
    const complete = cut === data.length ? data : data.subarray(0, cut);
    if (!isUtf8(complete)) return undefined;
    this.carry = cut === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(cut));
    return complete;
  }

  private count(bytes: Buffer, nonAscii: boolean): void {
    this.bytes += bytes.length;
    if (nonAscii) this.sawNonAscii = true;
  }

  /** The body is not UTF-8 from `data[bad]` on: read it as Windows-1252, or say why not. */
  private switchOrFail(data: Buffer, bad: number): string {
    const { fileName } = this.options;
    const offset = this.bytes + bad;
    const badByte = `0x${data[bad]!.toString(16).toUpperCase().padStart(2, '0')}`;
    // Any multi-byte UTF-8 before the bad byte? A UTF-8 character takes fewer UTF-16 units than bytes.
    const prefix = data.subarray(0, bad);
    const nonAsciiBefore = this.sawNonAscii || prefix.some((b) => b >= 0x80);
    if (this.declaredUtf8) {
      throw new FileFormatError(fileName, `is not valid UTF-8 (the charset its Content-Type declares): byte ${badByte}`, { byteOffset: offset });
    }
    if (nonAsciiBefore) {
      throw new FileFormatError(fileName, `mixes encodings: valid UTF-8 before, then byte ${badByte} that is not; no reading of it is safe`, { byteOffset: offset });
    }
    if (this.options.onInvalidUtf8 === 'fail') {
      throw new FileFormatError(fileName, `is not valid UTF-8 (byte ${badByte}) and its Content-Type declares no charset (on_invalid_utf8 is "fail"; "windows-1252" reads it as Windows-1252)`, {
        byteOffset: offset,
      });
    }
    this.options.onWarning?.(
      `${fileName} is not valid UTF-8 (first at byte ${offset}: ${badByte}) and its Content-Type declares no charset: read as Windows-1252`,
    );
    // Everything before the bad byte was ASCII, which both encodings read alike.
    this.legacy = new TextDecoder('windows-1252');
    this.carry = Buffer.alloc(0);
    return this.legacy.decode(data, { stream: true });
  }
}
