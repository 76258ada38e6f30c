/**
 * JSON text of strings and numbers written as UTF-8 bytes straight into a buffer, producing exactly
 * the bytes of `Buffer.from(JSON.stringify(value), 'utf8')`.
 *
 * Why bytes: the RECORD hot path used to build a string per record (JSON.stringify), join a chunk of
 * them and let the stream encode the chunk to UTF-8 again. Measured on the bench's 20-column rows
 * (Node 20): JSON.stringify ≈ 1.6 µs/row, plus ≈ 0.6 µs/row for the envelope, join and encoding, and the
 * garbage of all those strings. Writing bytes directly touches each character once and allocates
 * nothing. (A generated serializer that concatenated strings instead was slower than JSON.stringify.)
 *
 * Callers guarantee room: a string needs at most 6 bytes per UTF-16 unit plus 2 quotes, a number at
 * most MAX_NUMBER_BYTES.
 */

/** Worst case of writeJsonNumber: e.g. "-1.2345678901234567e-308" is 24 bytes. */
export const MAX_NUMBER_BYTES = 25;

/** Bytes a JSON string of `length` UTF-16 units can take at most ("\u001f" is 6 bytes for one unit). */
export function maxJsonStringBytes(length: number): number {
  return 6 * length + 2;
}

const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]; // 0-9a-f, lower case like JSON.stringify

/** "\uXXXX" with lower-case hex, as JSON.stringify escapes control characters and lone surrogates. */
function writeUnicodeEscape(c: number, b: Uint8Array, p: number): number {
  b[p] = 92;
  b[p + 1] = 117;
  b[p + 2] = HEX[c >> 12];
  b[p + 3] = HEX[(c >> 8) & 15];
  b[p + 4] = HEX[(c >> 4) & 15];
  b[p + 5] = HEX[c & 15];
  return p + 6;
}

/** An ASCII character that JSON.stringify escapes: '"', '\\' or a control character below 0x20. */
function writeAsciiEscape(c: number, b: Uint8Array, p: number): number {
  let short = 0;
  switch (c) {
    case 34:
      short = 34; // \"
      break;
    case 92:
      short = 92; // \\
      break;
    case 8:
      short = 98; // \b
      break;
    case 9:
      short = 116; // \t
      break;
    case 10:
      short = 110; // \n
      break;
    case 12:
      short = 102; // \f
      break;
    case 13:
      short = 114; // \r
      break;
    default:
      return writeUnicodeEscape(c, b, p);
  }
  b[p] = 92;
  b[p + 1] = short;
  return p + 2;
}

/**
 * Writes JSON.stringify(s) as UTF-8 at b[p]; returns the end. Escapes exactly what JSON.stringify
 * escapes (quote, backslash, controls below 0x20 — short forms for \b \t \n \f \r — and lone
 * surrogates, as \u with lower-case hex); a surrogate pair becomes its 4-byte UTF-8 sequence.
 * Needs maxJsonStringBytes(s.length) bytes of room.
 */
export function writeJsonString(s: string, b: Uint8Array, p: number): number {
  b[p++] = 34;
  const n = s.length;
  // Printable ASCII, the bulk of any export, in the simplest loop (a table lookup per character);
  // the first other character hands over to the general loop.
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || PLAIN_ASCII[c] === 0) break;
    b[p++] = c;
  }
  if (i < n) p = writeStringTail(s, i, b, p);
  b[p] = 34;
  return p + 1;
}

/** 1 for the ASCII characters JSON.stringify writes as they are (0x20–0x7f except '"' and '\\'). */
const PLAIN_ASCII = new Uint8Array(128);
for (let c = 0x20; c < 0x80; c++) PLAIN_ASCII[c] = c === 34 || c === 92 ? 0 : 1;

/** writeJsonString from s[i] on, without the closing quote. */
function writeStringTail(s: string, from: number, b: Uint8Array, p: number): number {
  const n = s.length;
  let i = from;
  while (i < n) {
    let c = s.charCodeAt(i);
    while (c >= 0x20 && c < 0x80 && c !== 34 && c !== 92) {
      b[p++] = c;
      if (++i === n) return p;
      c = s.charCodeAt(i);
    }
    i++;
    if (c < 0x80) {
      p = writeAsciiEscape(c, b, p);
    } else if (c < 0x800) {
      b[p] = 0xc0 | (c >> 6);
      b[p + 1] = 0x80 | (c & 0x3f);
      p += 2;
    } else if (c < 0xd800 || c >= 0xe000) {
      b[p] = 0xe0 | (c >> 12);
      b[p + 1] = 0x80 | ((c >> 6) & 0x3f);
      b[p + 2] = 0x80 | (c & 0x3f);
      p += 3;
    } else {
      const d = c < 0xdc00 && i < n ? s.charCodeAt(i) : 0;
      if (d >= 0xdc00 && d < 0xe000) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        b[p] = 0xf0 | (cp >> 18);
        b[p + 1] = 0x80 | ((cp >> 12) & 0x3f);
        b[p + 2] = 0x80 | ((cp >> 6) & 0x3f);
        b[p + 3] = 0x80 | (cp & 0x3f);
        p += 4;
        i++;
      } else {
        p = writeUnicodeEscape(c, b, p); // a lone surrogate
      }
    }
  }
  return p;
}

/** Writes text known to be ASCII (a number's JSON text from the fallback path). */
function writeAscii(s: string, b: Uint8Array, p: number): number {
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
}

/** Exact powers of ten as doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const TWO_53 = 2 ** 53;

/** How many decimal digits a non-negative integer below 10^16 has (a comparison tree: a loop over a table cost 3×). */
function digitCount(m: number): number {
  if (m < 1e8) {
    if (m < 1e4) {
      if (m < 100) return m < 10 ? 1 : 2;
      return m < 1000 ? 3 : 4;
    }
    if (m < 1e6) return m < 1e5 ? 5 : 6;
    return m < 1e7 ? 7 : 8;
  }
  if (m < 1e12) {
    if (m < 1e10) return m < 1e9 ? 9 : 10;
    return m < 1e11 ? 11 : 12;
  }
  if (m < 1e14) return m < 1e13 ? 13 : 14;
  return m < 1e15 ? 15 : 16;
}

/**
 * The digits of a non-negative integer m below 2^53 into b[p, p + len), the last `fractionDigits`
 * of them after a decimal point at `dot` (or no point when dot < 0). Integer arithmetic where it fits
 * in 31 bits (V8 turns the division by 10 into a multiplication), doubles above.
 */
function writeDigitsBackwards(m: number, b: Uint8Array, last: number, first: number, dot: number): void {
  let q = m;
  let k = last;
  while (q >= 2147483648) {
    if (k === dot) b[k--] = 46;
    const next = Math.floor(q / 10);
    b[k--] = 48 + (q - next * 10);
    q = next;
  }
  let r = q | 0;
  for (; k >= first; k--) {
    if (k === dot) {
      b[k] = 46;
      continue;
    }
    const next = (r / 10) | 0;
    b[k] = 48 + (r - next * 10);
    r = next;
  }
}

/**
 * Writes JSON.stringify(d) at b[p] (non-finite → null, -0 → 0); returns the end. The shortest
 * round-trip text that Number#toString computes is found without it for the usual cases:
 *
 * - an integer below 2^53 in magnitude: its digits (every such integer prints exactly);
 * - otherwise, when 1e-6 ≤ |d| and, for the smallest p ≥ 1 (found at p = 6 first, see below), m = round(|d|·10^p) is below 10^15 and
 *   m / 10^p === |d|: the decimal m·10^-p. That decimal converts back to d (the division of two
 *   exact doubles is correctly rounded, the same result as parsing its text), and it is the text
 *   toString prints: decimals of at most 15 significant digits map to distinct doubles (DBL_DIG = 15),
 *   so the shortest round-trip decimal — which has no more digits — is this same number, and m has
 *   no trailing zero (checked) so the digits match too. No smaller p is missed: had one a candidate
 *   m', |d|·10^p' would be within far less than 0.5 of m' (below 10^15), so rounding finds it.
 *   Fixed notation holds for 1e-6 ≤ |d| < 1e21.
 *
 * Anything else (more than 15 significant digits, exponents) takes String(d).
 */
export function writeJsonNumber(d: number, b: Uint8Array, p: number): number {
  let a = d;
  if (a < 0) {
    a = -a;
    b[p++] = 45;
  }
  if (Number.isInteger(a)) {
    if (a < TWO_53) {
      const len = digitCount(a);
      writeDigitsBackwards(a, b, p + len - 1, p, -1);
      return p + len;
    }
  } else if (a >= 1e-6 && a < 1e15) {
    // Most values have at most 6 decimals: one look at scale 10^6 finds them (a candidate at a smaller
    // scale is one here too, with trailing zeros, which are then dropped: the same number, fewer digits).
    let first = 1;
    if (a < 1e9) {
      const x = a * 1e6;
      const m = Math.round(x);
      if (x - m <= x * 1e-9 && m - x <= x * 1e-9 && m / 1e6 === a) {
        // Whole part and six fraction digits as 32-bit integers (cheap division by 10, no fmod).
        // floor(a) is floor(m / 10^6): below 10^9 a double is finer than 10^-6, so rounding the
        // quotient cannot cross a whole number.
        const whole = Math.floor(a);
        let fraction = (m - whole * 1e6) | 0;
        let k = 6;
        for (let tenth = (fraction / 10) | 0; tenth * 10 === fraction; tenth = (fraction / 10) | 0) {
          fraction = tenth;
          k--;
        }
        const wholeLen = digitCount(whole);
        writeDigitsBackwards(whole, b, p + wholeLen - 1, p, -1);
        p += wholeLen;
        b[p++] = 46;
        const fractionLen = digitCount(fraction);
        for (let z = k - fractionLen; z > 0; z--) b[p++] = 48;
        writeDigitsBackwards(fraction, b, p + fractionLen - 1, p, -1);
        return p + fractionLen;
      }
      first = 7;
    }
    for (let k = first; k <= 21; k++) {
      const scale = POW10[k];
      const x = a * scale;
      const m = Math.round(x);
      if (m >= 1e15) break;
      // A candidate's product lies within a few ulps of m; the (slow) division only checks those.
      if (x - m <= x * 1e-9 && m - x <= x * 1e-9 && m / scale === a) {
        if (Math.floor(m / 10) * 10 === m) break; // a trailing zero: not the shortest text after all
        return writeDecimal(m, k, b, p);
      }
    }
  }
  // NaN and ±Infinity are "null" in JSON; the sign written above belongs to no number then.
  if (a !== a || a === Infinity) return writeAscii('null', b, d < 0 ? p - 1 : p);
  return writeAscii(String(a), b, p);
}

/** The whole number m with its last `fractionDigits` digits after a decimal point ("0.00m" when needed). */
function writeDecimal(m: number, fractionDigits: number, b: Uint8Array, p: number): number {
  const len = digitCount(m);
  if (len <= fractionDigits) {
    b[p++] = 48;
    b[p++] = 46;
    for (let z = fractionDigits - len; z > 0; z--) b[p++] = 48;
    writeDigitsBackwards(m, b, p + len - 1, p, -1);
    return p + len;
  }
  const end = p + len + 1;
  writeDigitsBackwards(m, b, end - 1, p, end - 1 - fractionDigits);
  return end;
}
