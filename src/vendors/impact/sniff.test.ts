import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ParseOptions, RawRow, ResultBody } from '../../formats/types.js';
import { formatOfContent, parseByContent } from './sniff.js';

describe('formatOfContent', () => {
  it('tells XLSX, JSON, CSV and TSV apart by their first bytes', () => {
    expect(formatOfContent(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBe('xlsx');
    expect(formatOfContent(Buffer.from('\uFEFF  [{"a":1}]'))).toBe('json');
    expect(formatOfContent(Buffer.from('{"data":[]}'))).toBe('json');
    expect(formatOfContent(Buffer.from('a,b\n1,2\n'))).toBe('csv');
    expect(formatOfContent(Buffer.from('a\tb\tc\n1\t2\t3\n'))).toBe('tsv');
    expect(formatOfContent(Buffer.from('single\n1\n'), 'x.tsv')).toBe('tsv');
    expect(formatOfContent(Buffer.from('  \n'))).toBeUndefined();
  });
});

describe('parseByContent', () => {
  async function run(bytes: Buffer, chunk = 3): Promise<{ format?: string; text: string }> {
    const seen: { format?: string; text: string } = { text: '' };
    const parse = async function* (body: ResultBody, options: ParseOptions): AsyncIterable<RawRow[]> {
      seen.format = options.format;
      for await (const c of body.stream) seen.text += String(c);
      yield [];
    };
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
    for await (const rows of parseByContent(parse)({ stream: Readable.from(chunks), fileName: 'f' }, { format: 'csv' })) void rows;
    return seen;
  }

  it('hands the whole file, head included, to the parser with the format it found', async () => {
    const json = '[{"a":1},{"a":2}]';
    expect(await run(Buffer.from(json))).toEqual({ format: 'json', text: json });
  });

  it('looks through gzip', async () => {
    const tsv = 'a\tb\n1\t2\n';
    expect(await run(gzipSync(Buffer.from(tsv)), 7)).toEqual({ format: 'tsv', text: tsv });
  });

  it('yields nothing for an empty file (a skipped job)', async () => {
    expect(await run(Buffer.alloc(0))).toEqual({ text: '' });
  });
});
