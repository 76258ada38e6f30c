/**
 * Turning the raw characters between XML tags (or inside an attribute value) into the text they
 * stand for, as an XML parser would: the five predefined entities, numeric character references,
 * CDATA sections, and end-of-line normalisation (CR LF and lone CR become LF, XML 1.0 §2.11).
 * `xml:space="preserve"` needs nothing here: whitespace is never trimmed.
 *
 * OOXML adds its own escape for characters XML cannot carry (ST_Xstring, `_xHHHH_`, e.g. `_x000D_`
 * for a carriage return); decodeOoxmlEscapes undoes it for cell text.
 */

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes `raw[start, end)`; the common case (nothing to decode) is a plain slice. */
export function decodeXmlText(raw: string, start = 0, end = raw.length): string {
  const text = start === 0 && end === raw.length ? raw : raw.slice(start, end);
  if (text.indexOf('&') < 0 && text.indexOf('\r') < 0 && text.indexOf('<') < 0) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const amp = nextSpecial(text, i);
    if (amp < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, amp);
    const ch = text.charCodeAt(amp);
    if (ch === 13 /* \r */) {
      out += '\n';
      i = text.charCodeAt(amp + 1) === 10 ? amp + 2 : amp + 1;
    } else if (ch === 60 /* < */) {
      if (text.startsWith('<![CDATA[', amp)) {
        const close = text.indexOf(']]>', amp + 9);
        const stop = close < 0 ? text.length : close;
        out += text.slice(amp + 9, stop).replace(/\r\n?/g, '\n');
        i = close < 0 ? text.length : close + 3;
      } else {
        // Markup inside text (a comment or processing instruction) contributes no characters.
        const close = text.indexOf('>', amp);
        i = close < 0 ? text.length : close + 1;
      }
    } else {
      const semi = text.indexOf(';', amp + 1);
      const decoded = semi < 0 || semi - amp > 12 ? undefined : decodeReference(text.slice(amp + 1, semi));
      if (decoded === undefined) {
        out += '&'; // not a reference: keep the ampersand literally (lenient, as sloppy writers exist)
        i = amp + 1;
      } else {
        out += decoded;
        i = semi + 1;
      }
    }
  }
  return out;
}

function nextSpecial(text: string, from: number): number {
  let best = -1;
  for (const c of ['&', '\r', '<']) {
    const at = text.indexOf(c, from);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/** `amp`, `#38`, `#x26` → the character; undefined for an unknown name or an invalid code point. */
function decodeReference(body: string): string | undefined {
  if (body.charCodeAt(0) !== 35 /* # */) return NAMED[body];
  const hex = body.charCodeAt(1) === 120 /* x */ || body.charCodeAt(1) === 88; /* X */
  const digits = body.slice(hex ? 2 : 1);
  if (digits.length === 0 || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const code = parseInt(digits, hex ? 16 : 10);
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

const OOXML_ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

/** `_x000D_` → "\r" etc. (`_x005F_` escapes the underscore itself, so `_x005F_x0041_` → `_x0041_`). */
export function decodeOoxmlEscapes(text: string): string {
  if (text.indexOf('_x') < 0) return text;
  return text.replace(OOXML_ESCAPE, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
