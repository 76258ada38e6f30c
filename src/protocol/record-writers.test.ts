/**
 * The RECORD lines of both protocol writers are byte for byte what they were when each record was
 * serialized with JSON.stringify (the envelope text below is that former code), and the other
 * messages still go through the secret masker.
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SecretMasker } from '../core/secrets.js';
import type { Row } from '../core/source.js';
import { AirbyteWriter } from './airbyte-writer.js';
import { LineWriter } from './line-writer.js';
import { SingerWriter } from './singer-writer.js';

function capture(chunkBytes?: number) {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const lines = new LineWriter(out, { chunkBytes });
  return {
    lines,
    async bytes(): Promise<Buffer> {
      await lines.flush();
      out.end();
      await once(out, 'finish');
      return Buffer.concat(chunks);
    },
  };
}

const cell = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const rowsArb = fc.array(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), cell, { maxKeys: 6 }), { maxLength: 40 });

describe('AirbyteWriter.records', () => {
  it('writes the lines JSON.stringify gave, for random batches of random rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowsArb, { maxLength: 4 }), fc.string({ maxLength: 8 }), fc.integer({ min: 60, max: 5000 }), async (batches, stream, chunkBytes) => {
        const sink = capture(chunkBytes);
        const writer = new AirbyteWriter(sink.lines);
        let expected = '';
        for (const [i, rows] of batches.entries()) {
          const emittedAt = 1_700_000_000_000 + i;
          const p = writer.records(stream, rows as Row[], emittedAt);
          if (p !== undefined) await p;
          const prefix = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"emitted_at":${emittedAt},"data":`;
          for (const row of rows) expected += `${prefix}${JSON.stringify(row)}}}\n`;
        }
        expect((await sink.bytes()).equals(Buffer.from(expected, 'utf8'))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('masks secrets in every message but RECORD data, as before', async () => {
    const sink = capture();
    const writer = new AirbyteWriter(sink.lines);
    writer.setMasker(new SecretMasker(['hunter2']));
    await writer.records('s', [{ password: 'hunter2' }], 1);
    await writer.log('INFO', 'token hunter2 leaked?');
    await writer.state('s', { cursor: 'hunter2' }, 1);
    const lines = (await sink.bytes()).toString('utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('{"type":"RECORD","record":{"stream":"s","emitted_at":1,"data":{"password":"hunter2"}}}');
    expect(lines[1]).toBe('{"type":"LOG","log":{"level":"INFO","message":"token **** leaked?"}}');
    expect(lines[2]).toContain('"stream_state":{"cursor":"****"}');
  });
});

describe('SingerWriter.records', () => {
  it('writes the lines JSON.stringify gave, with and without selected properties', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.option(fc.array(fc.string({ unit: 'binary', maxLength: 6 }), { maxLength: 4 }), { nil: undefined }), async (rows, properties) => {
        const sink = capture(200);
        const writer = new SingerWriter(sink.lines);
        const before = new Date().toISOString();
        const p = writer.records('holdings', rows as Row[], properties);
        if (p !== undefined) await p;
        const text = (await sink.bytes()).toString('utf8');
        // time_extracted is taken when the batch is written; read it back, then compare everything.
        const timeExtracted = /"time_extracted":"([^"]+)"/.exec(text)?.[1] ?? before;
        expect(timeExtracted >= before).toBe(true);
        let expected = '';
        for (const row of rows) {
          const data: Row = {};
          if (properties === undefined) Object.assign(data, row);
          else for (const prop of properties) if (prop in row) data[prop] = row[prop];
          const shown = properties === undefined ? row : data;
          expected += `{"type":"RECORD","stream":"holdings","time_extracted":"${timeExtracted}","record":${JSON.stringify(shown)}}\n`;
        }
        expect(text).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
