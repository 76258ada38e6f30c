import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineWriter } from './line-writer.js';

/** A sink that accepts `highWaterMark` bytes and then drains only when told to. */
function gatedSink(highWaterMark: number) {
  const chunks: string[] = [];
  const pending: (() => void)[] = [];
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      pending.push(cb);
    },
  });
  const release = (): void => {
    for (const cb of pending.splice(0)) cb();
  };
  return { out, chunks, release };
}

describe('LineWriter', () => {
  it('batches lines into chunks and writes newline-terminated lines in order', async () => {
    const chunks: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString('utf8'));
        cb();
      },
    });
    const w = new LineWriter(out, { chunkBytes: 20 });
    for (let i = 0; i < 10; i++) await w.write(`line-${i}`);
    await w.flush();
    expect(chunks.join('')).toBe(Array.from({ length: 10 }, (_, i) => `line-${i}\n`).join(''));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(10);
  });

  it('returns a promise that waits for drain when the stream is full', async () => {
    const sink = gatedSink(10);
    const w = new LineWriter(sink.out, { chunkBytes: 5 });
    const p = w.write('0123456789abcdef');
    expect(p).toBeInstanceOf(Promise);
    let settled = false;
    void p?.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    // Later writes while full keep returning the same pending drain.
    expect(w.write('x'.repeat(10))).toBe(p);
    sink.release();
    await new Promise((r) => setTimeout(r, 5));
    sink.release();
    await p;
    expect(settled).toBe(true);
  });

  it('drops writes and releases waiters once the stream breaks', async () => {
    let broken: Error | undefined;
    const out = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const w = new LineWriter(out, { chunkBytes: 1, onBroken: (e) => (broken = e) });
    await w.write('a');
    await new Promise((r) => setTimeout(r, 10));
    expect(broken?.message).toBe('write EPIPE');
    expect(w.isBroken).toBe(true);
    expect(w.write('b')).toBeUndefined();
    await w.flush();
  });
});

describe('LineWriter.writeEach', () => {
  /** Keeps every chunk as given (no copy) and checks it is unchanged once written. */
  function recordingSink(highWaterMark = 1024) {
    const written: string[] = [];
    const out = new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, cb) {
        const text = chunk.toString('utf8');
        // Asynchronous like a pipe or file: the writer must not touch the chunk before the callback.
        setImmediate(() => {
          expect(chunk.toString('utf8')).toBe(text);
          written.push(text);
          cb();
        });
      },
    });
    return { out, text: () => written.join('') };
  }

  const encodeText = (item: string, buf: Buffer, pos: number): number => {
    const bytes = Buffer.byteLength(item);
    if (buf.length - pos < bytes) return -1;
    return pos + buf.write(item, pos);
  };

  it('keeps lines in order with string lines interleaved, across chunks, growing for long lines', async () => {
    const sink = recordingSink();
    const w = new LineWriter(sink.out, { chunkBytes: 100 });
    const expected: string[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const items = Array.from({ length: batch % 7 }, (_, i) => `rec ${batch}.${i} ${'é'.repeat((batch * 31 + i * 17) % 60)}`);
      if (batch === 20) items.push('x'.repeat(100_000)); // longer than the chunk and its slack
      expected.push(...items);
      const p = w.writeEach(items, encodeText);
      if (p !== undefined) await p;
      const line = `{"type":"STATE","n":${batch}}`;
      expected.push(line);
      const q = w.write(line);
      if (q !== undefined) await q;
    }
    await w.flush();
    sink.out.end();
    await once(sink.out, 'finish');
    expect(sink.text()).toBe(expected.map((l) => `${l}\n`).join(''));
  });

  it('returns the drain promise when the stream is full', async () => {
    const sink = gatedSink(10);
    const w = new LineWriter(sink.out, { chunkBytes: 5 });
    const p = w.writeEach(['0123456789abcdef', 'x'], encodeText);
    expect(p).toBeInstanceOf(Promise);
    let settled = false;
    void p?.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    for (let i = 0; i < 5; i++) {
      sink.release();
      await new Promise((r) => setTimeout(r, 5));
    }
    await p;
    expect(settled).toBe(true);
    expect(sink.chunks.join('')).toBe('0123456789abcdef\nx\n');
  });

  it('flushes what is buffered when the process turns to I/O', async () => {
    const sink = recordingSink();
    const w = new LineWriter(sink.out);
    expect(w.writeEach(['a', 'b'], encodeText)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(sink.text()).toBe('a\nb\n');
  });
});
