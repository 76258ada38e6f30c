/**
 * Writes newline-delimited lines to a stream (stdout) with back-pressure.
 * Lines are batched into chunks of about `chunkBytes` (one write syscall per chunk instead of one
 * per record); when the stream reports its buffer full, the caller receives a promise that settles
 * on 'drain', so a slow consumer holds the producer back instead of growing memory.
 * Whatever is buffered is also flushed as soon as the process turns to I/O (setImmediate), so a
 * STATE or LOG written before a long wait (job polling) reaches the platform right away.
 */
import type { Writable } from 'node:stream';

export interface LineWriterOptions {
  /** Flush a chunk once this many characters are buffered. Default 64 KiB. */
  chunkBytes?: number;
  /** Called once when the output breaks (e.g. EPIPE: the consumer went away). */
  onBroken?: (err: Error) => void;
}

export class LineWriter {
  private buffered: string[] = [];
  private bufferedChars = 0;
  private drain: Promise<void> | undefined;
  private broken: Error | undefined;
  private readonly chunkChars: number;

  constructor(
    private readonly out: Writable | NodeJS.WritableStream,
    private readonly options: LineWriterOptions = {},
  ) {
    this.chunkChars = options.chunkBytes ?? 64 * 1024;
    out.on('error', (err: Error) => this.breakWith(err));
  }

  /**
   * Queues one line (without its newline). Returns a promise only when the caller should wait
   * for the consumer; callers on the hot path check for it instead of awaiting every line.
   */
  write(line: string): Promise<void> | undefined {
    if (this.broken !== undefined) return undefined;
    this.buffered.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= this.chunkChars) return this.flushChunk();
    if (this.idleFlush === undefined) {
      this.idleFlush = setImmediate(() => {
        this.idleFlush = undefined;
        if (this.bufferedChars > 0) void this.flushChunk();
      });
    }
    return this.drain;
  }

  private idleFlush: NodeJS.Immediate | undefined;

  /** Hands everything buffered to the stream and waits until the stream has accepted it. */
  async flush(): Promise<void> {
    if (this.bufferedChars > 0) await this.flushChunk();
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
    const data = this.buffered.join('\n') + '\n';
    this.buffered = [];
    this.bufferedChars = 0;
    if (this.broken !== undefined) return undefined;
    const accepted = this.out.write(data);
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
    this.buffered = [];
    this.bufferedChars = 0;
    this.releaseOnBreak?.();
    this.options.onBroken?.(err);
  }
}
