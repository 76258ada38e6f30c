/**
 * Reading a response body safely: every chunk must arrive within the idle timeout, and a body
 * that ends before its Content-Length is an error, never a short file. Readers pull one chunk
 * at a time, so a slow consumer slows the download instead of buffering it (back-pressure).
 */
import { Readable } from 'node:stream';
import { TransientError } from '../core/errors.js';
import { describeNetworkError } from './errors.js';

export interface BodyReadOptions {
  /** Content-Length of the body as sent; undefined when unknown or when the body was decoded. */
  expectedLength: number | undefined;
  /** Maximum silence between two chunks. */
  idleTimeoutMs: number;
  /** Names the body in errors, e.g. "GET http://host/jobs/1/result". */
  describe: string;
  /** Stops the transfer (aborts the fetch) when reading gives up. */
  abort(reason: Error): void;
  /** Told the running byte count after every chunk, for progress logs. */
  onBytes?(received: number): void;
  /** Called once when reading ends, however it ends (to release listeners). */
  onSettled?(): void;
}

/** Yields the body's chunks, failing with a TransientError on idle timeout, reset or truncation. */
export async function* checkedChunks(body: ReadableStream<Uint8Array>, options: BodyReadOptions): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  let received = 0;
  let finished = false;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await withIdleTimeout(reader.read(), options);
      } catch (err) {
        if (err instanceof TransientError) throw err;
        throw new TransientError(
          `Download of ${options.describe} broke off after ${received} bytes${lengthNote(options.expectedLength)}: ${describeNetworkError(err)}`,
          { cause: err },
        );
      }
      if (chunk.done) break;
      received += chunk.value.byteLength;
      options.onBytes?.(received);
      yield Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
    }
    finished = true;
  } finally {
    if (!finished) {
      // The consumer stopped early or the transfer failed: release the connection.
      await reader.cancel().catch(() => undefined);
    }
    reader.releaseLock();
    options.onSettled?.();
  }
  if (options.expectedLength !== undefined && received < options.expectedLength) {
    throw new TransientError(
      `Download of ${options.describe} is truncated: received ${received} of ${options.expectedLength} bytes (Content-Length)`,
    );
  }
}

function lengthNote(expected: number | undefined): string {
  return expected === undefined ? '' : ` of ${expected}`;
}

function withIdleTimeout<T>(promise: Promise<T>, options: BodyReadOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new TransientError(`Download of ${options.describe} stalled: no data for ${options.idleTimeoutMs} ms`);
      options.abort(err);
      reject(err);
    }, options.idleTimeoutMs);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The body as a Node Readable (byte mode) that errors instead of ending on a short body. */
export function checkedReadable(body: ReadableStream<Uint8Array>, options: BodyReadOptions): Readable {
  return Readable.from(checkedChunks(body, options), { objectMode: false, highWaterMark: 64 * 1024 });
}

/** Reads the whole body as UTF-8 with the same checks (for small JSON/text responses). */
export async function checkedText(body: ReadableStream<Uint8Array>, options: BodyReadOptions): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of checkedChunks(body, options)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The declared Content-Length, or undefined when absent/invalid or when the body is decoded by fetch. */
export function declaredLength(headers: Headers): number | undefined {
  const encoding = headers.get('content-encoding');
  // fetch decompresses gzip/br/deflate bodies, so the bytes we count are not the bytes the length
  // describes; a truncated compressed body still fails in the decompressor.
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const raw = headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
