import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { parseResult } from './index.js';
import { bodyOf, collectRows, fileFormatFailure } from './test-bodies.js';

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const xlsx = (content: Buffer, sheetName?: string, chunkSize = 512) =>
  collectRows(parseResult(bodyOf(content, { chunkSize, fileName: 'result.xlsx' }), { format: 'xlsx', sheetName }));

const failure = fileFormatFailure;

describe('XLSX parsing', () => {
  it('reads the first sheet: shared strings, numbers, booleans, dates, empty cells, formulas', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('Holdings');
      ws.addRow(['Name', 'Value', 'Active', 'As Of', 'Stamp', 'Note', 'Double']);
      ws.addRow(['Apple', 1234.5, true, new Date(Date.UTC(2024, 0, 31)), new Date(Date.UTC(2024, 0, 31, 13, 5, 0)), null, { formula: 'B2*2', result: 2469 }]);
      ws.addRow(['Apple', -5, false, null, null, 'x', null]);
      ws.getColumn(4).numFmt = 'yyyy-mm-dd';
      ws.getColumn(5).numFmt = 'yyyy-mm-dd hh:mm';
      wb.addWorksheet('Other').addRow(['ignored']);
    });
    expect(await xlsx(file)).toEqual([
      { Name: 'Apple', Value: 1234.5, Active: true, 'As Of': '2024-01-31', Stamp: '2024-01-31T13:05:00.000Z', Note: null, Double: 2469 },
      { Name: 'Apple', Value: -5, Active: false, 'As Of': null, Stamp: null, Note: 'x', Double: null },
    ]);
  });

  it('reads a streamed workbook whose shared strings come after the sheet, gzipped', async () => {
    const { PassThrough } = await import('node:stream');
    const { gzipSync } = await import('node:zlib');
    const sink = new PassThrough();
    const parts: Buffer[] = [];
    sink.on('data', (d: Buffer) => parts.push(d));
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: true, useStyles: true });
    const ws = wb.addWorksheet('Data');
    ws.addRow(['Name', 'When', 'N']).commit();
    for (let i = 0; i < 50; i++) ws.addRow([`name ${i % 7}`, new Date(Date.UTC(2024, 0, 1 + i)), i]).commit();
    ws.getColumn(2).numFmt = 'yyyy-mm-dd';
    ws.commit();
    await wb.commit();
    const file = Buffer.concat(parts);
    const names = file.toString('latin1');
    expect(names.indexOf('xl/sharedStrings.xml')).toBeGreaterThan(names.indexOf('xl/worksheets/sheet1.xml'));
    const rows = await xlsx(gzipSync(file));
    expect(rows).toHaveLength(50);
    expect(rows[3]).toEqual({ Name: 'name 3', When: '2024-01-04', N: 3 });
  });

  it('reads a named sheet and reports a missing one with the sheets it saw', async () => {
    const file = await workbook((wb) => {
      wb.addWorksheet('First').addRows([['a'], [1]]);
      wb.addWorksheet('Second').addRows([['b'], [2]]);
    });
    expect(await xlsx(file, 'Second')).toEqual([{ b: 2 }]);
    const err = await failure(xlsx(file, 'Nope'));
    expect(err.message).toContain('"Nope"');
    expect(err.message).toContain('"First"');
  });

  it('skips blank leading rows and a merged title row to find the header', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('Report');
      ws.getCell('A2').value = 'Portfolio report';
      ws.mergeCells('A2:C2');
      ws.getRow(4).values = ['Asset', 'Qty', 'Price'];
      ws.getRow(5).values = ['Bond', 3, 99.5];
      ws.getRow(7).values = ['Cash', 1, 1];
    });
    expect(await xlsx(file)).toEqual([
      { Asset: 'Bond', Qty: 3, Price: 99.5 },
      { Asset: 'Cash', Qty: 1, Price: 1 },
    ]);
  });

  it('skips single-cell title lines above a narrow two-column table', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('Report');
      ws.addRow(['Holdings report']);
      ws.addRow(['Portfolio: Smith Family']);
      ws.addRow([]);
      ws.addRow(['Asset', 'Value']);
      ws.addRow(['Cash', 5]);
    });
    expect(await xlsx(file)).toEqual([{ Asset: 'Cash', Value: 5 }]);
  });

  it('gives merged data cells their value in the top-left cell only, and names empty header cells', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('S');
      ws.getRow(1).values = ['Group', '', 'Value', 'Group'];
      ws.getRow(2).values = ['Equity', 'x', 10, 'g'];
      ws.getRow(3).values = ['Bonds', null, 20, 'h'];
      ws.mergeCells('A2:A3');
    });
    expect(await xlsx(file)).toEqual([
      { Group: 'Equity', column_2: 'x', Value: 10, Group_2: 'g' },
      { Group: null, column_2: null, Value: 20, Group_2: 'h' },
    ]);
  });

  it('treats a hostile "__proto__" header as an ordinary column', async () => {
    const file = await workbook((wb) => wb.addWorksheet('S').addRows([['__proto__', 'b'], ['x', 1]]));
    const [row] = await xlsx(file);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(['__proto__', 'b']);
  });

  it('fails clearly on a truncated file', async () => {
    const file = await workbook((wb) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['a', 'b']);
      for (let i = 0; i < 2000; i++) ws.addRow([`row ${i}`, i]);
    });
    for (const keep of [0.1, 0.5, 0.9]) {
      const err = await failure(xlsx(file.subarray(0, Math.floor(file.length * keep))));
      expect(err.message).toContain('result.xlsx');
      expect(err.message).toMatch(/truncated/);
    }
    const cutEnd = await failure(xlsx(file.subarray(0, file.length - 10)));
    expect(cutEnd.message).toMatch(/truncated/);
  });

  it('rejects a body that is not a zip', async () => {
    const err = await failure(xlsx(Buffer.from('a,b\n1,2\n')));
    expect(err.message).toMatch(/expected a XLSX file but got text/);
  });
});
