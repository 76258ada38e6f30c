/**
 * Reading one cell's text as a number, boolean, date or date-time, the way vendor exports write them.
 * Shared by the row typer (casting) and schema inference (guessing), so anything inference calls a
 * number the typer can also cast. Every function returns undefined when the text is not of that kind.
 *
 * Numbers: plain JSON/JS decimals ("-12.5", "1e6"); thousands separators ("1,234.56"; the comma is
 * always a thousands separator, the dot always the decimal point); currency symbols or ISO codes
 * before or after ("$1,234.56", "-$5.00", "$-5.00", "USD 1,234.56", "1,234.56 EUR"); accounting
 * negatives ("(1,234.56)"); percent strings become the fraction they denote: "12.34%" → 0.1234,
 * which is also the value a spreadsheet stores behind a percent-formatted cell (Addepar returns,
 * e.g. time_weighted_return, are fractions in its JSON output), so CSV, XLSX and JSON agree.
 */

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Exact powers of ten as doubles (10^22 is the largest exactly representable). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * digits × 10^exponent10 when one correctly rounded operation gives the exact nearest double
 * (Clinger's fast path: the integer holds at most 15 digits, |exponent| ≤ 22); undefined otherwise.
 */
function fastDecimal(mantissa: number, mantissaDigits: number, exponent10: number): number | undefined {
  if (mantissaDigits > 15) return undefined;
  if (exponent10 === 0) return mantissa;
  if (exponent10 < 0 && exponent10 >= -22) return mantissa / POW10[-exponent10];
  if (exponent10 > 0 && exponent10 <= 22) return mantissa * POW10[exponent10];
  return undefined;
}

export function parseNumberText(text: string): number | undefined {
  // Fast path, a hand-written scan for the common "-123.45": no regex, and no string-to-number
  // conversion when the digits fit a double exactly.
  const len = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  const negative = c === 45; /* - */
  if (negative || c === 43 /* + */) i++;
  // Integer digits, then an optional "." and fraction digits, each in its own loop (no per-digit
  // flags). The mantissa is exact while below 10^15 (at most 15 significant digits).
  let mantissa = 0;
  const intStart = i;
  while (i < len && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    i++;
  }
  let digits = i - intStart;
  let fraction = 0;
  if (i < len && c === 46 /* . */) {
    const fractionStart = ++i;
    while (i < len && (c = text.charCodeAt(i)) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      i++;
    }
    fraction = i - fractionStart;
    digits += fraction;
  }
  if (i === len && digits > 0) {
    const value = fastDecimal(mantissa, mantissa < 1e15 ? 15 : 16, -fraction);
    if (value === undefined) return Number(text); // signed already
    return negative ? -value : value;
  }
  // "-12.34%", the usual percent export: the same value parseFormattedNumber gives (the decimal point
  // shifted by two in the text), without scanning the text again.
  if (c === 37 /* % */ && i === len - 1 && digits > 0) {
    const value = fastDecimal(mantissa, mantissa < 1e15 ? 15 : 16, -fraction - 2);
    if (value !== undefined) return negative ? -value : value;
  }
  // The scan stopped early: PLAIN_NUMBER can still match only at an exponent after some digits.
  if (digits > 0 && (c === 101 || c === 69) /* e E */ && PLAIN_NUMBER.test(text)) return Number(text);
  return parseFormattedNumber(text);
}

/** The whitespace String.prototype.trim removes. */
function isSpace(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

function isCurrencySymbol(c: number): boolean {
  return c === 36 /* $ */ || c === 0x20ac /* € */ || c === 0xa3 /* £ */ || c === 0xa5 /* ¥ */;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function isSign(c: number): boolean {
  return c === 43 || c === 45 || c === 0x2212 /* typographic minus */;
}

/**
 * The grammar, as a regular expression (the scan below is the same language without regex
 * backtracking or intermediate strings; a property test checks the two agree):
 *   ws* ( "(" ws* X ws* ")" | X ) ws*   where X =
 *   [sign] ws* [ISO code ws* | symbol ws*] [sign] ws* mantissa [e[sign]digits] ws* [ISO code | symbol] ws* ["%"]
 *   mantissa = \d{1,3}(,\d{3})+(\.\d*)? | \d+(\.\d*)? | \.\d+ ; at most one sign; none inside "( )".
 */
function parseFormattedNumber(text: string): number | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  let parenthesised = false;
  if (end - start > 2 && text.charCodeAt(start) === 40 /* ( */ && text.charCodeAt(end - 1) === 41 /* ) */) {
    parenthesised = true;
    start++;
    end--;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  }
  let i = start;
  let signs = 0;
  let minus = false;
  let c = text.charCodeAt(i);
  if (isSign(c)) {
    signs++;
    minus = c !== 43;
    i++;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
  }
  c = text.charCodeAt(i);
  if (i < end && isCurrencySymbol(c)) {
    i++;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
  } else if (i + 2 < end && isUpper(c) && isUpper(text.charCodeAt(i + 1)) && isUpper(text.charCodeAt(i + 2))) {
    i += 3;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
  }
  c = text.charCodeAt(i);
  if (i < end && isSign(c)) {
    signs++;
    minus = c !== 43;
    i++;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
  }
  if (signs > 1 || (parenthesised && signs > 0)) return undefined;
  // Mantissa: digits with optional thousands groups, then an optional fraction. Its text (without
  // the commas) is only needed when the fast conversion does not apply, so it is cut out only then.
  let mantissaValue = 0;
  let significant = 0;
  const mantissaStart = i;
  let intDigits = 0;
  let groupDigits = 0;
  let grouped = false;
  let dot = false;
  let fracDigits = 0;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (dot) fracDigits++;
      else {
        intDigits++;
        groupDigits++;
      }
      if (significant > 0 || c !== 48) significant++;
      mantissaValue = mantissaValue * 10 + (c - 48);
    } else if (c === 44 /* , */ && !dot) {
      if (grouped ? groupDigits !== 3 : groupDigits < 1 || groupDigits > 3) return undefined;
      grouped = true;
      groupDigits = 0;
    } else if (c === 46 /* . */ && !dot) {
      dot = true;
    } else break;
  }
  if (grouped && (groupDigits !== 3 && !dot)) return undefined;
  if (grouped && dot && groupDigits !== 3) return undefined;
  if (intDigits + fracDigits === 0) return undefined;
  const mantissaEnd = i;
  let exponent = 0;
  if (i < end && (c === 101 || c === 69) /* e E */) {
    let j = i + 1;
    let negativeExponent = false;
    let e = text.charCodeAt(j);
    if (j < end && isSign(e)) {
      negativeExponent = e !== 43;
      j++;
    }
    let expDigits = 0;
    let value = 0;
    for (; j < end; j++) {
      e = text.charCodeAt(j);
      if (e < 48 || e > 57) break;
      value = value * 10 + (e - 48);
      expDigits++;
    }
    // "1EUR": no exponent digits, so the letters are a currency code (as regex backtracking would read it).
    if (expDigits > 0) {
      exponent = negativeExponent ? -value : value;
      i = j;
    }
  }
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  c = text.charCodeAt(i);
  if (i < end && isCurrencySymbol(c)) i++;
  else if (i + 2 < end && isUpper(c) && isUpper(text.charCodeAt(i + 1)) && isUpper(text.charCodeAt(i + 2))) i += 3;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  if (i < end && text.charCodeAt(i) === 37 /* % */) {
    // Shift the decimal point in the text (not by dividing) so "12.34%" is exactly the double nearest 0.1234.
    exponent -= 2;
    i++;
  }
  if (i !== end) return undefined;
  let value = fastDecimal(mantissaValue, significant, exponent - fracDigits);
  if (value === undefined) {
    const mantissa = grouped ? text.slice(mantissaStart, mantissaEnd).replaceAll(',', '') : text.slice(mantissaStart, mantissaEnd);
    value = exponent === 0 ? Number(mantissa) : Number(`${mantissa}e${exponent}`);
  }
  if (!Number.isFinite(value)) return undefined;
  return minus || parenthesised ? -value : value;
}

/** True for integer text that must stay text: leading zeros ("00123") or more digits than a double holds. */
export function looksLikeIdentifierDigits(text: string): boolean {
  const s = text.trim();
  return /^[+-]?\d+$/.test(s) && ((s.length > 1 && /^[+-]?0\d/.test(s)) || s.replace(/^[+-]/, '').length > 15);
}

// A Map, not an object literal: a lookup of "constructor" or "toString" must not find Object.prototype's.
const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true], ['false', false], ['yes', true], ['no', false], ['y', true], ['n', false], ['t', true], ['f', false],
  ['1', true], ['0', false],
]);

export function parseBooleanText(text: string): boolean | undefined {
  // The usual spellings without trimming and lower-casing a copy.
  if (text === 'true') return true;
  if (text === 'false') return false;
  return BOOLEAN_WORDS.get(text.trim().toLowerCase());
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const SLASHED_ISO_DATE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/;
const US_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  return d <= DAYS_IN_MONTH[m - 1] + (leap ? 1 : 0);
}

function dateString(y: number, m: number, d: number): string | undefined {
  return validDate(y, m, d) ? `${pad(y, 4)}-${pad(m)}-${pad(d)}` : undefined;
}

/** "YYYY-MM-DD", "YYYY/M/D", "MM/DD/YYYY" (US order) or the date part of an ISO date-time → "YYYY-MM-DD". */
function digitsAt(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

export function parseDateText(text: string): string | undefined {
  if (text.length === 10) {
    // Fast paths without regex for "YYYY-MM-DD" (returned as is) and "MM/DD/YYYY".
    if (text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
      const y = digitsAt(text, 0, 4);
      const m = digitsAt(text, 5, 2);
      const d = digitsAt(text, 8, 2);
      if (y >= 0 && m >= 0 && d >= 0) return validDate(y, m, d) ? text : undefined;
    } else if (text.charCodeAt(2) === 47 && text.charCodeAt(5) === 47) {
      const m = digitsAt(text, 0, 2);
      const d = digitsAt(text, 3, 2);
      const y = digitsAt(text, 6, 4);
      if (y >= 0 && m >= 0 && d >= 0) {
        if (!validDate(y, m, d)) return undefined;
        // One string built from its characters: slices and a template took twice as long (5 allocations).
        return String.fromCharCode(
          text.charCodeAt(6), text.charCodeAt(7), text.charCodeAt(8), text.charCodeAt(9), 45,
          text.charCodeAt(0), text.charCodeAt(1), 45, text.charCodeAt(3), text.charCodeAt(4),
        );
      }
    }
  }
  const s = text.length === 10 ? text : text.trim();
  let m = ISO_DATE.exec(s);
  // Already canonical: hand back the same string instead of building a new one.
  if (m !== null) return validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? s : undefined;
  m = US_DATE.exec(s);
  if (m !== null) return dateString(Number(m[3]), Number(m[1]), Number(m[2]));
  m = SLASHED_ISO_DATE.exec(s);
  if (m !== null) return dateString(Number(m[1]), Number(m[2]), Number(m[3]));
  const dt = parseDateTimeParts(s);
  return dt === undefined ? undefined : dt.date;
}

interface DateTimeParts {
  date: string;
  /** "HH:MM:SS[.fff]" */
  time: string;
  /** "Z" or "+HH:MM"; undefined when the text had no zone. */
  zone?: string;
}

function parseDateTimeParts(s: string): DateTimeParts | undefined {
  let m = ISO_DATE_TIME.exec(s);
  if (m !== null) {
    const date = dateString(Number(m[1]), Number(m[2]), Number(m[3]));
    const [hh, mm, ss] = [Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6])];
    if (date === undefined || hh > 23 || mm > 59 || ss > 60) return undefined;
    let zone = m[8];
    if (zone !== undefined) {
      zone = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    }
    return { date, time: `${pad(hh)}:${pad(mm)}:${pad(ss)}${m[7] ?? ''}`, zone };
  }
  m = US_DATE_TIME.exec(s);
  if (m !== null) {
    const date = dateString(Number(m[3]), Number(m[1]), Number(m[2]));
    let hh = Number(m[4]);
    const [mm, ss] = [Number(m[5]), m[6] === undefined ? 0 : Number(m[6])];
    const meridiem = m[7]?.toUpperCase();
    if (meridiem !== undefined) {
      if (hh < 1 || hh > 12) return undefined;
      hh = (hh % 12) + (meridiem === 'PM' ? 12 : 0);
    }
    if (date === undefined || hh > 23 || mm > 59 || ss > 59) return undefined;
    return { date, time: `${pad(hh)}:${pad(mm)}:${pad(ss)}` };
  }
  return undefined;
}

/**
 * An ISO/RFC 3339 date-time, "YYYY-MM-DD HH:MM[:SS]", US "MM/DD/YYYY HH:MM[:SS] [AM|PM]", or a bare
 * date (midnight) → "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)". Text without a zone is taken as UTC:
 * exports write wall-clock times without zones, and JSON Schema date-time requires one.
 */
const CANONICAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export function parseDateTimeText(text: string): string | undefined {
  // Fastest path, no regex: "YYYY-MM-DDTHH:MM:SSZ" exactly, returned as is when valid.
  if (
    text.length === 20 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 84 &&
    text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58 && text.charCodeAt(19) === 90
  ) {
    const y = digitsAt(text, 0, 4);
    const mo = digitsAt(text, 5, 2);
    const d = digitsAt(text, 8, 2);
    const hh = digitsAt(text, 11, 2);
    const mm = digitsAt(text, 14, 2);
    const ss = digitsAt(text, 17, 2);
    if (y >= 0 && mo >= 0 && d >= 0 && hh >= 0 && mm >= 0 && ss >= 0) {
      return validDate(y, mo, d) && hh < 24 && mm < 60 && ss <= 60 ? text : undefined;
    }
  }
  const canonical = CANONICAL_DATE_TIME.exec(text);
  if (canonical !== null) {
    const [, y, mo, d, hh, mm, ss] = canonical;
    return validDate(Number(y), Number(mo), Number(d)) && Number(hh) < 24 && Number(mm) < 60 && Number(ss) <= 60
      ? text
      : undefined;
  }
  const s = text.trim();
  const parts = parseDateTimeParts(s);
  if (parts !== undefined) return `${parts.date}T${parts.time}${parts.zone ?? 'Z'}`;
  const date = parseDateText(s);
  return date === undefined ? undefined : `${date}T00:00:00Z`;
}

/** True when the text carries a time of day (so inference says date-time rather than date). */
export function hasTimeOfDay(text: string): boolean {
  return parseDateTimeParts(text.trim()) !== undefined;
}

/**
 * A spreadsheet date (exceljs gives wall-clock time as a UTC Date) as ISO text: "YYYY-MM-DD" at
 * midnight, else "YYYY-MM-DDTHH:MM:SS.sssZ".
 */
export function excelDateToIso(d: Date): string | undefined {
  const t = d.getTime();
  if (Number.isNaN(t)) return undefined;
  const iso = d.toISOString();
  return t % 86_400_000 === 0 ? iso.slice(0, 10) : iso;
}
