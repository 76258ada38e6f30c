import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { charsetOf, createTextDecoder, firstInvalidUtf8, type TextDecodingOptions } from './text-decoding.js';

/** Decodes `bytes` cut into the given chunk sizes. */
function decodeAll(bytes: Buffer, options: Partial<TextDecodingOptions> = {}, cuts: number[] = []): string {
  const decoder = createTextDecoder({ fileName: 'f.csv', ...options });
  let text = '';
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    const end = Math.min(bytes.length, Math.max(at, cut));
    text += decoder.decode(bytes.subarray(at, end));
    at = end;
  }
  return text + decoder.end();
}

const cp1252 = (text: string): Buffer => Buffer.from(new TextEncoder().encode(text).length === text.length ? text : [...text].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0))));

describe('result text decoding', () => {
  it('reads UTF-8, also when a character is cut across chunks', () => {
    const bytes = Buffer.from('id,name\n1,Société Générale\n2,€ 10\n', 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) expect(decodeAll(bytes, {}, [cut])).toBe('id,name\n1,Société Générale\n2,€ 10\n');
  });

  it('reads a body that is not UTF-8 and declares no charset as Windows-1252, with a warning naming the file; two names stay two', () => {
    const warnings: string[] = [];
    const bytes = cp1252('name\nSociété\nSociètè\n€uro\n');
    const text = decodeAll(bytes, { onWarning: (m) => warnings.push(m) }, [3, 9]);
    expect(text).toBe('name\nSociété\nSociètè\n€uro\n');
    expect(text).not.toContain('\uFFFD');
    expect(warnings).toEqual(['f.csv is not valid UTF-8 (first at byte 9: 0xE9) and its Content-Type declares no charset: read as Windows-1252']);
  });

  it('refuses it when on_invalid_utf8 is fail, naming the file and byte', () => {
    expect(() => decodeAll(cp1252('a\nSociété\n'), { onInvalidUtf8: 'fail' })).toThrow(/^f\.csv, byte 6: is not valid UTF-8 \(byte 0xE9\) and its Content-Type declares no charset/);
  });

  it('refuses a body that mixes valid UTF-8 with bytes that are not', () => {
    const mixed = Buffer.concat([Buffer.from('a\nSociété\n', 'utf8'), Buffer.from([0x53, 0xe9, 0x0a])]);
    expect(() => decodeAll(mixed)).toThrow(/mixes encodings/);
  });

  it('honours a declared charset strictly', () => {
    expect(decodeAll(cp1252('Sociètè'), { contentType: 'text/csv; charset=windows-1252' })).toBe('Sociètè');
    expect(decodeAll(Buffer.from('Soci\u00e9t\u00e9', 'latin1'), { contentType: 'text/csv; charset="ISO-8859-1"' })).toBe('Société');
    expect(() => decodeAll(cp1252('Société'), { contentType: 'text/csv; charset=utf-8' })).toThrow(/is not valid UTF-8 \(the charset its Content-Type declares\)/);
    expect(() => decodeAll(Buffer.from('x'), { contentType: 'text/csv; charset=klingon-1' })).toThrow(/declares the charset "klingon-1", which jobtap cannot decode/);
    expect(charsetOf('application/json')).toBeUndefined();
  });

  it('finds the first invalid byte exactly as the native validator judges the whole', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (arr) => {
        const bytes = Buffer.from(arr);
        const at = firstInvalidUtf8(bytes);
        const valid = Buffer.from(new TextDecoder('utf-8', { fatal: false }).decode(bytes)).equals(bytes);
        expect(at === bytes.length).toBe(valid);
      }),
    );
  });
});
