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
