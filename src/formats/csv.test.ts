import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { parseResult } from './index.js';
import { bodyOf, collectRows, fileFormatFailure } from './test-bodies.js';
import { describeOversizedRecord, MAX_OPEN_RECORD_CHARS } from './csv.js';

const csv = (content: string | Buffer, chunkSize = 7, fileName = 'result.csv') =>
  collectRows(parseResult(bodyOf(content, { chunkSize, fileName }), { format: 'csv' }));
const tsv = (content: string, chunkSize = 7) =>
  collectRows(parseResult(bodyOf(content, { chunkSize, fileName: 'result.tsv' }), { format: 'tsv' }));

const failure = fileFormatFailure;

describe('CSV parsing', () => {
  it('reads a header row and data rows as strings', async () => {
    expect(await csv('a,b\n1,x\n2,y\n')).toEqual([
      { a: '1', b: 'x' },
      { a: '2', b: 'y' },
    ]);
  });

  it('handles quoted fields with delimiters, doubled quotes and newlines, split across chunks', async () => {
    const text = 'name,note\n"Smith, J","said ""hi""\nthen left"\nplain,"x"\n';
    for (const chunkSize of [1, 2, 3, 5, 64]) {
      expect(await csv(text, chunkSize)).toEqual([
        { name: 'Smith, J', note: 'said "hi"\nthen left' },
        { name: 'plain', note: 'x' },
      ]);
    }
  });

  it('drops a UTF-8 BOM and reads CRLF line endings without stray carriage returns', async () => {
    const text = '\uFEFFid,"name"\r\n1,"a\r\nb"\r\n2,c\r\n';
    for (const chunkSize of [1, 4, 100]) {
      expect(await csv(text, chunkSize)).toEqual([
        { id: '1', name: 'a\r\nb' },
        { id: '2', name: 'c' },
      ]);
    }
  });

  it('reads CR-only line endings, and keeps a CR quoted at the end of a value in an LF file', async () => {
    expect(await csv('a,b\r1,2\r')).toEqual([{ a: '1', b: '2' }]);
    expect(await csv('a,b\n1,"2\r"\n')).toEqual([{ a: '1', b: '2\r' }]);
  });

  it('skips blank lines, including trailing ones', async () => {
    expect(await csv('a,b\n\n1,2\n\n\n3,4\n\n')).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('keeps UTF-8 characters split across chunk boundaries', async () => {
    expect(await csv('city,emoji\nZürich,😀\n', 1)).toEqual([{ city: 'Zürich', emoji: '😀' }]);
  });

  it('deduplicates empty and repeated header names deterministically', async () => {
    expect(await csv('a,,a,a_2,a,\n1,2,3,4,5,6\n')).toEqual([
      { a: '1', column_2: '2', a_3: '3', a_2: '4', a_4: '5', column_6: '6' },
    ]);
  });

  it('treats a hostile "__proto__" header as an ordinary column', async () => {
    const [row] = await csv('__proto__,b\nx,y\n');
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(['__proto__', 'b']);
    expect(row.__proto__).toBe('x');
  });

  it('yields nothing for an empty file or a header-only file', async () => {
    expect(await csv('')).toEqual([]);
    expect(await csv('a,b\n')).toEqual([]);
    expect(await csv('a,b')).toEqual([]);
  });

  it('reads a last row without a trailing newline', async () => {
    expect(await csv('a,b\n1,"2"')).toEqual([{ a: '1', b: '2' }]);
  });

  it('fails on a ragged row, naming the file, the data row and the field counts', async () => {
    const err = await failure(csv('a,b,c\n1,2,3\n4,5\n', 7, 'job 42 result data.csv'));
    expect(err.row).toBe(2);
    expect(err.message).toContain('job 42 result data.csv');
    expect(err.message).toContain('row 2');
    expect(err.message).toContain('2 fields but the header has 3');
    const long = await failure(csv('a,b\n1,2,3\n'));
    expect(long.row).toBe(1);
    expect(long.failureType).toBe('system_error');
  });

  it('fails on a quote that is never closed, naming the row', async () => {
    const err = await failure(csv('a,b\n1,2\n3,"unterminated\n4,5\n'));
    expect(err.row).toBe(2);
    expect(err.message).toMatch(/never closed/);
  });

  it('fails on text after a closing quote, naming the row', async () => {
    const err = await failure(csv('a,b\n1,2\n3,4\n"x"y,5\n6,7\n', 64));
    expect(err.row).toBe(3);
    expect(err.message).toMatch(/after its closing quote/);
  });

  it('stops early on a cell larger than the cap instead of buffering the file, and says so naming the column', async () => {
    const huge = `a,b\n1,"${'x'.repeat(2 * MAX_OPEN_RECORD_CHARS + 4 * (1 << 20))}"\n`;
    const err = await failure(csv(huge, 1 << 20));
    expect(err.row).toBe(1);
    expect(err.message).toMatch(/column "b": a quoted cell is larger than 16 MiB, the most jobtap reads in one cell/);
    expect(err.message).not.toMatch(/unclosed quote\?/);
  });

  it('describes an oversized record: the quoted cell it is in, or a record with no line end', () => {
    expect(describeOversizedRecord('1,"ab""c,d', ',', ['x', 'y'])).toMatch(/^column "y": a quoted cell is larger/);
    expect(describeOversizedRecord('1\t2\t"abc', '\t', undefined)).toMatch(/^column 3: a quoted cell/);
    expect(describeOversizedRecord('1,"ab",cd', ',', ['x', 'y', 'z'])).toMatch(/^a record runs past 16 MiB without a line end/);
  });

  it('reads gzip transparently', async () => {
    const gz = gzipSync(Buffer.from('a,b\n1,2\n'));
    expect(await csv(gz, 5, 'result.csv.gz')).toEqual([{ a: '1', b: '2' }]);
  });

  it('yields batches of the requested size', async () => {
    const lines = ['n', ...Array.from({ length: 2500 }, (_, i) => String(i))].join('\n');
    const sizes: number[] = [];
    for await (const batch of parseResult(bodyOf(lines, { chunkSize: 100 }), { format: 'csv', batchSize: 1000 })) {
      sizes.push(batch.length);
    }
    expect(sizes).toEqual([1000, 1000, 500]);
  });
});

describe('TSV parsing', () => {
  it('splits on tabs and keeps commas in values', async () => {
    expect(await tsv('a\tb\n1,5\tx y\n')).toEqual([{ a: '1,5', b: 'x y' }]);
  });

  it('accepts quoted fields holding tabs and newlines', async () => {
    expect(await tsv('a\tb\n"x\ty"\t"l1\nl2"\n', 2)).toEqual([{ a: 'x\ty', b: 'l1\nl2' }]);
  });

  it('rejects a comma-separated file when TSV was requested', async () => {
    const err = await failure(tsv('a,b,c\n1,2,3\n'));
    expect(err.message).toMatch(/expected a TSV file but the header row is comma-separated/);
  });
});
