/**
 * The byte scanners' input (csv-cells.ts, json-cells.ts): the body's chunks as UTF-8 bytes, read in
 * pieces large enough to scan, and — when a scanner hands the rest of a file to a string parser —
 * the rest as text.
 */
import type { TextChunkDecoder } from './text-decoding.js';

/**
 * At least `minBytes` more UTF-8 bytes of the body (fewer at its end), in the pieces they came in;
 * `final` once the body has ended.
 */
export async function readUtf8(iterator: AsyncIterator<Buffer>, decoder: TextChunkDecoder, minBytes: number): Promise<{ parts: Buffer[]; final: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < minBytes) {
    const n = await iterator.next();
    if (n.done === true) {
      const rest = decoder.endToUtf8();
      if (rest.length > 0) parts.push(rest);
      return { parts, final: true };
    }
    const bytes = decoder.decodeToUtf8(n.value);
    if (bytes.length > 0) {
      parts.push(bytes);
      size += bytes.length;
    }
  }
  return { parts, final: false };
}

/** `first` (what the scanner had not scanned), then the rest of the body as text. */
export async function* restAsText(first: string, ended: boolean, iterator: AsyncIterator<Buffer>, decoder: TextChunkDecoder): AsyncGenerator<string> {
  if (first.length > 0) yield first;
  if (ended) return;
  for (;;) {
    const n = await iterator.next();
    if (n.done === true) break;
    const t = decoder.decode(n.value);
    if (t.length > 0) yield t;
  }
  const t = decoder.end();
  if (t.length > 0) yield t;
}
