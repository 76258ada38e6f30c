/**
 * Which cell styles show a number as a date (ECMA-376 Part 1 §18.8): a cell's `s` attribute indexes
 * `<cellXfs>`, whose `<xf numFmtId>` names either a built-in format (§18.8.30) or a custom
 * `<numFmt formatCode>` from `<numFmts>`. Only the date-ness matters to jobtap: a date-formatted
 * number is an Excel serial date and is read as an ISO date.
 */
import { xmlTags } from './small-xml.js';

/**
 * Built-in formats that are dates or times: 14–22 in every locale; 27–36 and 50–58 are the East
 * Asian date formats (e.g. 27 `[$-404]e/m/d`, 55 `yyyy-mm-dd` in Korean); 45–47 are `mm:ss`,
 * `[h]:mm:ss`, `mmss.0`.
 */
export function isBuiltInDateFormat(id: number): boolean {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/**
 * Whether a format code formats a date or time: it has a date/time token (y m d h s, any case, or
 * b for the Buddhist year) outside quoted literals, escaped characters (`\x`, `_x`, `*x`) and
 * bracketed sections (colours, conditions, locales), the elapsed-time tokens [h] [m] [s] counting.
 * None of these letters occurs in "General", "@" or scientific "0.00E+00". (The East Asian era
 * tokens e/g are left out: `E` is the exponent; such formats carry m and d anyway.)
 */
export function isDateFormatCode(code: string): boolean {
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    if (c === '"') {
      const close = code.indexOf('"', i + 1);
      i = close < 0 ? code.length : close + 1;
    } else if (c === '\\' || c === '_' || c === '*') {
      i += 2; // escaped literal, space-the-width-of, repeat-to-fill: the next character is literal
    } else if (c === '[') {
      const close = code.indexOf(']', i + 1);
      const inner = code.slice(i + 1, close < 0 ? code.length : close);
      if (/^(h+|m+|s+)$/i.test(inner)) return true; // elapsed time
      i = close < 0 ? code.length : close + 1;
    } else {
      if (DATE_TOKEN.test(c)) return true;
      i++;
    }
  }
  return false;
}

const DATE_TOKEN = /[ymdhsb]/i;

export interface WorkbookStyles {
  /** By cellXfs index (a cell's `s`): whether the style formats numbers as dates. */
  dateStyles: boolean[];
}

/** Reads styles.xml's custom formats and cellXfs. */
export function parseStyles(xml: string): WorkbookStyles {
  const customDate = new Map<number, boolean>();
  const dateStyles: boolean[] = [];
  let inCellXfs = false;
  for (const tag of xmlTags(xml)) {
    if (tag.name === 'numFmt' && tag.kind !== 'close') {
      const id = Number(tag.attrs.numFmtId);
      if (Number.isInteger(id)) customDate.set(id, isDateFormatCode(tag.attrs.formatCode ?? ''));
    } else if (tag.name === 'cellXfs') {
      inCellXfs = tag.kind === 'open';
    } else if (inCellXfs && tag.name === 'xf' && tag.kind !== 'close') {
      const id = Number(tag.attrs.numFmtId ?? '0');
      dateStyles.push(customDate.get(id) ?? isBuiltInDateFormat(id));
    }
  }
  return { dateStyles };
}
