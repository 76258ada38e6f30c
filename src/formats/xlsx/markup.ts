/**
 * Pieces shared by the streaming scanners of the large SpreadsheetML parts (sheet, shared strings):
 * the namespace prefix of the document (SpreadsheetML is mostly written unprefixed, but some
 * writers use `<x:worksheet xmlns:x=...>`, and then every element carries the prefix), the tag
 * needles built from it, and the rich-text reader for `<si>` / `<is>` contents (CT_Rst).
 *
 * The scanners search plain strings with indexOf: far faster in V8 than a general XML tokenizer,
 * and enough for these machine-written parts whose attribute values never contain `<` or `>`.
 */
import { decodeOoxmlEscapes, decodeXmlText } from './xml-text.js';

/**
 * The prefix (with its colon, or '') of the document element, once `text` holds its complete name;
 * undefined while it does not yet. Skips the XML declaration, comments, a BOM and whitespace.
 */
export function documentPrefix(text: string): string | undefined {
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0 || lt + 1 >= text.length) return undefined;
    const next = text.charCodeAt(lt + 1);
    if (next === 63 /* ? */ || next === 33 /* ! */) {
      const close = text.indexOf(next === 63 ? '?>' : '>', lt + 2);
      if (close < 0) return undefined;
      i = close + 1;
      continue;
    }
    let end = lt + 1;
    while (end < text.length && !isNameEnd(text.charCodeAt(end))) end++;
    if (end >= text.length) return undefined;
    const name = text.slice(lt + 1, end);
    const colon = name.indexOf(':');
    return colon < 0 ? '' : name.slice(0, colon + 1);
  }
}

/** Whitespace, `>` or `/`: what may follow an element name in a tag. */
export function isNameEnd(c: number): boolean {
  return c === 32 || c === 62 || c === 47 || c === 9 || c === 10 || c === 13;
}

/**
 * Finds `needle` (an element's `<name`) at or after `from` and before `limit`, followed by a name
 * end (or the end of the text). Steps from tag to tag rather than searching for the needle, so a
 * needle that is absent costs the length of the range, not of the rest of the text.
 */
export function findTag(text: string, needle: string, from: number, limit: number): number {
  for (let at = text.indexOf('<', from); at >= 0 && at < limit; at = text.indexOf('<', at + 1)) {
    if (!text.startsWith(needle, at)) continue;
    const after = at + needle.length;
    if (after >= text.length || isNameEnd(text.charCodeAt(after))) return at;
  }
  return -1;
}

export interface RichTextNeedles {
  t: string;
  tClose: string;
  rPh: string;
  rPhClose: string;
}

export function richTextNeedles(prefix: string): RichTextNeedles {
  return { t: `<${prefix}t`, tClose: `</${prefix}t>`, rPh: `<${prefix}rPh`, rPhClose: `</${prefix}rPh>` };
}

/**
 * The text of a CT_Rst element's content `text[from, to)`: every `<t>` joined (plain `<t>` or the
 * runs `<r><t>`), phonetic runs (`<rPh>`, furigana) left out, entities and `_xHHHH_` decoded.
 */
export function richText(text: string, from: number, to: number, n: RichTextNeedles): string {
  let out = '';
  let p = from;
  for (;;) {
    const t = findTag(text, n.t, p, to);
    if (t < 0) return out;
    const rPh = findTag(text, n.rPh, p, t);
    if (rPh >= 0) {
      const close = text.indexOf(n.rPhClose, rPh);
      p = close < 0 || close >= to ? to : close + n.rPhClose.length;
      continue;
    }
    const gt = text.indexOf('>', t);
    if (gt < 0 || gt >= to) return out;
    if (text.charCodeAt(gt - 1) === 47 /* / */) {
      p = gt + 1; // <t/>: empty
      continue;
    }
    const close = text.indexOf(n.tClose, gt);
    const end = close < 0 || close > to ? to : close;
    out += decodeOoxmlEscapes(decodeXmlText(text, gt + 1, end));
    p = end + n.tClose.length;
  }
}
