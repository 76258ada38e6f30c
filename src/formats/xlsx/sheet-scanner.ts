/**
 * A streaming scanner for a worksheet part (ECMA-376 Part 1 §18.3: `<worksheet><sheetData><row>
 * <c r s t><f/><v/><is/></c></row></sheetData>...`), tuned for the one thing jobtap needs: each
 * row's cell values by column number. No node objects, no per-tag events: rows are found with
 * indexOf on the text, and cells are decoded in place.
 *
 * Text arrives in chunks cut anywhere (even inside a tag or a UTF-8 sequence — the caller decodes
 * UTF-8 with a StringDecoder); everything after the last complete `</row>` is carried over.
 *
 * Cell values:
 * - t="s" shared string (index into the table; a bad index is an error), t="inlineStr" `<is>` rich
 *   text, t="str" (formula text result) — strings as written, entities and `_xHHHH_` decoded;
 * - t="n" or none: numbers; a number whose style is a date format becomes an ISO date (dates.ts);
 *   t="d": an ISO 8601 date in the cell, normalised the same way;
 * - t="b": booleans; t="e" (#N/A, #DIV/0!...): null;
 * - a cell without `<v>` / `<is>` (only a style, e.g. the non-anchor cells of a merged range, or a
 *   formula with no cached result): null. Non-finite numbers: null.
 * Cells without `r` follow the previous cell; rows without any value are blank and left out.
 */
import { epochMsToIso, serialToIso } from './dates.js';
import { documentPrefix, findTag, isNameEnd, richText, richTextNeedles, type RichTextNeedles } from './markup.js';
import { decodeOoxmlEscapes, decodeXmlText } from './xml-text.js';
import type { SharedStrings } from './shared-strings.js';

/** A sheet row as sparse cells: index = sheet column number (1-based, A = 1). */
export type SheetCells = unknown[];

export interface CellDecoding {
  sharedStrings: SharedStrings;
  /** By style index: whether numbers in that style are dates. */
  dateStyles: readonly boolean[];
  date1904: boolean;
}

/** A row (or `<sheetData>` preamble) longer than this is refused instead of buffered. */
export const MAX_ROW_CHARS = 64 * 1024 * 1024;

const enum CellType {
  Number,
  Shared,
  Inline,
  Text,
  Bool,
  Error,
  IsoDate,
}

const enum State {
  BeforeSheetData,
  InSheetData,
  Done,
}

export class SheetScanner {
  private carry = '';
  private state = State.BeforeSheetData;
  private rowNeedle = '';
  private rowClose = '';
  private cNeedle = '';
  private cClose = '';
  private vNeedle = '';
  private vOpen = '';
  private vClose = '';
  private isNeedle = '';
  private sheetDataNeedle = '';
  private sheetDataClose = '';
  private rich: RichTextNeedles | undefined;
  /** The row being scanned, for error messages: its text and where its start tag is. */
  private rowText = '';
  private rowStart = -1;
  /** How many `<row>` elements have been seen (names a row without `r` in errors). */
  private rowOrdinal = 0;

  constructor(
    private readonly decoding: CellDecoding,
    private readonly fail: (problem: string) => never,
  ) {}

  /** Scans the next piece of the sheet's text; the complete non-blank rows in it are appended to `out`. */
  push(text: string, out: SheetCells[]): void {
    if (this.state === State.Done) return; // the rest of the part (merges, page setup) is not data
    let buf = this.carry + text;
    // The carried text holds no </sheetData> (else scanning would be done): search only what may.
    let newFrom = Math.max(0, this.carry.length - this.sheetDataClose.length);
    this.carry = '';
    this.rowStart = -1;
    if (this.state === State.BeforeSheetData) {
      const start = this.findSheetData(buf);
      if (start < 0) return;
      buf = buf.slice(start);
      newFrom = 0;
      if ((this.state as State) === State.Done) return; // <sheetData/>
    }
    const closeAt = buf.indexOf(this.sheetDataClose, newFrom);
    const lastRow = buf.lastIndexOf(this.rowClose, closeAt < 0 ? Infinity : closeAt);
    if (closeAt >= 0) {
      this.rows(buf, closeAt, out);
      this.state = State.Done;
      return;
    }
    if (lastRow < 0) {
      this.keep(buf);
      return;
    }
    const limit = lastRow + this.rowClose.length;
    this.rows(buf, limit, out);
    this.keep(buf.slice(limit));
  }

  /** The sheet's text has ended. */
  end(): void {
    if (this.state === State.BeforeSheetData) this.fail('worksheet has no <sheetData> (not a worksheet, or truncated)');
    if (this.state === State.InSheetData) this.fail('worksheet ends inside <sheetData> (truncated)');
  }

  /** The number of the row being scanned (its `r`), worked out only when an error names it. */
  private get rowNumber(): number | string {
    if (this.rowStart < 0) return 'before the first';
    const gt = this.rowText.indexOf('>', this.rowStart);
    const r = attributeValue(this.rowText, this.rowStart + this.rowNeedle.length, gt < 0 ? this.rowText.length : gt, 114 /* r */);
    return r < 0 ? `number ${this.rowOrdinal} (counting <row> elements)` : parseUint(this.rowText, r, this.rowText.indexOf(this.rowText[r - 1], r));
  }

  private keep(rest: string): void {
    if (rest.length > MAX_ROW_CHARS) this.fail(`a worksheet row is longer than ${MAX_ROW_CHARS} characters`);
    this.carry = rest;
  }

  /**
   * Looks for `<sheetData>`; returns where the rows begin in `buf` (state InSheetData), or -1 with
   * the undecided tail carried, or the end of `buf` with state Done for `<sheetData/>`.
   */
  private findSheetData(buf: string): number {
    if (this.rich === undefined) {
      const prefix = documentPrefix(buf);
      if (prefix === undefined) {
        this.keep(buf);
        return -1;
      }
      this.setPrefix(prefix);
    }
    const at = findTag(buf, this.sheetDataNeedle, 0, buf.length);
    const gt = at < 0 ? -1 : buf.indexOf('>', at);
    if (gt < 0 || at + this.sheetDataNeedle.length >= buf.length) {
      // Not (completely) seen yet: keep from the last tag start, which may be its beginning.
      this.keep(at >= 0 ? buf.slice(at) : buf.slice(Math.max(0, buf.lastIndexOf('<'))));
      return -1;
    }
    this.state = buf.charCodeAt(gt - 1) === 47 /* <sheetData/> */ ? State.Done : State.InSheetData;
    return gt + 1;
  }

  private setPrefix(p: string): void {
    this.rowNeedle = `<${p}row`;
    this.rowClose = `</${p}row>`;
    this.cNeedle = `<${p}c`;
    this.cClose = `</${p}c>`;
    this.vNeedle = `<${p}v`;
    this.vOpen = `<${p}v>`;
    this.vClose = `</${p}v>`;
    this.isNeedle = `<${p}is`;
    this.sheetDataNeedle = `<${p}sheetData`;
    this.sheetDataClose = `</${p}sheetData>`;
    this.rich = richTextNeedles(p);
  }

  /** Scans the complete rows in `buf[0, limit)`. */
  private rows(buf: string, limit: number, out: SheetCells[]): void {
    let p = 0;
    for (;;) {
      const start = findTag(buf, this.rowNeedle, p, limit);
      if (start < 0) return;
      this.rowText = buf;
      this.rowStart = start;
      this.rowOrdinal++;
      const gt = buf.indexOf('>', start);
      if (gt < 0 || gt >= limit) this.fail(`worksheet row ${this.rowNumber} is malformed`);
      p = buf.charCodeAt(gt - 1) === 47 /* <row/> */ ? gt + 1 : this.cells(buf, gt + 1, limit, out);
    }
  }

  /**
   * Scans one row's children from `from` up to its `</row>` (before `limit`), appending the row to
   * `out` when a cell has a value; returns the position after `</row>`. One pass: each cell is
   * parsed where it starts and the row ends where the next tag is `</row>`, so no text is searched
   * twice (the common `<c ...><v>...</v></c>` shape is read without searching at all).
   */
  private cells(buf: string, from: number, limit: number, out: SheetCells[]): number {
    let cells: SheetCells | undefined;
    let column = 0;
    let p = from;
    const needle = this.cNeedle;
    for (;;) {
      const start = buf.indexOf('<', p);
      if (start < 0 || start >= limit) this.fail(`worksheet row ${this.rowNumber} is not closed`);
      let i = start + needle.length;
      let c = buf.charCodeAt(i);
      if (!buf.startsWith(needle, start) || !(c === 32 || c === 62 || c === 47 || c === 9 || c === 10 || c === 13)) {
        if (buf.startsWith(this.rowClose, start)) {
          if (cells !== undefined) out.push(cells);
          return start + this.rowClose.length;
        }
        p = this.skipElement(buf, start, limit); // e.g. <extLst>
        continue;
      }
      // Attributes: only r, s and t matter; values never contain quotes of their own kind.
      let ref = 0;
      let style = 0;
      let type = CellType.Number;
      let selfClosing = false;
      for (;;) {
        c = buf.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10 || c === 13) {
          i++;
          continue;
        }
        if (c === 62 /* > */) {
          i++;
          break;
        }
        if (c === 47 /* / */) {
          selfClosing = true;
          i += 2;
          break;
        }
        const eq = buf.indexOf('=', i);
        if (eq < 0 || eq >= limit) this.fail(`worksheet row ${this.rowNumber} has a malformed cell`);
        let q = eq + 1;
        while (buf.charCodeAt(q) === 32) q++;
        const quote = buf.charCodeAt(q);
        const valueEnd = buf.indexOf(quote === 39 ? "'" : '"', q + 1);
        if (valueEnd < 0 || valueEnd >= limit) this.fail(`worksheet row ${this.rowNumber} has a malformed cell`);
        let nameEnd = eq;
        while (buf.charCodeAt(nameEnd - 1) === 32) nameEnd--;
        if (nameEnd - i === 1) {
          const name = c;
          if (name === 114 /* r */) ref = parseColumn(buf, q + 1, valueEnd);
          else if (name === 115 /* s */) style = parseUint(buf, q + 1, valueEnd);
          else if (name === 116 /* t */) type = cellType(buf, q + 1, valueEnd);
        }
        i = valueEnd + 1;
      }
      column = ref > 0 ? ref : column + 1;
      if (selfClosing) {
        p = i;
        continue;
      }
      let value: unknown;
      const vStart = i + this.vOpen.length;
      const vEnd = buf.startsWith(this.vOpen, i) ? buf.indexOf(this.vClose, vStart) : -1;
      if (vEnd >= 0 && buf.startsWith(this.cClose, vEnd + this.vClose.length)) {
        value = this.valueOf(buf, vStart, vEnd, type, style, column); // <c ...><v>text</v></c>
        p = vEnd + this.vClose.length + this.cClose.length;
      } else {
        const close = buf.indexOf(this.cClose, i);
        if (close < 0 || close > limit) this.fail(`worksheet row ${this.rowNumber} has an unclosed cell`);
        value = this.value(buf, i, close, type, style, column);
        p = close + this.cClose.length;
      }
      if (value !== null) {
        if (cells === undefined) cells = [];
        cells[column] = value;
      }
    }
  }

  /** The position after the element starting at `start` (its `/>` or its end tag). */
  private skipElement(buf: string, start: number, limit: number): number {
    const gt = buf.indexOf('>', start);
    if (gt < 0 || gt >= limit || buf.charCodeAt(start + 1) === 47 /* a stray end tag */) {
      this.fail(`worksheet row ${this.rowNumber} is malformed`);
    }
    if (buf.charCodeAt(gt - 1) === 47 || buf.charCodeAt(start + 1) === 33 /* <!-- --> */ || buf.charCodeAt(start + 1) === 63 /* <? ?> */) {
      if (buf.startsWith('<!--', start)) {
        const end = buf.indexOf('-->', start + 4);
        if (end < 0 || end >= limit) this.fail(`worksheet row ${this.rowNumber} has an unclosed comment`);
        return end + 3;
      }
      return gt + 1;
    }
    let nameEnd = start + 1;
    while (nameEnd < gt && !isNameEnd(buf.charCodeAt(nameEnd))) nameEnd++;
    const close = `</${buf.slice(start + 1, nameEnd)}>`;
    const end = buf.indexOf(close, gt);
    if (end < 0 || end >= limit) this.fail(`worksheet row ${this.rowNumber} has an unclosed <${buf.slice(start + 1, nameEnd)}>`);
    return end + close.length;
  }

  /** The value of a cell whose content is `buf[from, to)` (any shape: formulas, inline strings...). */
  private value(buf: string, from: number, to: number, type: CellType, style: number, column: number): unknown {
    if (type === CellType.Inline) {
      const is = findTag(buf, this.isNeedle, from, to);
      return is < 0 ? null : richText(buf, buf.indexOf('>', is) + 1, to, this.rich!);
    }
    const v = findTag(buf, this.vNeedle, from, to);
    if (v < 0) return null;
    const gt = buf.indexOf('>', v);
    if (buf.charCodeAt(gt - 1) === 47 /* <v/> */) return type === CellType.Text ? '' : null;
    const start = gt + 1;
    const end = buf.indexOf(this.vClose, start);
    if (end < 0 || end > to) this.fail(`worksheet row ${this.rowNumber} has an unclosed <v>`);
    return this.valueOf(buf, start, end, type, style, column);
  }

  /** The value of a cell of `type` whose `<v>` text is `buf[start, end)`. */
  private valueOf(buf: string, start: number, end: number, type: CellType, style: number, column: number): unknown {
    switch (type) {
      case CellType.Number: {
        const n = parseNumber(buf, start, end);
        if (!Number.isFinite(n)) return null;
        return this.decoding.dateStyles[style] === true ? serialToIso(n, this.decoding.date1904) : n;
      }
      case CellType.Shared: {
        const index = parseUint(buf, start, end);
        const s = index < 0 ? undefined : this.decoding.sharedStrings.at(index);
        if (s === undefined) {
          this.fail(
            `worksheet row ${this.rowNumber}, column ${columnName(column)} refers to shared string ${buf.slice(start, end)} but the table has ${this.decoding.sharedStrings.length}`,
          );
        }
        return s;
      }
      case CellType.Text:
      case CellType.Inline: // an inline-string cell with a <v> (not valid, but unambiguous)
        return decodeOoxmlEscapes(decodeXmlText(buf, start, end));
      case CellType.Bool: {
        const text = buf.slice(start, end).trim();
        return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : null;
      }
      case CellType.IsoDate:
        return isoDateCell(buf.slice(start, end).trim());
      case CellType.Error:
        return null;
    }
  }
}

/** Column letters of a cell reference ("AB12" → 28); 0 when there are none. */
function parseColumn(buf: string, from: number, to: number): number {
  let col = 0;
  for (let i = from; i < to; i++) {
    const c = buf.charCodeAt(i);
    if (c >= 65 && c <= 90) col = col * 26 + (c - 64);
    else if (c >= 97 && c <= 122) col = col * 26 + (c - 96);
    else if (c !== 36 /* $ */) break;
  }
  return col;
}

/** Decimal digits → integer; -1 when there are none or something else is there. */
function parseUint(buf: string, from: number, to: number): number {
  if (from >= to) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = buf.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A cell's number. Plain decimals of up to 15 digits are exact integer arithmetic followed by one
 * correctly rounded division by a power of ten (Clinger's fast path), i.e. identical to Number();
 * anything else (exponents, longer mantissas, odd text) goes to Number(). Empty text is NaN.
 */
export function parseNumber(buf: string, from: number, to: number): number {
  let i = from;
  let negative = false;
  if (buf.charCodeAt(i) === 45 /* - */) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < to; i++) {
    const c = buf.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
    } else if (c === 46 /* . */ && fraction < 0) {
      fraction = 0;
      continue;
    } else {
      break;
    }
    if (fraction >= 0) fraction++;
  }
  if (i === to && digits > 0 && digits <= 15) {
    const value = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
    return negative ? -value : value;
  }
  const text = buf.slice(from, to).trim();
  return text === '' ? NaN : Number(text);
}

function cellType(buf: string, from: number, to: number): CellType {
  const length = to - from;
  const c = buf.charCodeAt(from);
  if (length === 1) {
    if (c === 115 /* s */) return CellType.Shared;
    if (c === 110 /* n */) return CellType.Number;
    if (c === 98 /* b */) return CellType.Bool;
    if (c === 101 /* e */) return CellType.Error;
    if (c === 100 /* d */) return CellType.IsoDate;
  } else if (length === 3 && buf.startsWith('str', from)) {
    return CellType.Text;
  } else if (length === 9 && buf.startsWith('inlineStr', from)) {
    return CellType.Inline;
  }
  return CellType.Number;
}

/** A t="d" cell (ISO 8601 text); a zone-less date-time is wall-clock time, read as UTC like serial dates. */
function isoDateCell(text: string): string | null {
  if (text === '') return null;
  const zoned = /T.*(Z|[+-]\d\d:?\d\d)$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  return epochMsToIso(Date.parse(zoned));
}

/** 28 → "AB". */
export function columnName(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/**
 * The start of the value of single-letter attribute `name` (a char code) in a tag's attribute text
 * `buf[from, to)`, or -1. Used for the row's `r`, which only matters for error messages.
 */
function attributeValue(buf: string, from: number, to: number, name: number): number {
  for (let i = from; i < to; i++) {
    if (buf.charCodeAt(i) !== name) continue;
    const before = buf.charCodeAt(i - 1);
    if (!(before === 32 || before === 9 || before === 10 || before === 13)) continue;
    let j = i + 1;
    while (buf.charCodeAt(j) === 32) j++;
    if (buf.charCodeAt(j) !== 61 /* = */) continue;
    j++;
    while (buf.charCodeAt(j) === 32) j++;
    const q = buf.charCodeAt(j);
    if (q === 34 || q === 39) return j + 1;
  }
  return -1;
}
