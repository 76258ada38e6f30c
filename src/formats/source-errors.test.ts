/**
 * A body stream that fails mid-file (a truncated or reset download) must fail the parse with that
 * very error, for every format, promptly: never a hang, never a normal end that would look like a
 * short file. Sizes are chosen so the failure comes after the first bytes the sniffer reads.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../core/errors.js';
import { parseResult } from './index.js';
import type { ResultFormat } from './types.js';

async function xlsxBytes(rows: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('data');
  ws.addRow(['id', 'name', 'amount']);
  for (let i = 0; i < rows; i++) ws.addRow([i, `name ${i} with some padding text`, i * 1.5]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function fileOf(format: Exclude<ResultFormat, 'xlsx'>, rows: number): Buffer {
  const lines = Array.from({ length: rows }, (_, i) => ({ id: i, name: `name ${i} with some padding text`, amount: i * 1.5 }));
  if (format === 'json') return Buffer.from(JSON.stringify(lines));
  const sep = format === 'csv' ? ',' : '\t';
  return Buffer.from(['id', 'name', 'amount'].join(sep) + '\n' + lines.map((l) => [l.id, l.name, l.amount].join(sep)).join('\n') + '\n');
}

/** Sends `fraction` of the bytes in small chunks, then fails the stream like a reset download. */
function failingStream(bytes: Buffer, fraction: number): Readable {
  const cut = Math.floor(bytes.length * fraction);
  const stream = new Readable({ read() {} });
  void (async () => {
    for (let i = 0; i < cut; i += 700) {
      stream.push(bytes.subarray(i, Math.min(i + 700, cut)));
      await new Promise((r) => setTimeout(r, 1));
    }
    stream.destroy(new TransientError('connection reset mid-body'));
  })();
  return stream;
}

describe('a body stream that fails mid-file', () => {
  for (const format of ['csv', 'tsv', 'json', 'xlsx', 'auto'] as const) {
    it(`${format}: the parse rejects with the stream's error`, async () => {
      const bytes = format === 'xlsx' || format === 'auto' ? await xlsxBytes(400) : fileOf(format, 400);
      const run = async (): Promise<number> => {
        let rows = 0;
        for await (const batch of parseResult({ stream: failingStream(bytes, 0.6), fileName: `result.${format}` }, { format })) rows += batch.length;
        return rows;
      };
      await expect(run()).rejects.toThrow('connection reset mid-body');
    }, 10_000);
  }
});
