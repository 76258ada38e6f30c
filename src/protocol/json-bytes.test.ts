import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_NUMBER_BYTES, maxJsonStringBytes, writeJsonNumber, writeJsonString } from './json-bytes.js';

/** The bytes the encoder writes for `value`, next to the bytes of JSON.stringify(value). */
function bytesOfString(s: string): { actual: Buffer; expected: Buffer } {
  const b = Buffer.alloc(maxJsonStringBytes(s.length) + 8, 0xff);
  const end = writeJsonString(s, b, 3);
  return { actual: b.subarray(3, end), expected: Buffer.from(JSON.stringify(s), 'utf8') };
}

function bytesOfNumber(d: number): { actual: string; expected: string } {
  const b = Buffer.alloc(MAX_NUMBER_BYTES + 8, 0xff);
  const end = writeJsonNumber(d, b, 5);
  expect(end - 5).toBeLessThanOrEqual(MAX_NUMBER_BYTES);
  return { actual: b.toString('latin1', 5, end), expected: JSON.stringify(d) };
}

describe('writeJsonString', () => {
  it.each([
    ['', 'empty'],
    ['plain ascii', 'ascii'],
    ['quote " backslash \\ slash /', 'escapes'],
    ['\b\f\n\r\t\u0000\u0001\u001f\u007f', 'control characters'],
    ['naïve Zürich € ✓ 日本', 'BMP characters'],
    ['emoji 😀 pair', 'surrogate pair'],
    ['lone \ud800 high', 'lone high surrogate'],
    ['lone \udfff low', 'lone low surrogate'],
    ['\udc00\ud800', 'reversed pair'],
    ['end \ud83d', 'high surrogate at the end'],
    ['\u2028\u2029', 'line separators (not escaped by JSON.stringify)'],
  ])('writes exactly JSON.stringify(%j) (%s)', (s) => {
    const { actual, expected } = bytesOfString(s);
    expect(actual.equals(expected)).toBe(true);
  });

  it('matches JSON.stringify byte for byte on random strings (full Unicode, lone surrogates, controls)', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0, max: 0x7ff }),
      fc.integer({ min: 0xd7f0, max: 0xe010 }),
      fc.integer({ min: 0, max: 0xffff }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
        const s = String.fromCharCode(...units);
        const { actual, expected } = bytesOfString(s);
        expect(actual.toString('hex')).toBe(expected.toString('hex'));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const { actual, expected } = bytesOfString(s);
        expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('stays within maxJsonStringBytes', () => {
    const worst = '\u0001'.repeat(10);
    const b = Buffer.alloc(maxJsonStringBytes(worst.length));
    expect(writeJsonString(worst, b, 0)).toBe(b.length);
  });
});

describe('writeJsonNumber', () => {
  it.each([
    0, -0, 1, -1, 7, 10, 100, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 60, 1e15, 1e21, 1e22,
    123456789012345680000, 0.1, 0.2, 0.3, 0.1 + 0.2, 2.05, 4.35, 1.005, 0.5, 0.25, 0.125, -14.92, -0.1492, 874.6191, 246957.45,
    0.000001, 0.0000015, 1e-7, 1.5e-7, 5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON,
    123456789.12345679, 99999999999999.9, 999999999999999.9, 0.9999999999999999, 1.7976931348623157e308, 4.35e-5,
    NaN, Infinity, -Infinity,
  ])('writes exactly JSON.stringify(%d)', (d) => {
    const { actual, expected } = bytesOfNumber(d);
    expect(actual).toBe(expected);
  });

  it('matches JSON.stringify on random doubles of every kind', () => {
    fc.assert(
      fc.property(fc.double(), (d) => {
        const { actual, expected } = bytesOfNumber(d);
        expect(actual).toBe(expected);
      }),
      { numRuns: 50_000 },
    );
  });

  it('matches JSON.stringify on random short decimals, the common case in exports', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 10n ** 17n }),
        fc.integer({ min: 0, max: 20 }),
        (negative, digits, scale) => {
          const d = Number(`${negative ? '-' : ''}${digits}e-${scale}`);
          const { actual, expected } = bytesOfNumber(d);
          expect(actual).toBe(expected);
        },
      ),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 12 }), (n, scale) => {
        const d = n / 10 ** scale; // arithmetic results, not parsed text: rounding noise in the last bits
        const { actual, expected } = bytesOfNumber(d);
        expect(actual).toBe(expected);
        const { actual: a2, expected: e2 } = bytesOfNumber(d * 3);
        expect(a2).toBe(e2);
      }),
      { numRuns: 20_000 },
    );
  });
});
