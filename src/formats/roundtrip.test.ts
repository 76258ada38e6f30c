/**
 * Property: a table written as CSV or TSV (RFC 4180 quoting, random line endings, BOM, quoting
 * style and chunking) parses and types back to exactly the values it was written from.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsonSchema } from '../core/json-schema.js';
import { createRowTyper, parseResult } from './index.js';
import { bodyOf, collectRows } from './test-bodies.js';

type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

const tricky = fc.constantFrom('"', ',', '\t', '\n', '\r', '\r\n', '""', ' ', 'é', '😀', '\uFEFF', 'a', 'Z', '0', '-', '.');
const text = fc.oneof(
  fc.array(tricky, { maxLength: 8 }).map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

function cell(type: ColumnType): fc.Arbitrary<unknown> {
  const value: fc.Arbitrary<unknown> =
    type === 'string'
      ? text
      : type === 'integer'
        ? fc.integer({ min: -1e12, max: 1e12 })
        : type === 'number'
          ? fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n))
          : type === 'boolean'
            ? fc.boolean()
            : fc
                .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
                .map((d) => d.toISOString().slice(0, 10));
  return fc.option(value, { nil: null, freq: 5 });
}

const table = fc
  .array(fc.constantFrom<ColumnType>('string', 'integer', 'number', 'boolean', 'date'), { minLength: 2, maxLength: 6 })
  .chain((types) =>
    fc.record({
      types: fc.constant(types),
      names: fc.tuple(...types.map(() => text)),
      rows: fc.array(fc.tuple(...types.map(cell)), { maxLength: 25 }),
      newline: fc.constantFrom('\n', '\r\n'),
      quoteAll: fc.boolean(),
      bom: fc.boolean(),
      trailingNewline: fc.boolean(),
      chunkSize: fc.integer({ min: 1, max: 64 }),
    }),
  );

function writeField(value: string, delimiter: string, quoteAll: boolean): string {
  const needsQuotes = quoteAll || value.includes('"') || value.includes(delimiter) || value.includes('\n') || value.includes('\r');
  return needsQuotes ? `"${value.replace(/"/g, '""')}"` : value;
}

describe.each([
  ['csv', ','],
  ['tsv', '\t'],
] as const)('%s round trip', (format, delimiter) => {
  it('parses written tables back to the same typed rows', async () => {
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        // A "c<i>:" prefix keeps header names unique and the header from looking like JSON or HTML.
        const header = t.names.map((n, i) => `c${i}:${n}`);
        const lines = [header, ...t.rows.map((r) => r.map((v) => (v === null ? '' : String(v))))].map((fields) =>
          fields.map((f) => writeField(f, delimiter, t.quoteAll)).join(delimiter),
        );
        const content = (t.bom ? '\uFEFF' : '') + lines.join(t.newline) + (t.trailingNewline ? t.newline : '');
        const schema: JsonSchema = {
          type: 'object',
          properties: Object.fromEntries(
            t.types.map((type, i) => [
              `p${i}`,
              type === 'date'
                ? { type: ['null', 'string'], format: 'date', 'x-original-name': header[i] }
                : { type: ['null', type], 'x-original-name': header[i] },
            ]),
          ),
        };
        const typer = createRowTyper({ schema, onCastError: 'fail', fileName: `t.${format}` });
        const raw = await collectRows(parseResult(bodyOf(content, { chunkSize: t.chunkSize }), { format }));
        const typed = raw.map((r, i) => typer.type(r, i + 1));
        const expected = t.rows.map((r) => Object.fromEntries(r.map((v, i) => [`p${i}`, v === '' ? null : v])));
        expect(typed).toEqual(expected);
      }),
      { numRuns: Number(process.env.FORMATS_PROPERTY_RUNS ?? 300) },
    );
  });
});
