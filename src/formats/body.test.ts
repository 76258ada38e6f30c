import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { parseResult, FileFormatError } from './index.js';
import type { ResultFormat } from './types.js';
import { TransientError } from '../core/errors.js';
import { bodyOf, collectRows, type BodyOptions, fileFormatFailure } from './test-bodies.js';
import { dispositionFileName, formatOfContent } from './body.js';

const parse = (content: string | Buffer, format: ResultFormat, options: BodyOptions = {}) =>
  collectRows(parseResult(bodyOf(content, { fileName: 'job 7 result', ...options }), { format }));

const failure = fileFormatFailure;

describe('result body checks', () => {
  it('accepts matching or generic Content-Type and file names', async () => {
    expect(await parse('a\n1\n', 'csv', { contentType: 'text/csv; charset=utf-8' })).toEqual([{ a: '1' }]);
    expect(await parse('a\n1\n', 'csv', { contentType: 'application/octet-stream' })).toEqual([{ a: '1' }]);
    expect(await parse('a\t\n1\t\n', 'tsv', { contentType: 'text/csv' })).toEqual([{ a: '1', column_2: '' }]);
    expect(await parse('[{"a":1}]', 'json', { contentType: 'application/vnd.api+json', contentDisposition: 'attachment; file name="portfolio_data.json"' })).toEqual([{ a: 1 }]);
  });

  it('rejects a Content-Type naming another format', async () => {
    const err = await failure(parse('a\n1\n', 'csv', { contentType: 'application/json' }));
    expect(err.message).toBe('job 7 result: expected a CSV file but the server sent Content-Type "application/json"');
  });

  it('rejects a Content-Disposition file name naming another format', async () => {
    const err = await failure(parse('a\n1\n', 'csv', { contentDisposition: 'attachment; filename="report.xlsx"' }));
    expect(err.message).toMatch(/named it "report.xlsx"/);
  });

  it('rejects bytes of another format: zip for CSV, HTML or JSON for CSV, text for XLSX', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40)]);
    expect((await failure(parse(zip, 'csv'))).message).toMatch(/expected a CSV file but got a ZIP\/XLSX file/);
    expect((await failure(parse('<!DOCTYPE html><html>', 'csv'))).message).toMatch(/HTML/);
    expect((await failure(parse('[{"a": 1}]', 'csv'))).message).toMatch(/JSON document/);
    expect((await failure(parse('{"errors": []}', 'xlsx'))).message).toMatch(/expected a XLSX file but got a JSON document/);
    expect((await failure(parse('', 'json'))).message).toMatch(/empty/);
    expect((await failure(parse('a\tb\n1\t2\n', 'csv'))).message).toMatch(/tab-separated/);
  });

  it('gunzips by magic bytes whatever the headers say, and passes plain bytes declared gzip', async () => {
    const gz = gzipSync(Buffer.from('a,b\n1,2\n'));
    expect(await parse(gz, 'csv', { contentEncoding: 'gzip' })).toEqual([{ a: '1', b: '2' }]);
    expect(await parse(gz, 'csv', { fileName: 'plain name' })).toEqual([{ a: '1', b: '2' }]);
    expect(await parse('a,b\n1,2\n', 'csv', { contentEncoding: 'gzip', fileName: 'x.csv.gz' })).toEqual([{ a: '1', b: '2' }]);
  });

  it('reports corrupt or truncated gzip as a file error', async () => {
    const gz = gzipSync(Buffer.from(`a,b\n${'1,2\n'.repeat(5000)}`));
    const err = await failure(parse(gz.subarray(0, gz.length - 20), 'csv'));
    expect(err.message).toMatch(/gzip data is corrupt or truncated/);
  });

  it('passes errors of the body stream through unchanged', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('a,b\n1,2\n');
      throw new TransientError('connection reset');
    }
    const body = { stream: Readable.from(failing()), fileName: 'f.csv' };
    await expect(collectRows(parseResult(body, { format: 'csv' }))).rejects.toBeInstanceOf(TransientError);
  });

  it('releases the body stream when the consumer stops early', async () => {
    const body = bodyOf(`n\n${'1\n'.repeat(10_000)}`, { chunkSize: 1000 });
    for await (const batch of parseResult(body, { format: 'csv', batchSize: 10 })) {
      expect(batch).toHaveLength(10);
      break;
    }
    expect(body.stream.destroyed).toBe(true);
  });

  it('releases the body stream when the format check fails', async () => {
    const wrongType = bodyOf('a\n1\n', { contentType: 'application/json' });
    await expect(collectRows(parseResult(wrongType, { format: 'csv' }))).rejects.toBeInstanceOf(FileFormatError);
    expect(wrongType.stream.destroyed).toBe(true);
    const wrongBytes = bodyOf('<html></html>\n', { chunkSize: 3 });
    await expect(collectRows(parseResult(wrongBytes, { format: 'xlsx' }))).rejects.toBeInstanceOf(FileFormatError);
    expect(wrongBytes.stream.destroyed).toBe(true);
  });

  it('reads Content-Disposition file names in their usual spellings', () => {
    expect(dispositionFileName('attachment; filename="a b.csv"')).toBe('a b.csv');
    expect(dispositionFileName('attachment; filename=a.tsv; size=3')).toBe('a.tsv');
    expect(dispositionFileName("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.json")).toBe('résumé.json');
    expect(dispositionFileName('attachment; file name="portfolio_data.json"')).toBe('portfolio_data.json');
    expect(dispositionFileName('inline')).toBeUndefined();
  });
});

describe('back-pressure', () => {
  it('reads no further than needed while the consumer holds a batch', async () => {
    let chunksRead = 0;
    const line = `${'x'.repeat(99)}\n`;
    function* chunks(): Generator<Buffer> {
      yield Buffer.from('h\n');
      for (let i = 0; i < 10_000; i++) {
        chunksRead++;
        yield Buffer.from(line.repeat(100)); // 10 KB, 100 rows
      }
    }
    const body = { stream: Readable.from(chunks(), { objectMode: false, highWaterMark: 1 }), fileName: 'big.csv' };
    const it = parseResult(body, { format: 'csv', batchSize: 100 })[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 50));
    // One batch needs ~64 KB of text; the stream's own buffering adds a little. 10 000 chunks exist.
    expect(chunksRead).toBeLessThan(50);
    await it.return?.(undefined);
  });
});

describe('format detection by content (format: auto)', () => {
  it('tells XLSX, JSON, CSV and TSV apart by their first bytes', () => {
    expect(formatOfContent(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBe('xlsx');
    expect(formatOfContent(Buffer.from('\uFEFF  [{"a":1}]'))).toBe('json');
    expect(formatOfContent(Buffer.from('{"data":[]}'))).toBe('json');
    expect(formatOfContent(Buffer.from('a,b\n1,2\n'))).toBe('csv');
    expect(formatOfContent(Buffer.from('a\tb\tc\n1\t2\t3\n'))).toBe('tsv');
    expect(formatOfContent(Buffer.from('single\n1\n'), 'x.tsv')).toBe('tsv');
    expect(formatOfContent(Buffer.from('  \n'))).toBeUndefined();
  });

  it('parses what it finds, through gzip, and yields nothing for an empty file', async () => {
    const rowsOf = async (bytes: Buffer, fileName = 'f'): Promise<unknown[]> => {
      const out: unknown[] = [];
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
      for await (const batch of parseResult({ stream: Readable.from(chunks), fileName }, { format: 'auto' })) out.push(...batch);
      return out;
    };
    expect(await rowsOf(Buffer.from('[{"a":1},{"a":2}]'))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await rowsOf(gzipSync(Buffer.from('a\tb\n1\t2\n')))).toEqual([{ a: '1', b: '2' }]);
    expect(await rowsOf(Buffer.from('x,y\n3,4\n'))).toEqual([{ x: '3', y: '4' }]);
    expect(await rowsOf(Buffer.alloc(0))).toEqual([]);
  });
});
