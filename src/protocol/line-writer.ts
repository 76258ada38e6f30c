/**
 * Writes newline-delimited lines to a stream (stdout) with back-pressure.
 * Lines are encoded as UTF-8 into a chunk buffer of about `chunkBytes` (one write syscall per chunk
 * instead of one per record; record lines are encoded straight into it by writeEach); when the
 * stream reports its buffer full, the caller receives a promise that settles on 'drain', so a slow consumer holds the producer back instead of growing memory.
 * Whatever is buffered is also flushed as soon as the process turns to I/O (setImmediate), so a
 * STATE or LOG written before a long wait (job polling) reaches the platform right away.
 */
import type { Writable } from 'node:stream';

export interface LineWriterOptions {
  /** Flush a chunk once this many bytes are buffered. Default 64 KiB. */
  chunkBytes?: number;
  /** Called once when the output breaks (e.g. EPIPE: the consumer went away). */
  onBroken?: (err: Error) => void;
}

/**
 * Writes one line's bytes (without its newline) at buf[pos]; returns the end offset, or a negative
 * number when buf has too little room — the LineWriter then grows its buffer and calls again, so
 * an encoder must not have side effects beyond the bytes it writes.
 */
export type LineEncoder<T> = (item: T, buf: Buffer, pos: number) => number;

/** Room beyond `chunkBytes` in each chunk buffer, so the line that crosses the threshold rarely needs a larger one. */
const CHUNK_SLACK = 16 * 1024;
const MAX_SPARE_CHUNKS = 16;

export class LineWriter {
  /** The chunk being filled: UTF-8 bytes of complete lines, each ending in '\n'. */
  private chunk: Buffer;
  private used = 0;
  private drain: Promise<void> | undefined;
  private broken: Error | undefined;
  private readonly chunkBytes: number;
  /** Chunk buffers the stream has finished writing, ready to be filled again. */
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly out: Writable | NodeJS.WritableStream,
    private readonly options: LineWriterOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 64 * 1024;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes + CHUNK_SLACK);
    out.on('error', (err: Error) => this.breakWith(err));
  }

  /**
   * Queues one line (without its newline). Returns a promise only when the caller should wait
   * for the consumer; callers on the hot path check for it instead of awaiting every line.
   */
  write(line: string): Promise<void> | undefined {
    if (this.broken !== undefined) return undefined;
    // A UTF-16 unit is at most 3 UTF-8 bytes; only a long line needs its exact length.
    if (this.chunk.length - this.used <= line.length * 3) this.makeRoom(Buffer.byteLength(line) + 1);
    this.used += this.chunk.write(line, this.used);
    this.chunk[this.used++] = 10;
    return this.afterLines();
  }

  /**
   * Queues one line per item, each encoded by `encode` straight into the chunk buffer (the RECORD
   * hot path: no string per line). Same back-pressure contract as write().
   */
  writeEach<T>(items: readonly T[], encode: LineEncoder<T>): Promise<void> | undefined {
    return this.writeIndexed(items.length, (i, buf, pos) => encode(items[i]!, buf, pos));
  }

  /** writeEach for `count` lines addressed by index (e.g. records already encoded back to back in one buffer). */
  writeIndexed(count: number, encode: LineEncoder<number>): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    for (let i = 0; i < count; i++) {
      if (this.broken !== undefined) return undefined;
      let end = encode(i, this.chunk, this.used);
      while (end < 0 || end >= this.chunk.length) {
        this.makeRoom(this.chunk.length - this.used + 1); // at least double the free room, then retry
        end = encode(i, this.chunk, this.used);
      }
      this.chunk[end] = 10;
      this.used = end + 1;
      if (this.used >= this.chunkBytes) {
        const p = this.flushChunk();
        if (p !== undefined) wait = p;
      }
    }
    return this.afterLines() ?? wait;
  }

  /** After lines were queued: hand over a full chunk, or arrange for the rest to go out when idle. */
  private afterLines(): Promise<void> | undefined {
    if (this.used >= this.chunkBytes) return this.flushChunk();
    if (this.used > 0 && this.idleFlush === undefined) {
      this.idleFlush = setImmediate(() => {
        this.idleFlush = undefined;
        if (this.used > 0) void this.flushChunk();
      });
    }
    return this.drain;
  }

  /** Grows the chunk buffer so at least `bytes` are free after what is used, keeping its content. */
  private makeRoom(bytes: number): void {
    if (this.chunk.length - this.used >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.chunk.length * 2, this.used + bytes));
    this.chunk.copy(grown, 0, 0, this.used);
    this.chunk = grown;
  }

  private idleFlush: NodeJS.Immediate | undefined;

  /** Hands everything buffered to the stream and waits until the stream has accepted it. */
  async flush(): Promise<void> {
    if (this.used > 0) await this.flushChunk();
    else if (this.drain !== undefined) await this.drain;
  }

  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  private flushChunk(): Promise<void> | undefined {
    if (this.idleFlush !== undefined) {
      clearImmediate(this.idleFlush);
      this.idleFlush = undefined;
    }
    // The stream keeps what it is given until written: a full chunk is handed over and the next
    // lines go into a fresh buffer; a small one (an idle flush, a STATE) is copied out instead, so a
    // paused consumer holds a few bytes per queued flush, not a whole chunk buffer.
    // Handed-over buffers of the usual size come back for reuse once written, which keeps the
    // process from piling up chunk buffers between garbage collections (peak RSS).
    let data: Buffer;
    let recycle: ((err?: Error | null) => void) | undefined;
    if (this.used * 2 >= this.chunk.length) {
      const handed = this.chunk;
      data = handed.subarray(0, this.used);
      this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkBytes + CHUNK_SLACK);
      if (handed.length === this.chunkBytes + CHUNK_SLACK) {
        recycle = (err) => {
          if (!err && this.spare.length < MAX_SPARE_CHUNKS) this.spare.push(handed);
        };
      }
    } else {
      data = Buffer.from(this.chunk.subarray(0, this.used));
    }
    this.used = 0;
    if (this.broken !== undefined) return undefined;
    const accepted = recycle === undefined ? this.out.write(data) : this.out.write(data, recycle);
    if (accepted) return this.drain;
    if (this.drain === undefined) {
      this.drain = new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.removeListener('drain', done);
          this.out.removeListener('close', done);
          this.drain = undefined;
          resolve();
        };
        this.out.on('drain', done);
        // A closed or broken stream never drains; release the waiters (writes are dropped then).
        this.out.on('close', done);
        this.releaseOnBreak = done;
      });
    }
    return this.drain;
  }

  private releaseOnBreak: (() => void) | undefined;

  private breakWith(err: Error): void {
    if (this.broken !== undefined) return;
    this.broken = err;
    this.used = 0;
    this.releaseOnBreak?.();
    this.options.onBroken?.(err);
  }
}
