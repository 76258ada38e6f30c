/**
 * Renders the sandbox's result rows as the files impact.com hands out: CSV (RFC 4180, quoted when
 * needed), JSON (a top-level array of records) and XLSX (written with exceljs's streaming
 * WorkbookWriter, amounts as numeric cells the way a spreadsheet export carries them).
 */
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ExportRow } from './dataset.js';

export type SandboxFileFormat = 'CSV' | 'JSON' | 'XLSX';

export interface RenderedFile {
  body: Buffer;
  fileName: string;
  contentType: string;
}

function csvCell(value: string | number | boolean): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(rows: ExportRow[], columns: string[]): Buffer {
  const lines = [columns.map(csvCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c] ?? '')).join(','));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

export function renderJson(rows: ExportRow[]): Buffer {
  return Buffer.from(JSON.stringify(rows), 'utf8');
}

/** Amount-looking strings ("125.00") become numeric cells; everything else is written as is. */
function xlsxValue(value: string | number | boolean): string | number | boolean {
  if (typeof value === 'string' && /^-?\d+\.\d{2}$/.test(value)) return Number(value);
  return value;
}

export async function renderXlsx(rows: ExportRow[], columns: string[], sheetName: string): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    sink.on('error', reject);
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow(columns).commit();
  for (const row of rows) sheet.addRow(columns.map((c) => xlsxValue(row[c] ?? ''))).commit();
  sheet.commit();
  await workbook.commit();
  await done;
  return Buffer.concat(chunks);
}

export async function renderFile(rows: ExportRow[], columns: string[], format: SandboxFileFormat, baseName: string): Promise<RenderedFile> {
  switch (format) {
    case 'CSV':
      return { body: renderCsv(rows, columns), fileName: `${baseName}.csv`, contentType: 'application/octet-stream' };
    case 'JSON':
      return { body: renderJson(rows), fileName: `${baseName}.json`, contentType: 'application/octet-stream' };
    case 'XLSX':
      return { body: await renderXlsx(rows, columns, 'Report'), fileName: `${baseName}.xlsx`, contentType: 'application/octet-stream' };
  }
}

/** A result file kept on disk and streamed when served (the sandbox's `resultFile` option). */
export interface DiskFile {
  path: string;
  size: number;
  fileName: string;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Describes a file on disk as a result file, with the Content-Type its extension names. */
export function diskFile(path: string): DiskFile {
  const fileName = basename(path);
  return { path, size: statSync(path).size, fileName, contentType: CONTENT_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream' };
}
