import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBuiltInDateFormat, isDateFormatCode, parseStyles } from './xlsx/styles.js';
import { epochMsToIso, serialToIso } from './xlsx/dates.js';
import { parseRelationships, parseWorkbook, resolvePartName, workbookPathOf } from './xlsx/workbook.js';

describe('date formats', () => {
  it('knows the built-in date and time formats', () => {
    const dates = [14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 55, 58];
    const others = [0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 23, 37, 40, 44, 48, 49, 59, 164];
    for (const id of dates) expect(isBuiltInDateFormat(id), `id ${id}`).toBe(true);
    for (const id of others) expect(isBuiltInDateFormat(id), `id ${id}`).toBe(false);
  });

  it('tells custom date formats from number formats', () => {
    const dates = ['yyyy-mm-dd', 'YYYY-MM-DD', 'dd/mm/yyyy hh:mm', 'h:mm AM/PM', '[h]:mm:ss', '[$-409]mmmm d, yyyy', '[Red]d-mmm', 'mm:ss.0', 'bbbb'];
    const numbers = ['General', '0.00', '#,##0', '0%', '0.00E+00', '@', '"Date:" 0', '\\d 0', '[Red]#,##0', '[$USD] #,##0.00', '_(* #,##0_)', '#,##0 "days"', '* 0'];
    for (const code of dates) expect(isDateFormatCode(code), code).toBe(true);
    for (const code of numbers) expect(isDateFormatCode(code), code).toBe(false);
  });

  it('maps cellXfs indexes to date-ness, ignoring cellStyleXfs, with custom formats by id', () => {
    const styles = parseStyles(
      '<styleSheet><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="&quot;$&quot;#,##0.00"/></numFmts>' +
        '<cellStyleXfs count="2"><xf numFmtId="14"/><xf numFmtId="0"/></cellStyleXfs>' +
        '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165"/><xf numFmtId="22"><alignment/></xf><xf/><xf numFmtId="4"/></cellXfs></styleSheet>',
    );
    expect(styles.dateStyles).toEqual([false, true, false, true, false, false]);
    expect(parseStyles('<x:styleSheet xmlns:x="s"><x:cellXfs><x:xf numFmtId="14"/></x:cellXfs></x:styleSheet>').dateStyles).toEqual([true]);
  });
});

describe('serial dates', () => {
  it('formats like Date#toISOString, date only at midnight', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(epochMsToIso(ms)).toBe(iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);
      }),
      { numRuns: 5000 },
    );
    expect(epochMsToIso(253_402_300_800_000)).toBeNull(); // year 10000
    expect(epochMsToIso(NaN)).toBeNull();
  });

  it('counts from 1899-12-30, or from 1904-01-01 in the 1904 system', () => {
    expect(serialToIso(1, false)).toBe('1899-12-31');
    expect(serialToIso(61, false)).toBe('1900-03-01');
    expect(serialToIso(45322, false)).toBe('2024-01-31');
    expect(serialToIso(45322.5451388889, false)).toBe('2024-01-31T13:05:00.000Z');
    expect(serialToIso(0, true)).toBe('1904-01-01');
    expect(serialToIso(45322 - 1462, true)).toBe('2024-01-31');
    expect(serialToIso(1e12, false)).toBeNull();
  });
});

describe('workbook map', () => {
  const rels = (targets: [string, string, string][]) =>
    `<Relationships>${targets.map(([id, type, target]) => `<Relationship Id="${id}" Type="http://x/relationships/${type}" Target="${target}"/>`).join('')}</Relationships>`;

  it('resolves part names like OPC', () => {
    expect(resolvePartName('xl/', 'worksheets/sheet1.xml')).toBe('xl/worksheets/sheet1.xml');
    expect(resolvePartName('xl/', '/xl/worksheets/sheet1.xml')).toBe('xl/worksheets/sheet1.xml');
    expect(resolvePartName('xl/sub/', '../worksheets/./s.xml')).toBe('xl/worksheets/s.xml');
  });

  it('finds the workbook from the package relationships, with a conventional fallback', () => {
    expect(workbookPathOf(rels([['rId1', 'officeDocument', 'book/main.xml']]))).toBe('book/main.xml');
    expect(workbookPathOf(undefined)).toBe('xl/workbook.xml');
    expect(parseRelationships('<Relationships><Relationship Id="a" Type="t/hyperlink" Target="http://e" TargetMode="External"/></Relationships>', 'xl/x.xml')).toEqual([]);
  });

  it('lists sheets in workbook order with their parts, and reads the date system', () => {
    const book = parseWorkbook(
      '<workbook xmlns:r="r"><workbookPr date1904="1"/><sheets><sheet name="Chart" sheetId="3" r:id="rId9"/>' +
        '<sheet name="A &amp; B" sheetId="1" r:id="rId2"/><sheet name="Data" sheetId="2" r:id="rId1"/></sheets></workbook>',
      rels([
        ['rId1', 'worksheet', 'worksheets/sheet2.xml'],
        ['rId2', 'worksheet', '/xl/worksheets/sheet1.xml'],
        ['rId9', 'chartsheet', 'chartsheets/sheet1.xml'],
        ['rId4', 'sharedStrings', 'sharedStrings.xml'],
        ['rId5', 'styles', 'styles.xml'],
      ]),
      'xl/workbook.xml',
    );
    expect(book).toEqual({
      sheets: [
        { name: 'Chart', path: undefined },
        { name: 'A & B', path: 'xl/worksheets/sheet1.xml' },
        { name: 'Data', path: 'xl/worksheets/sheet2.xml' },
      ],
      date1904: true,
      sharedStringsPath: 'xl/sharedStrings.xml',
      stylesPath: 'xl/styles.xml',
    });
    expect(parseWorkbook('<workbook><workbookPr date1904="false"/><sheets><sheet name="S" sheetId="4"/></sheets></workbook>', undefined, 'xl/workbook.xml')).toEqual({
      sheets: [{ name: 'S', path: 'xl/worksheets/sheet4.xml' }],
      date1904: false,
      sharedStringsPath: undefined,
      stylesPath: undefined,
    });
  });
});
