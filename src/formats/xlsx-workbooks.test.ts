import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { parseResult, FileFormatError } from './index.js';
import { parseXlsxRows } from './xlsx.js';
import { excelDateToIso } from './cells.js';
import { bodyOf, collectRows } from './test-bodies.js';
import { buildZip, sheetXml, workbookParts, SHEET_NS } from './xlsx/test-zip.js';
import type { RawRow } from './types.js';

const xlsx = (content: Buffer, sheetName?: string, chunkSize = 4096) =>
  collectRows(parseResult(bodyOf(content, { chunkSize, fileName: 'book.xlsx' }), { format: 'xlsx', sheetName }));

async function failure(p: Promise<unknown>): Promise<FileFormatError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileFormatError);
  expect((err as Error).message).toContain('book.xlsx');
  return err as FileFormatError;
}

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const STYLES =
  `<styleSheet xmlns="${SHEET_NS}"><numFmts count="1"><numFmt numFmtId="170" formatCode="dd/mm/yyyy\\ hh:mm"/></numFmts>` +
  '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="170"/></cellXfs></styleSheet>';

describe('XLSX workbooks built by hand', () => {
  it('reads inline strings, rows without references, built-in and custom date styles, data descriptors', async () => {
    const sheet = sheetXml(
      '<row r="1"><c t="inlineStr"><is><t>Name</t></is></c><c t="inlineStr"><is><t>Day</t></is></c><c t="inlineStr"><is><t>At</t></is></c></row>' +
        '<row r="2"><c t="s"><v>0</v></c><c s="1"><v>45322</v></c><c s="2"><v>45322.75</v></c></row>' +
        '<row r="4"><c r="A4" t="inlineStr"><is><t>R&amp;D &lt;lab&gt;</t></is></c><c r="C4" s="2"><v>1</v></c></row>',
    );
    const parts = workbookParts(sheet, {
      sharedStrings: `<sst xmlns="${SHEET_NS}"><si><r><t>Ac</t></r><r><t>me</t></r></si></sst>`,
      styles: STYLES,
    }).map((e) => ({ ...e, dataDescriptor: true }));
    expect(await xlsx(buildZip(parts), undefined, 97)).toEqual([
      { Name: 'Acme', Day: '2024-01-31', At: '2024-01-31T18:00:00.000Z' },
      { Name: 'R&D <lab>', Day: null, At: '1899-12-31' },
    ]);
  });

  it('reads a workbook written with an x: namespace prefix, stored entries and a non-standard workbook path', async () => {
    const ns = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const entries = [
      {
        name: '_rels/.rels',
        data: `<Relationships xmlns="p"><Relationship Id="r1" Type="${ns}/officeDocument" Target="/book/main.xml"/></Relationships>`,
      },
      {
        name: 'book/main.xml',
        data: `<x:workbook xmlns:x="${SHEET_NS}" xmlns:r="${ns}"><x:sheets><x:sheet name="Only" sheetId="1" r:id="s1"/></x:sheets></x:workbook>`,
      },
      { name: 'book/_rels/main.xml.rels', data: `<Relationships xmlns="p"><Relationship Id="s1" Type="${ns}/worksheet" Target="data/one.xml"/></Relationships>` },
      {
        name: 'book/data/one.xml',
        data: sheetXml('<x:row><x:c t="inlineStr"><x:is><x:t>k</x:t></x:is></x:c></x:row><x:row><x:c><x:v>5</x:v></x:c></x:row>', 'x'),
      },
    ].map((e) => ({ ...e, method: 0 as const }));
    expect(await xlsx(buildZip(entries))).toEqual([{ k: 5 }]);
  });

  it('keeps multi-byte characters intact across inflated chunk boundaries (sheet and shared strings > 64 KiB)', async () => {
    // Mostly 4-byte characters, so the 64 KiB inflated chunks almost surely end inside one.
    const word = (i: number) => `${'😀'.repeat(10 + (i % 7))}ü漢${i}`;
    const rows = Array.from({ length: 4000 }, (_, i) => `<row><c t="inlineStr"><is><t>${word(i)}</t></is></c><c t="s"><v>${i}</v></c></row>`);
    const sst = `<sst xmlns="${SHEET_NS}">${Array.from({ length: 4000 }, (_, i) => `<si><t>${word(i + 1)}</t></si>`).join('')}</sst>`;
    const header = '<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>';
    const read = await xlsx(buildZip(workbookParts(sheetXml(header + rows.join('')), { sharedStrings: sst })));
    expect(read).toHaveLength(4000);
    read.forEach((row, i) => expect(row).toEqual({ a: word(i), b: word(i + 1) }));
  });

  it('fails clearly when parts are missing or a shared string index is out of range', async () => {
    const noWorkbook = buildZip([{ name: 'hello.txt', data: 'hi' }]);
    expect((await failure(xlsx(noWorkbook))).message).toMatch(/not an XLSX workbook: the zip has no xl\/workbook.xml \(entries: hello.txt\)/);

    const parts = workbookParts(sheetXml('')).filter((e) => e.name !== 'xl/worksheets/sheet1.xml');
    expect((await failure(xlsx(buildZip(parts)))).message).toMatch(/points to xl\/worksheets\/sheet1.xml, which the zip does not contain/);

    const badIndex = workbookParts(sheetXml('<row r="1"><c r="A1" t="s"><v>3</v></c></row>'));
    expect((await failure(xlsx(buildZip(badIndex)))).message).toMatch(/row 1, column A refers to shared string 3 but the table has 0/);

    const truncatedSheet = workbookParts('<worksheet><sheetData><row><c><v>1</v></c></row>');
    expect((await failure(xlsx(buildZip(truncatedSheet)))).message).toMatch(/sheet1.xml: worksheet ends inside <sheetData>/);
  });
});

describe('XLSX workbooks written by exceljs', () => {
  it('reads dates of a 1904 workbook', async () => {
    const file = await workbook((wb) => {
      wb.properties.date1904 = true;
      const ws = wb.addWorksheet('S');
      ws.addRow(['When', 'N']);
      ws.addRow([new Date(Date.UTC(2024, 1, 29)), 1]);
      ws.addRow([new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), 2]);
      ws.getColumn(1).numFmt = 'yyyy-mm-dd hh:mm:ss';
    });
    expect(await xlsx(file)).toEqual([
      { When: '2024-02-29', N: 1 },
      { When: '1999-12-31T23:59:59.000Z', N: 2 },
    ]);
  });

  it('reads the named sheet among several, whatever their part names', async () => {
    const file = await workbook((wb) => {
      wb.addWorksheet('Alpha').addRows([['a'], [1]]);
      wb.addWorksheet('Beta').addRows([['b'], [2]]);
      wb.addWorksheet('Gamma & Co').addRows([['c'], [3]]);
    });
    expect(await xlsx(file)).toEqual([{ a: 1 }]);
    expect(await xlsx(file, 'Gamma & Co')).toEqual([{ c: 3 }]);
    expect(await xlsx(file, 'Beta')).toEqual([{ b: 2 }]);
  });

  /**
   * Same behaviour as exceljs: random tables written by exceljs read back through jobtap equal
   * what exceljs's own (whole-workbook) reader sees, under the mapping the exceljs-based reader applied.
   */
  it('agrees with exceljs on random tables', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => s.replace(/[\u0000-\u0008\u000b-\u001f\ufffe\uffff]/g, ''));
    const value = fc.oneof(
      text,
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2100, 0, 1) }).map((ms) => new Date(Math.round(ms / 1000) * 1000)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 15 }), async (rows) => {
        const file = await workbook((wb) => {
          const ws = wb.addWorksheet('Data');
          ws.addRow(['t', 'u', 'v', 'w']);
          for (const r of rows) ws.addRow(r);
          for (let c = 1; c <= 4; c++) ws.getColumn(c).numFmt = c % 2 === 0 ? 'yyyy-mm-dd hh:mm:ss' : '';
          ws.addRow([null, null, { formula: '1+6', result: 7 }, { formula: 'B2', result: 45322.5 }]);
        });
        const ours = await xlsx(file, undefined, 333);
        const reference = new ExcelJS.Workbook();
        await reference.xlsx.load(file as unknown as ArrayBuffer);
        const theirs: RawRow[] = [];
        reference.getWorksheet('Data')!.eachRow((row, n) => {
          if (n === 1) return;
          const cells = ['t', 'u', 'v', 'w'].map((_, i) => asExceljsReaderDid(row.getCell(i + 1).value));
          if (cells.some((c) => c !== null)) theirs.push({ t: cells[0], u: cells[1], v: cells[2], w: cells[3] });
        });
        expect(ours.map((r) => ({ t: r.t, u: r.u, v: r.v, w: r.w }))).toEqual(theirs);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});

/** The value mapping the exceljs-based reader applied to exceljs cell values. */
function asExceljsReaderDid(v: ExcelJS.CellValue): unknown {
  if (v === null || v === undefined) return null;
  // One deliberate difference: a date outside years 0000–9999 (Excel has none) is null, where the
  // exceljs-based reader cut "+010000-01-01" to the meaningless "+010000-01".
  if (v instanceof Date) return v.getUTCFullYear() > 9999 || v.getUTCFullYear() < 0 ? null : (excelDateToIso(v) ?? null);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  const o = v as unknown as Record<string, unknown>;
  if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join('');
  if ('result' in o) return asExceljsReaderDid(o.result as ExcelJS.CellValue);
  return null;
}

describe('XLSX temp files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function tempParent(): string {
    const d = mkdtempSync(join(tmpdir(), 'jobtap-xlsx-test-'));
    dirs.push(d);
    return d;
  }

  async function bigWorkbook(): Promise<Buffer> {
    return workbook((wb) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['a', 'b']);
      for (let i = 0; i < 3000; i++) ws.addRow([`row ${i}`, i]);
    });
  }

  function chunks(bytes: Buffer, fail?: Error): AsyncIterable<Buffer> {
    return (async function* () {
      for (let i = 0; i < bytes.length; i += 1000) {
        if (fail !== undefined && i > bytes.length / 2) throw fail;
        yield bytes.subarray(i, i + 1000);
      }
    })();
  }

  const options = (tempDirectory: string) => ({ fileName: 'book.xlsx', batchSize: 100, tempDirectory });

  it('leaves nothing behind after a full read, and the file is already unlinked while rows are read', async () => {
    const parent = tempParent();
    let rows = 0;
    for await (const batch of parseXlsxRows(chunks(await bigWorkbook()), options(parent))) {
      expect(readdirSync(parent)).toEqual([]);
      rows += batch.length;
    }
    expect(rows).toBe(3000);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('leaves nothing behind when the consumer breaks out early', async () => {
    const parent = tempParent();
    for await (const batch of parseXlsxRows(chunks(await bigWorkbook()), options(parent))) {
      expect(batch).toHaveLength(100);
      break;
    }
    expect(readdirSync(parent)).toEqual([]);
  });

  it('leaves nothing behind on a corrupt file or a failing source (whose error passes through)', async () => {
    const parent = tempParent();
    const file = await bigWorkbook();
    await expect(collectRows(parseXlsxRows(chunks(file.subarray(0, file.length - 5)), options(parent)))).rejects.toThrow(/truncated/);
    expect(readdirSync(parent)).toEqual([]);
    const boom = new Error('connection reset');
    await expect(collectRows(parseXlsxRows(chunks(file, boom), options(parent)))).rejects.toBe(boom);
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('XLSX files damaged at random', () => {
  it('either read or fail with a FileFormatError naming the file — never another error, never a hang', async () => {
    const good = await workbook((wb) => {
      const ws = wb.addWorksheet('S');
      ws.addRow(['name', 'when', 'n']);
      for (let i = 0; i < 40; i++) ws.addRow([`name ${i % 5}`, new Date(Date.UTC(2024, 0, 1 + i)), i * 1.5]);
      ws.getColumn(2).numFmt = 'yyyy-mm-dd';
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (flips, cut) => {
          const damaged = Buffer.from(good);
          // Anywhere after the PK magic, or (half the time) in the central directory and end record.
          const tail = Math.min(2000, damaged.length - 4);
          for (const [at, xor, inTail] of flips) {
            damaged[inTail ? damaged.length - 1 - (at % tail) : 4 + (at % (damaged.length - 4))] ^= xor;
          }
          const bytes = cut === undefined ? damaged : damaged.subarray(0, 4 + (cut % (damaged.length - 4)));
          const outcome = await xlsx(bytes, undefined, 777).then(
            (rows) => rows,
            (e: unknown) => e,
          );
          if (!Array.isArray(outcome)) {
            expect(outcome).toBeInstanceOf(FileFormatError);
            expect((outcome as Error).message).toContain('book.xlsx');
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
