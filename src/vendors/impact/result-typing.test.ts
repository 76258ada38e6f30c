/**
 * The fast path of a result file (cells written as records, FileRowTyper.encode) against the rows
 * path it stands in for (raw rows typed as objects, FileRowTyper.toRecords + JSON.stringify), for
 * generated JSON documents: keys that change from row to row, escapes, every kind of value, nested
 * values, big integers, whitespace, BOM, chunking, and documents the scanner hands over to the
 * token reader (a key twice, broken syntax, truncation). Same record bytes, or both fail alike.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseResultBatches, type ParsedBatch } from '../../formats/index.js';
import { rowFactory } from '../../formats/csv.js';
import type { CastErrorPolicy } from '../../formats/types.js';
import { FileRowTyper, type EnvelopeFields } from './result-typing.js';

const FIELDS: EnvelopeFields = [['job_id', 'J1'], ['report_id', undefined]];

function chunked(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

interface Outcome {
  records: string[];
  error?: string;
  failures: number;
}

async function run(bytes: Buffer, cells: boolean, batchSize: number, chunk: number, onCastError: CastErrorPolicy): Promise<Outcome> {
  const typer = new FileRowTyper('f.json', onCastError);
  const records: string[] = [];
  const failures = (): number => {
    let n = 0;
    typer.reportCastFailures({ warn: (m: string) => (n = Number(/(\d+) cell/.exec(m)?.[1] ?? 0)) } as never);
    return n;
  };
  let rowNumber = 1;
  try {
    const body = { stream: chunked(bytes, chunk), fileName: 'f.json', contentType: 'application/json' };
    const batches: AsyncIterable<ParsedBatch> = parseResultBatches(body, { format: 'json', batchSize, cells });
    for await (const batch of batches) {
      if (batch.kind === 'rows') {
        for (const r of typer.toRecords(batch.rows, rowNumber, FIELDS)) records.push(JSON.stringify(r));
        rowNumber += batch.rows.length;
        continue;
      }
      const count = batch.cells.reduce((n, run) => n + run.rowCount, 0);
      const encoded = typer.encode(batch.cells, rowNumber, FIELDS);
      if (encoded === undefined) {
        const rows = batch.cells.flatMap((run) => run.rawRows(rowFactory(run.header)));
        for (const r of typer.toRecords(rows, rowNumber, FIELDS)) records.push(JSON.stringify(r));
      } else {
        expect(encoded.count).toBe(count);
        let start = 0;
        for (let i = 0; i < encoded.count; i++) {
          records.push(Buffer.from(encoded.bytes.subarray(start, encoded.ends[i])).toString('utf8'));
          start = encoded.ends[i]!;
        }
      }
      rowNumber += count;
    }
    return { records, failures: failures() };
  } catch (err) {
    return { records, error: (err as Error).message, failures: failures() };
  }
}

/**
 * Same records; when both fail, the same kind of error (positions differ: the readers slice the
 * text differently) after a prefix of the rows. The token reader reads a whole slice of text before
 * any of its rows is typed, so of a cell that does not fit and a later syntax error it reports the
 * later one, and the other way round when it was handed the rest of the document in one piece.
 */
function expectSame(actual: Outcome, expected: Outcome): void {
  expect(actual.error === undefined, `fast: ${actual.error} / rows: ${expected.error}`).toBe(expected.error === undefined);
  if (expected.error === undefined) {
    expect(actual).toEqual(expected);
    return;
  }
  const kind = (m: string): string => m.replace(/\d+/g, 'N').replace(/between bytes N and N: .*/, 'invalid JSON').replace(/: .*$/s, '');
  if (kind(actual.error!) !== kind(expected.error!)) {
    // Which of the two is met first depends on how much text each reader had read (chunking).
    expect([actual.error, expected.error].filter((m) => /cannot cast/.test(m!))).toHaveLength(1);
  }
  const n = Math.min(actual.records.length, expected.records.length);
  expect(actual.records.slice(0, n)).toEqual(expected.records.slice(0, n));
}

const KEYS = ['ID', 'Name', 'Amount', 'Active', 'Date', 'When', '1', '0', 'a"b', 'é', 'Note'];

const stringValue = fc.oneof(
  fc.constantFrom('', ' ', 'plain', 'Société', 'tab\there', 'line\nbreak', 'quote"q', 'back\\slash', '\u0001', '\ud800', '😀', 'true', 'no', '12', '1,234.50', '$5', '(3.00)', '12.5%', '2024-02-29', '02/29/2024', '2024-02-30', '2024-01-05T10:00:00Z', '2024-01-05 10:00', '{"a":1}', '[1]', '__proto__'),
  fc.string({ maxLength: 6 }),
);
/** A JSON string's text: JSON.stringify, or the same string with \u escapes (other escaping, same value). */
const stringText = fc.tuple(stringValue, fc.boolean()).map(([s, uEscapes]) =>
  uEscapes ? `"${[...s].map((ch) => (ch === '"' || ch === '\\' || ch < ' ' || ch > '~' ? [...ch].map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('') : ch)).join('')}"` : JSON.stringify(s),
);
const numberText = fc.oneof(
  fc.constantFrom('0', '-0', '1', '12', '-5', '1.5', '1.50', '0.10', '100', '1e3', '1E-7', '2.5e+2', '123456789012345', '1234567890123456', '9007199254740993', '-9007199254740993', '0.000001', '0.0000001', '1e21', '123456789012345678901234'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);
const leaf = fc.oneof(stringText, numberText, fc.constantFrom('true', 'false', 'null'));
const nested = fc.oneof(
  fc.array(leaf, { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
  fc.array(fc.tuple(fc.constantFrom('x', 'y', '__proto__', '2'), leaf), { maxLength: 3 }).map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
);
const ws = fc.constantFrom('', '', '', ' ', '\n', '\r\n  ', '\t');

/** One element: a key list drawn from a few shapes (so runs form), values by column. */
const element = fc.record({
  shape: fc.constantFrom(['ID', 'Name', 'Amount', 'Active', 'Date'], ['ID', 'Name', 'Amount', 'Active', 'Date'], ['Name', 'ID', 'Amount'], ['ID', '1', '0', 'a"b', 'é'], ['ID', 'Name', 'ID'], [] as string[]),
  values: fc.array(fc.oneof({ weight: 6, arbitrary: leaf }, { weight: 1, arbitrary: nested }), { minLength: 5, maxLength: 5 }),
  space: ws,
  escapeKeys: fc.boolean(),
});

function renderElement(e: { shape: string[]; values: string[]; space: string; escapeKeys: boolean }): string {
  const key = (k: string): string => (e.escapeKeys && k === 'Name' ? '"N\\u0061me"' : JSON.stringify(k));
  return `{${e.space}${e.shape.map((k, i) => `${key(k)}${e.space}:${e.space}${e.values[i]}`).join(`${e.space},`)}${e.space}}`;
}

const damage = fc.constantFrom('none', 'none', 'none', 'truncate', 'trailing-comma', 'junk-after', 'control-char', 'not-object', 'bom');

const doc = fc.record({ elements: fc.array(element, { maxLength: 12 }), space: ws, damage, cut: fc.nat() }).map(({ elements, space, damage, cut }) => {
  const body = elements.map(renderElement).join(`${space},${space}`);
  let text = `${space}[${space}${body}${space}]${space}`;
  switch (damage) {
    case 'truncate':
      text = text.slice(0, Math.max(1, cut % text.length));
      break;
    case 'trailing-comma':
      text = text.replace(/\s*\]\s*$/, ',]');
      break;
    case 'junk-after':
      text += ' x';
      break;
    case 'control-char':
      text = text.replace('"', '"\u0001');
      break;
    case 'not-object':
      text = text.replace(/\]\s*$/, elements.length > 0 ? ', 5]' : '5]');
      break;
    case 'bom':
      text = `\ufeff${text}`;
      break;
  }
  return Buffer.from(text, 'utf8');
});

describe('JSON results: records written from cells equal records typed as objects', () => {
  it('holds for generated documents', async () => {
    await fc.assert(
      fc.asyncProperty(doc, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom<CastErrorPolicy>('null', 'fail'), async (bytes, batchSize, chunk, onCastError) => {
        const fast = await run(bytes, true, batchSize, chunk, onCastError);
        const rows = await run(bytes, false, batchSize, chunk, onCastError);
        expectSame(fast, rows);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  it('writes a plain array of objects from cells, with keys changing between rows', async () => {
    const text = '[{"id":1,"name":"a","amount":"1,234.50"},{"id":2,"name":"b\\u00e9","amount":"7"},{"name":"c","id":3},{"id":4,"name":"d","amount":null}]';
    const fast = await run(Buffer.from(text), true, 3, 7, 'fail');
    expect(fast).toEqual(await run(Buffer.from(text), false, 3, 7, 'fail'));
    expect(fast.records[1]).toBe('{"job_id":"J1","row_number":2,"data":{"id":2,"name":"bé","amount":7}}');
    expect(fast.records[2]).toBe('{"job_id":"J1","row_number":3,"data":{"name":"c","id":3}}');
  });

  it('hands a key given twice to the token reader, keeping the batches whole', async () => {
    const text = '[{"a":1},{"a":2},{"a":3,"a":4},{"a":5}]';
    const batches: string[] = [];
    for await (const batch of parseResultBatches({ stream: chunked(Buffer.from(text), 5), fileName: 'f.json', contentType: 'application/json' }, { format: 'json', batchSize: 3, cells: true })) {
      batches.push(batch.kind === 'rows' ? `rows:${JSON.stringify(batch.rows)}` : `cells:${batch.cells.map((c) => c.rowCount).join('+')}`);
    }
    expect(batches).toEqual(['rows:[{"a":1},{"a":2},{"a":4}]', 'rows:[{"a":5}]']);
  });

  it('reports a truncated document as the token reader does', async () => {
    const fast = await run(Buffer.from('[{"a":1},{"a":'), true, 2, 4, 'fail');
    expect(fast.error).toMatch(/^f\.json, byte \d+: JSON document ends early/);
  });
});
