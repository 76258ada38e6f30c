import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBooleanText, parseDateText, parseNumberText } from './cells.js';

/**
 * The reference grammar for formatted numbers as a regular expression (how cells.ts first
 * implemented it); the hand-written scanner must accept exactly the same texts with the same values.
 */
const FORMATTED = /^([+-])?\s*(?:[A-Z]{3}\s*|[$€£¥]\s*)?([+-])?\s*(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*(?:[A-Z]{3}|[$€£¥])?\s*(%)?$/;

function reference(text: string): number | undefined {
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
  let s = text.trim().replace(/\u2212/g, '-');
  if (s === '') return undefined;
  let negative = false;
  if (s.length > 2 && s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  const m = FORMATTED.exec(s);
  if (m === null) return undefined;
  const [, outerSign, innerSign, digits, exponent, percent] = m;
  if (outerSign !== undefined && innerSign !== undefined) return undefined;
  const sign = outerSign ?? innerSign;
  if (negative && sign !== undefined) return undefined;
  if (sign === '-') negative = true;
  const exp = (exponent === undefined ? 0 : Number(exponent)) - (percent === undefined ? 0 : 2);
  const value = Number(`${digits.replace(/,/g, '')}e${exp}`);
  if (!Number.isFinite(value)) return undefined;
  return negative ? -value : value;
}

describe('parseNumberText', () => {
  it('agrees with the reference grammar on random number-like text', () => {
    const part = fc.constantFrom('1', '23', '456', '7890', '0', ',', '.', '-', '+', '$', '€', 'USD', 'US', ' ', '(', ')', '%', 'e', 'E', '\u2212', 'x');
    fc.assert(
      fc.property(fc.array(part, { maxLength: 10 }), (parts) => {
        const text = parts.join('');
        const expected = reference(text);
        const actual = parseNumberText(text);
        if (expected === undefined) expect(actual).toBeUndefined();
        else expect(Object.is(actual, expected) || actual === expected).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives exactly Number(text) for plain decimals, including long and tiny ones', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{1,25}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,25}$/), { nil: undefined }),
        (sign, int, frac) => {
          const text = `${sign}${int}${frac === undefined ? '' : `.${frac}`}`;
          expect(Object.is(parseNumberText(text), Number(text))).toBe(true);
          expect(Object.is(parseNumberText(`$${text.replace(/^[-+]/, '')}`), Number(text.replace(/^[-+]/, '')))).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        expect(parseNumberText(String(d))).toBe(d === 0 ? (Object.is(d, -0) ? 0 : 0) : d);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('parseBooleanText', () => {
  it.each([
    ['true', true], ['false', false], ['TRUE', true], [' Yes ', true], ['n', false], ['1', true], ['0', false],
  ])('reads %j', (text, expected) => {
    expect(parseBooleanText(text)).toBe(expected);
  });

  it('does not take Object.prototype members for words', () => {
    for (const text of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '']) {
      expect(parseBooleanText(text)).toBeUndefined();
    }
  });
});

describe('parseDateText', () => {
  it('reorders US dates and rejects impossible ones', () => {
    expect(parseDateText('02/24/2020')).toBe('2020-02-24');
    expect(parseDateText('02/29/2024')).toBe('2024-02-29');
    expect(parseDateText('02/29/2023')).toBeUndefined();
    expect(parseDateText('13/01/2020')).toBeUndefined();
  });
});

describe('parseNumberText percent text', () => {
  it('gives what the formatted-number path gives ("12.34%" is the double nearest 0.1234)', () => {
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{0,17}$/), fc.option(fc.stringMatching(/^[0-9]{0,17}$/), { nil: undefined }), (sign, int, frac) => {
        const text = `${sign}${int}${frac === undefined ? '' : `.${frac}`}%`;
        const expected = reference(text);
        const actual = parseNumberText(text);
        if (expected === undefined) expect(actual).toBeUndefined();
        else expect(Object.is(actual, expected) || actual === expected).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
});
