import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SheetScanner, parseNumber, columnName, type CellDecoding, type SheetCells } from './xlsx/sheet-scanner.js';
import { SharedStringsScanner, SharedStringTable } from './xlsx/shared-strings.js';
import { decodeXmlText, decodeOoxmlEscapes } from './xlsx/xml-text.js';
import { sheetXml } from './xlsx/test-zip.js';

const fail = (problem: string): never => {
  throw new Error(problem);
};

const plain: CellDecoding = { sharedStrings: ['zero', 'one', 'two'], dateStyles: [false, true], date1904: false };

/** Scans `xml` cut into pieces at `cuts` (sorted offsets). */
function scan(xml: string, decoding: CellDecoding = plain, cuts: number[] = []): SheetCells[] {
  const scanner = new SheetScanner(decoding, fail);
  const out: SheetCells[] = [];
  let from = 0;
  for (const cut of [...cuts, xml.length]) {
    scanner.push(xml.slice(from, cut), out);
    from = cut;
  }
  scanner.end();
  return out;
}

/** Sparse rows as plain objects (column → value), for readable comparisons. */
function byColumn(rows: SheetCells[]): Record<number, unknown>[] {
  return rows.map((cells) => {
    const o: Record<number, unknown> = {};
    cells.forEach((v, col) => (o[col] = v));
    return o;
  });
}

describe('XML text decoding', () => {
  it('decodes the predefined entities, character references, CDATA and line ends', () => {
    expect(decodeXmlText('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;')).toBe(`a & b <c> "d" 'e'`);
    expect(decodeXmlText('&#65;&#x42;&#X43;&#x1F600;&#128512;')).toBe('ABC😀😀');
    expect(decodeXmlText('x<![CDATA[<raw> & ]]>y')).toBe('x<raw> & y');
    expect(decodeXmlText('one\r\ntwo\rthree\n')).toBe('one\ntwo\nthree\n');
    expect(decodeXmlText('AT&T &bogus; &#xD800; &')).toBe('AT&T &bogus; &#xD800; &');
    expect(decodeXmlText('xx&amp;yy', 2, 7)).toBe('&');
  });

  it('undoes the OOXML _xHHHH_ escapes, with _x005F_ escaping the underscore', () => {
    expect(decodeOoxmlEscapes('a_x000D_b_x0009_c')).toBe('a\rb\tc');
    expect(decodeOoxmlEscapes('_x005F_x0041_')).toBe('_x0041_');
    expect(decodeOoxmlEscapes('snake_case_x')).toBe('snake_case_x');
  });
});

describe('sheet scanner', () => {
  it('reads every cell type', () => {
    const rows = scan(
      sheetXml(
        '<row r="1"><c r="A1" t="s"><v>2</v></c><c r="B1" t="inlineStr"><is><t>inline &amp; &#x263A;</t></is></c>' +
          '<c r="C1" t="b"><v>1</v></c><c r="D1" t="b"><v>0</v></c><c r="E1" t="e"><v>#N/A</v></c>' +
          '<c r="F1" t="str"><f>A1&amp;"!"</f><v>two!</v></c><c r="G1"><v>-12.5</v></c><c r="H1" t="n"><v>1.5E-3</v></c>' +
          '<c r="I1" s="1"><v>45322</v></c><c r="J1" s="1"><v>45322.5451388889</v></c><c r="K1" t="d"><v>2024-01-31T13:05:00</v></c>' +
          '<c r="L1"><f>1/0</f></c><c r="M1" s="1"/><c r="N1"><v></v></c><c r="O1" t="str"><v/></c></row>',
      ),
    );
    expect(byColumn(rows)).toEqual([
      {
        1: 'two',
        2: 'inline & ☺',
        3: true,
        4: false,
        6: 'two!',
        7: -12.5,
        8: 0.0015,
        9: '2024-01-31',
        10: '2024-01-31T13:05:00.000Z',
        11: '2024-01-31T13:05:00.000Z',
        15: '',
      },
    ]);
  });

  it('joins rich text runs, leaves out phonetic runs, keeps whitespace, decodes _x000D_', () => {
    const rows = scan(
      sheetXml(
        '<row><c t="inlineStr"><is><r><rPr><b/></rPr><t>bold</t></r><r><t xml:space="preserve"> and  plain </t></r>' +
          '<rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/></is></c>' +
          '<c t="inlineStr"><is><t>line_x000D_\r\nbreak</t></is></c></row>',
      ),
    );
    expect(byColumn(rows)).toEqual([{ 1: 'bold and  plain ', 2: 'line\r\nbreak' }]);
  });

  it('places cells by reference, follows on without one, skips blank and self-closing rows', () => {
    const rows = scan(
      sheetXml(
        '<row r="1"/><row r="2" spans="1:3"><c r="B2"><v>1</v></c><c><v>2</v></c><c r="E2"><v>3</v></c></row>' +
          '<row r="3"><c r="A3" s="1"/><c r="B3" t="e"><v>#REF!</v></c></row>' +
          '<row r="9"><c r="AA9"><v>4</v></c><c r="$AB$9"><v>5</v></c></row>',
      ),
    );
    expect(byColumn(rows)).toEqual([{ 2: 1, 3: 2, 5: 3 }, { 27: 4, 28: 5 }]);
  });

  it('reads numbers as Number() does', () => {
    for (const text of ['0', '-0', '42', '3.14159', '-0.000001', '123456789012345', '1234567890123456789', '1e21', '1.5E-3', '.5', '7.', '  8 ']) {
      expect(Object.is(parseNumber(text, 0, text.length), Number(text))).toBe(true);
    }
    expect(parseNumber('', 0, 0)).toBeNaN();
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = String(n); // "0" for -0
        expect(Object.is(parseNumber(text, 0, text.length), Number(text))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -99999999, max: 99999999 }), fc.integer({ min: 0, max: 9 }), (m, k) => {
        const digits = Math.abs(m).toString().padStart(k + 1, '0');
        const text = `${m < 0 ? '-' : ''}${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`;
        expect(Object.is(parseNumber(text, 0, text.length), Number(text))).toBe(true);
      }),
    );
  });

  it('skips other children of a row (extension lists, comments)', () => {
    const rows = scan(
      sheetXml(
        '<row r="1"><c r="A1"><v>1</v></c><!-- <c r="B1"><v>2</v></c> --><extLst><ext uri="u"><c r="C1"><v>3</v></c></ext></extLst>' +
          '<c r="D1"><v>4</v></c><x14:foo/></row><row r="2"><c r="A2" t="inlineStr"><v>odd</v></c></row>',
      ),
    );
    expect(byColumn(rows)).toEqual([{ 1: 1, 4: 4 }, { 1: 'odd' }]);
    expect(() => scan(sheetXml('<row r="3"><c r="A3"><v>1</v></c></x></row>'))).toThrow(/row 3 is malformed/);
  });

  it('uses the 1904 date system when the workbook says so', () => {
    const rows = scan(sheetXml('<row><c s="1"><v>0</v></c><c s="1"><v>43860.25</v></c></row>'), { ...plain, date1904: true });
    expect(byColumn(rows)).toEqual([{ 1: '1904-01-01', 2: '2024-01-31T06:00:00.000Z' }]);
  });

  it('understands a namespace prefix on every element', () => {
    const rows = scan(sheetXml('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>p</x:t></x:is></x:c><x:c r="B1"><x:v>7</x:v></x:c></x:row>', 'x'));
    expect(byColumn(rows)).toEqual([{ 1: 'p', 2: 7 }]);
  });

  it('ignores what follows the sheet data and reads an empty sheet', () => {
    expect(scan(sheetXml('<row><c><v>1</v></c></row>') + '<row><c><v>2</v></c></row>')).toHaveLength(1);
    expect(scan('<worksheet><sheetData/></worksheet>')).toEqual([]);
    expect(scan('<worksheet><sheetData></sheetData></worksheet>')).toEqual([]);
  });

  it('fails clearly on broken sheets', () => {
    expect(() => scan(sheetXml('<row r="4"><c r="A4" t="s"><v>9</v></c></row>'))).toThrow(
      /worksheet row 4, column A refers to shared string 9 but the table has 3/,
    );
    expect(() => scan('<worksheet><sheetData><row r="1"><c><v>1</v></c></row>')).toThrow(/ends inside <sheetData>/);
    expect(() => scan('<worksheet><dimension ref="A1"/></worksheet>')).toThrow(/no <sheetData>/);
    expect(() => scan(sheetXml('<row r="2"><c r="A2"><v>1</v></row>'))).toThrow(/worksheet row 2 has an unclosed cell/);
  });

  it('names columns like Excel', () => {
    expect([1, 26, 27, 52, 53, 702, 703, 16384].map(columnName)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
  });
});

// ---- property: any sheet, cut anywhere, scans to the rows it was written from ----

type ModelCell =
  | { kind: 'n'; v: number }
  | { kind: 's'; i: number }
  | { kind: 'inline'; text: string }
  | { kind: 'b'; v: boolean }
  | { kind: 'e' }
  | { kind: 'date'; serial: number }
  | { kind: 'styled-empty' };

const SHARED = ['alpha', 'beta & gamma', '<tag>', 'ünïcödé 漢字 😀', ''];

/** XML-safe text: no control characters except tab and newline. */
const xmlText = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\u0000-\u0008\u000b-\u001f\ufffe\uffff]/g, ''));

const cell: fc.Arbitrary<ModelCell> = fc.oneof(
  // The sheet holds String(v), so the model holds the number that text means (-0 is written as "0").
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ kind: 'n' as const, v: Number(String(v)) })),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((v) => ({ kind: 'n' as const, v })),
  fc.integer({ min: 0, max: SHARED.length - 1 }).map((i) => ({ kind: 's' as const, i })),
  xmlText.map((text) => ({ kind: 'inline' as const, text })),
  fc.boolean().map((v) => ({ kind: 'b' as const, v })),
  fc.constant({ kind: 'e' as const }),
  fc.integer({ min: 1, max: 2_958_465 * 1000 }).map((n) => ({ kind: 'date' as const, serial: n / 1000 })),
  fc.constant({ kind: 'styled-empty' as const }),
);

const row = fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), cell, fc.boolean()), { maxLength: 8 }).map((cells) => {
  const seen = new Set<number>();
  return cells.filter(([col]) => !seen.has(col) && seen.add(col)).sort((a, b) => a[0] - b[0]);
});

function escapeText(s: string): string {
  return s
    .replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

function writeSheet(rows: [number, ModelCell, boolean][][]): string {
  const body = rows
    .map((cells, r) => {
      let previous = 0;
      const xml = cells.map(([col, c, withRef]) => {
        const ref = withRef || col !== previous + 1 ? ` r="${columnName(col)}${r + 1}"` : '';
        previous = col;
        switch (c.kind) {
          case 'n':
            return `<c${ref}><v>${String(c.v)}</v></c>`;
          case 's':
            return `<c${ref} t="s"><v>${c.i}</v></c>`;
          case 'inline':
            return `<c${ref} t="inlineStr"><is><t xml:space="preserve">${escapeText(c.text)}</t></is></c>`;
          case 'b':
            return `<c${ref} t="b"><v>${c.v ? 1 : 0}</v></c>`;
          case 'e':
            return `<c${ref} t="e"><v>#DIV/0!</v></c>`;
          case 'date':
            return `<c${ref} s="1"><v>${c.serial}</v></c>`;
          case 'styled-empty':
            return `<c${ref} s="1"/>`;
        }
      });
      return xml.length === 0 ? `<row r="${r + 1}"/>` : `<row r="${r + 1}" spans="1:40">${xml.join('')}</row>`;
    })
    .join('');
  return sheetXml(body);
}

/** The expected value, computed independently of the scanner (dates through Date#toISOString). */
function expected(c: ModelCell): unknown {
  switch (c.kind) {
    case 'n':
      return c.v;
    case 's':
      return SHARED[c.i];
    case 'inline':
      return c.text;
    case 'b':
      return c.v;
    case 'date': {
      const iso = new Date(Math.round((c.serial - 25569) * 86_400_000)).toISOString();
      return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
    }
    default:
      return null;
  }
}

function expectedRows(rows: [number, ModelCell, boolean][][]): Record<number, unknown>[] {
  const out: Record<number, unknown>[] = [];
  for (const cells of rows) {
    const o: Record<number, unknown> = {};
    for (const [col, c] of cells) {
      const v = expected(c);
      if (v !== null) o[col] = v;
    }
    if (Object.keys(o).length > 0) out.push(o);
  }
  return out;
}

describe('sheet scanner on generated sheets', () => {
  const decoding: CellDecoding = { sharedStrings: SHARED, dateStyles: [false, true], date1904: false };

  it('gives the written rows however the text is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (rows, rawCuts) => {
        const xml = writeSheet(rows);
        const cuts = [...new Set(rawCuts.map((c) => c % (xml.length + 1)))].sort((a, b) => a - b);
        expect(byColumn(scan(xml, decoding, cuts))).toEqual(expectedRows(rows));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same rows when a small sheet is cut at every single position, or into single characters', () => {
    const rows: [number, ModelCell, boolean][][] = [
      [
        [1, { kind: 's', i: 1 }, true],
        [2, { kind: 'inline', text: 'a & <b> "c" 😀' }, false],
        [4, { kind: 'date', serial: 45322.25 }, true],
      ],
      [],
      [
        [1, { kind: 'n', v: -1.25 }, false],
        [3, { kind: 'b', v: true }, true],
        [4, { kind: 'styled-empty' }, false],
      ],
    ];
    const xml = writeSheet(rows);
    const want = expectedRows(rows);
    expect(byColumn(scan(xml, decoding))).toEqual(want);
    for (let cut = 0; cut <= xml.length; cut++) expect(byColumn(scan(xml, decoding, [cut]))).toEqual(want);
    const everyChar = Array.from({ length: xml.length - 1 }, (_, i) => i + 1);
    expect(byColumn(scan(xml, decoding, everyChar))).toEqual(want);
  });
});

describe('shared strings scanner', () => {
  function readTable(xml: string, cuts: number[] = []): string[] {
    const scanner = new SharedStringsScanner(fail);
    let from = 0;
    for (const cut of [...cuts, xml.length]) {
      scanner.push(xml.slice(from, cut));
      from = cut;
    }
    const table = scanner.end();
    return Array.from({ length: table.length }, (_, i) => table.at(i)!);
  }

  const table =
    '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="x" count="5" uniqueCount="5">' +
    '<si><t>plain</t></si><si><t xml:space="preserve"> spaced &amp; escaped </t></si><si/>' +
    '<si><r><t>rich</t></r><r><rPr><i/></rPr><t>Text</t></r><rPh sb="0" eb="1"><t>x</t></rPh></si>' +
    '<si><t>cr_x000D_lf</t></si></sst>';
  const want = ['plain', ' spaced & escaped ', '', 'richText', 'cr\rlf'];

  it('reads plain, rich and empty entries wherever the text is cut', () => {
    expect(readTable(table)).toEqual(want);
    for (let cut = 0; cut <= table.length; cut++) expect(readTable(table, [cut])).toEqual(want);
    expect(readTable(table, Array.from({ length: table.length - 1 }, (_, i) => i + 1))).toEqual(want);
  });

  it('keeps entries across compact blocks, before and after sealing', () => {
    const table = new SharedStringTable();
    const want = Array.from({ length: 2500 }, (_, i) => (i % 7 === 0 ? '' : `entry ${i} ${'x'.repeat(i % 20)}`));
    want.forEach((s) => table.add(s));
    expect(table.at(2499)).toBe(want[2499]); // still pending
    table.finish();
    expect(table.length).toBe(2500);
    expect(Array.from({ length: 2500 }, (_, i) => table.at(i))).toEqual(want);
    for (const bad of [-1, 2500, 1.5, NaN]) expect(table.at(bad)).toBeUndefined();
    const big = Array.from({ length: 3000 }, (_, i) => `<si><t>s${i}</t></si>`).join('');
    expect(readTable(`<sst>${big}</sst>`, [7, 5000, 20000])).toEqual(Array.from({ length: 3000 }, (_, i) => `s${i}`));
  });

  it('reads a prefixed table', () => {
    expect(readTable('<x:sst xmlns:x="y"><x:si><x:t>a</x:t></x:si><x:si><x:r><x:t>b</x:t></x:r></x:si></x:sst>')).toEqual(['a', 'b']);
  });

  it('refuses a table beyond its limits', () => {
    const scanner = new SharedStringsScanner(fail, { maxChars: 10, maxStrings: 100 });
    expect(() => scanner.push('<sst><si><t>0123456789ab</t></si></sst>')).toThrow(/exceed 10 characters/);
    const counted = new SharedStringsScanner(fail, { maxChars: 1000, maxStrings: 2 });
    expect(() => counted.push('<sst><si><t>a</t></si><si><t>b</t></si><si><t>c</t></si></sst>')).toThrow(/exceed 2 entries/);
  });
});
