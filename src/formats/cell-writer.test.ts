/**
 * The byte path (parseDelimitedCells + createCellRowWriter) against the string path it replaces
 * (parseDelimited + createRowTyper + JSON.stringify): for generated files — every cell format the
 * casters read, quoting, line endings, BOM, chunking, unusual quoting that hands over to papaparse,
 * ragged rows, cells that do not fit — the same JSON bytes per row, or the same error.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsonSchema } from '../core/json-schema.js';
import { parseDelimitedCells } from './csv-cells.js';
import { parseDelimited } from './csv.js';
import { createCellRowWriter, NEEDS_ROOM } from './cell-writer.js';
import { createRowTyper } from './typer.js';
import { inferSchema } from './infer.js';
import type { CastErrorPolicy, RawRow } from './types.js';

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

type Outcome = { rows: string[]; error?: undefined } | { rows: string[]; error: string };

async function stringPath(bytes: Buffer, delimiter: ',' | '\t', schema: JsonSchema | undefined, onCastError: CastErrorPolicy, batchSize: number, chunk: number): Promise<Outcome & { failures: number }> {
  const rows: string[] = [];
  let typer: ReturnType<typeof createRowTyper> | undefined;
  let n = 0;
  try {
    for await (const batch of parseDelimited(chunked(bytes, chunk), { delimiter, fileName: 'f.csv', batchSize })) {
      typer ??= createRowTyper({ schema: schema ?? inferSchema(batch), onCastError, fileName: 'f.csv' });
      for (const raw of batch) rows.push(JSON.stringify(typer.type(raw, ++n)));
    }
    return { rows, failures: typer?.castFailures ?? 0 };
  } catch (err) {
    return { rows, error: (err as Error).message, failures: typer?.castFailures ?? 0 };
  }
}

async function bytePath(bytes: Buffer, delimiter: ',' | '\t', schema: JsonSchema | undefined, onCastError: CastErrorPolicy, batchSize: number, chunk: number): Promise<Outcome & { failures: number }> {
  const rows: string[] = [];
  let writer: ReturnType<typeof createCellRowWriter> | undefined;
  let out = Buffer.alloc(64);
  try {
    for await (const batch of parseDelimitedCells(chunked(bytes, chunk), { delimiter, fileName: 'f.csv', batchSize })) {
      if (writer === undefined) {
        const sampleSchema = schema ?? inferSchema(batch.rawRows((f) => Object.fromEntries(batch.header.map((h, i) => [h, f[i]]))));
        writer = createCellRowWriter({ schema: sampleSchema, onCastError, fileName: 'f.csv', header: batch.header });
        if (writer === undefined) throw new Error('no writer');
      }
      for (let r = 0; r < batch.rowCount; r++) {
        let end = writer.write(batch, r, out, 0);
        while (end === NEEDS_ROOM) {
          out = Buffer.alloc(out.length * 2);
          end = writer.write(batch, r, out, 0);
        }
        rows.push(out.toString('utf8', 0, end));
      }
    }
    return { rows, failures: writer?.castFailures ?? 0 };
  } catch (err) {
    return { rows, error: (err as Error).message, failures: writer?.castFailures ?? 0 };
  }
}

/**
 * Same rows and same error. When both fail, the rows each emitted before failing may differ in
 * number (the string reader parses 64 Ki characters at a time, the byte reader record by record),
 * but both are the file's first rows.
 */
function expectSameOutcome(actual: Outcome & { failures: number }, expected: Outcome & { failures: number }): void {
  expect(actual.error === undefined).toBe(expected.error === undefined);
  if (actual.error !== expected.error) {
    // Both fail: the string reader parses 64 Ki characters before typing any of their rows, so of a
    // cast error and a later malformed record it reports the later one; the byte reader reports
    // problems in file order. Anything else must be the same error.
    const rowOf = (m: string): number => Number(/, row (\d+)/.exec(m)?.[1] ?? Infinity);
    expect(rowOf(actual.error!), `${actual.error} vs ${expected.error}`).toBeLessThan(rowOf(expected.error!));
    expect(expected.error).toMatch(/malformed|field/);
  }
  if (expected.error === undefined) {
    expect(actual).toEqual(expected);
    return;
  }
  const shorter = Math.min(actual.rows.length, expected.rows.length);
  expect(actual.rows.slice(0, shorter)).toEqual(expected.rows.slice(0, shorter));
}

// Cells in the shapes exports write them, and some that only the casters read.
const numberCell = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 99 }), fc.boolean(), fc.constantFrom('', '$', '-$', '(', '($')).map(([whole, cents, comma, prefix]) => {
    const int = comma ? whole.toLocaleString('en-US') : String(whole);
    const body = `${int}.${String(cents).padStart(2, '0')}`;
    return prefix.startsWith('(') ? `${prefix}${body})` : `${prefix}${body}`;
  }),
  fc.tuple(fc.integer({ min: -9999, max: 9999 }), fc.integer({ min: 0, max: 3 })).map(([n, d]) => `${(n / 10 ** d).toFixed(d)}%`),
  fc.constantFrom('0', '-0', '-0.00', '(0)', '0.000001', '0.0000001', '1e21', '1200', '100%', '12.', '.5', '+5', '007', '1,234', '1234,567', '1,23', '12345678901234567890', '123456789012345', '1234567890123456', ' 12 ', 'n/a', '', '1e5', '$', '-', '(12%)', '99999999999999999999999'),
);
const dateCell = fc.oneof(
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => {
    const iso = d.toISOString();
    return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
  }),
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')),
  fc.constantFrom('2024-02-30', '02/30/2024', '2024-13-01', '2024/1/5', '1/5/2024', '2024-01-05 10:00', '2024-01-05T10:00:00.5+02:00', '2024-01-05T25:00:00Z', 'soon'),
);
const tricky = fc.constantFrom('"', ',', '\t', '\n', '\r', '""', ' ', 'é', '😀', '\u0001', '\\', '\u2028', 'a', 'Z', '0', '-', '.');
const textCell = fc.oneof(fc.array(tricky, { maxLength: 6 }).map((p) => p.join('')), fc.string({ unit: 'grapheme', maxLength: 10 }));
const boolCell = fc.constantFrom('true', 'false', 'TRUE', 'yes', 'n', '1', '0', ' true', 'maybe');
const anyCell = fc.oneof(numberCell, dateCell, textCell, boolCell);

type Kind = 'number' | 'date' | 'text' | 'bool' | 'any';
const cellOf: Record<Kind, fc.Arbitrary<string>> = { number: numberCell, date: dateCell, text: textCell, bool: boolCell, any: anyCell };

const schemaTypes = fc.constantFrom<JsonSchema | 'infer'>(
  'infer',
  { type: ['null', 'integer'] },
  { type: ['null', 'number'] },
  { type: ['null', 'boolean'] },
  { type: ['null', 'string'], format: 'date' },
  { type: ['null', 'string'], format: 'date-time' },
  { type: ['null', 'string'] },
  { type: ['null', 'number', 'string'] },
  { type: ['null', 'object'] },
);

function field(value: string, delimiter: string, quote: 'minimal' | 'all'): string {
  const needs = quote === 'all' || value.includes('"') || value.includes(delimiter) || value.includes('\n') || value.includes('\r');
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

const file = fc
  .array(fc.constantFrom<Kind>('number', 'date', 'text', 'bool', 'any'), { minLength: 1, maxLength: 5 })
  .chain((kinds) =>
    fc.record({
      kinds: fc.constant(kinds),
      names: fc.tuple(...kinds.map(() => fc.oneof(textCell, fc.constantFrom('Amount', 'TWR %', '2024', 'id', 'Trade Date', '__proto__', 'a', 'a')))),
      types: fc.tuple(...kinds.map(() => schemaTypes)),
      rows: fc.array(fc.tuple(...kinds.map((k) => cellOf[k])), { maxLength: 30 }),
      newline: fc.constantFrom('\n', '\r\n', '\r'),
      quote: fc.constantFrom<'minimal' | 'all'>('minimal', 'all'),
      bom: fc.boolean(),
      trailing: fc.constantFrom('', 'newline', 'blank lines'),
      damage: fc.constantFrom('none', 'none', 'none', 'ragged', 'space after quote', 'open quote', 'blank line'),
      damageAt: fc.nat(),
      chunk: fc.integer({ min: 1, max: 97 }),
      batchSize: fc.integer({ min: 1, max: 8 }),
      onCastError: fc.constantFrom<CastErrorPolicy>('fail', 'null'),
    }),
  );

describe.each([
  ['csv', ','],
  ['tsv', '\t'],
] as const)('the %s byte path', (_format, delimiter) => {
  it('writes the same JSON as the string path, row for row, or fails the same way', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (f) => {
        const lines = [f.names.map((n) => field(n, delimiter, f.quote)).join(delimiter)];
        for (const row of f.rows) lines.push(row.map((c) => field(c, delimiter, f.quote)).join(delimiter));
        if (f.rows.length > 0 && f.damage !== 'none') {
          const at = 1 + (f.damageAt % f.rows.length);
          if (f.damage === 'ragged') lines[at] += `${delimiter}extra`;
          if (f.damage === 'space after quote') lines[at] = `"x" ${delimiter}${lines[at]}`.slice(0, lines[at]!.length + 5);
          if (f.damage === 'open quote') lines[at] = `"${lines[at]}`;
          if (f.damage === 'blank line') lines.splice(at, 0, '');
        }
        let text = lines.join(f.newline);
        if (f.trailing === 'newline') text += f.newline;
        if (f.trailing === 'blank lines') text += f.newline + f.newline + f.newline;
        const bytes = Buffer.from((f.bom ? '\uFEFF' : '') + text, 'utf8');
        const inferred = f.types.every((t) => t === 'infer');
        const schema: JsonSchema | undefined = inferred
          ? undefined
          : { type: 'object', properties: Object.fromEntries(f.types.map((t, i) => [`c${i}`, { ...(t === 'infer' ? { type: ['null', 'string'] } : t), 'x-original-name': f.names[i] }])) as Record<string, JsonSchema> };
        const expected = await stringPath(bytes, delimiter, schema, f.onCastError, f.batchSize, f.chunk);
        const actual = await bytePath(bytes, delimiter, schema, f.onCastError, f.batchSize, f.chunk);
        if (actual.error === 'no writer') return; // a "__proto__" column: the caller keeps the string path
        expectSameOutcome(actual, expected);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) },
    );
  }, 120_000);
});

describe('the byte path on fixed cases', () => {
  it('reads numbers the way the caster does', async () => {
    const cells = ['1234.50', '$1,234.50', '(12.00)', '-12.5%', '0.000001', '1200', '100%', '-0.00', '007', '1e5', ' 3 ', '12345678901234567'];
    const csv = `v\n${cells.map((c) => (c.includes(',') ? `"${c}"` : c)).join('\n')}\n`;
    const schema: JsonSchema = { type: 'object', properties: { v: { type: ['null', 'number'] } } };
    const expected = await stringPath(Buffer.from(csv), ',', schema, 'null', 1000, 1000);
    const actual = await bytePath(Buffer.from(csv), ',', schema, 'null', 1000, 1000);
    expectSameOutcome(actual, expected);
    expect(actual.rows).toContain('{"v":1234.5}');
    expect(actual.rows).toContain('{"v":-0.125}');
  });

  it('hands unusual quoting over to papaparse from that record on', async () => {
    const csv = 'a,b\n1,"x"\n2,"y" \n3,z\n';
    const actual = await bytePath(Buffer.from(csv), ',', undefined, 'fail', 1000, 4);
    const expected = await stringPath(Buffer.from(csv), ',', undefined, 'fail', 1000, 4);
    expectSameOutcome(actual, expected);
    expect(actual.rows).toHaveLength(3);
  });

  it('keeps raw rows for inference equal to the string reader', async () => {
    const csv = 'ID,2024,Name\n1,"a ""q""",x\n';
    const cells: RawRow[] = [];
    for await (const batch of parseDelimitedCells(chunked(Buffer.from(csv), 3), { delimiter: ',', fileName: 'f', batchSize: 10 })) {
      cells.push(...batch.rawRows((fields) => Object.fromEntries(batch.header.map((h, i) => [h, fields[i]]))));
    }
    const strings: RawRow[] = [];
    for await (const batch of parseDelimited(chunked(Buffer.from(csv), 3), { delimiter: ',', fileName: 'f', batchSize: 10 })) strings.push(...batch);
    expect(cells).toEqual(strings);
  });
});
