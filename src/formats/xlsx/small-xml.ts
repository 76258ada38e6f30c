/**
 * A minimal tag iterator for the small parts of a workbook (workbook.xml, relationships,
 * styles.xml), read whole: element names and attributes only, by local name (namespace prefixes
 * dropped: SpreadsheetML is sometimes written with an `x:` prefix). Text content is not reported;
 * comments, processing instructions, CDATA and DOCTYPE are skipped (no entity expansion beyond the
 * predefined ones, so no external entities).
 */
import { decodeXmlText } from './xml-text.js';

export interface XmlTag {
  /** Local name, e.g. "sheet" for `<x:sheet>`. */
  name: string;
  /** 'open' `<a>`, 'close' `</a>`, 'empty' `<a/>`. */
  kind: 'open' | 'close' | 'empty';
  /** Attribute values by local name (`r:id` → `id`), entities decoded. */
  attrs: Record<string, string>;
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function* xmlTags(xml: string): Generator<XmlTag> {
  let i = 0;
  for (;;) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) return;
    if (xml.startsWith('<!--', lt)) {
      i = skipPast(xml, '-->', lt + 4);
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      i = skipPast(xml, ']]>', lt + 9);
      continue;
    }
    if (xml.startsWith('<?', lt)) {
      i = skipPast(xml, '?>', lt + 2);
      continue;
    }
    if (xml.startsWith('<!', lt)) {
      i = skipPast(xml, '>', lt + 2); // DOCTYPE without an internal subset is all that is tolerated
      continue;
    }
    const gt = tagEnd(xml, lt + 1);
    if (gt < 0) return;
    i = gt + 1;
    const closing = xml.charCodeAt(lt + 1) === 47; /* / */
    const empty = !closing && xml.charCodeAt(gt - 1) === 47;
    const body = xml.slice(closing ? lt + 2 : lt + 1, empty ? gt - 1 : gt);
    const nameEnd = body.search(/[\s]/);
    const qname = nameEnd < 0 ? body : body.slice(0, nameEnd);
    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    if (!closing && nameEnd >= 0) {
      for (const m of body.slice(nameEnd).matchAll(ATTRIBUTE)) attrs[localName(m[1])] = decodeXmlText(m[2] ?? m[3] ?? '');
    }
    yield { name: localName(qname), kind: closing ? 'close' : empty ? 'empty' : 'open', attrs };
  }
}

export function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function skipPast(xml: string, terminator: string, from: number): number {
  const at = xml.indexOf(terminator, from);
  return at < 0 ? xml.length : at + terminator.length;
}

/** The `>` closing a tag opened before `from`, skipping quoted attribute values (they may hold `>`). */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return i;
  }
  return -1;
}
