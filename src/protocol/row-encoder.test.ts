import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRowEncoder, NEEDS_ROOM, type RowEncoder } from './row-encoder.js';

/** Encodes like a LineWriter does: grow and retry on NEEDS_ROOM. */
function encodeToString(encoder: RowEncoder, row: object, room = 16): string {
  let b = Buffer.alloc(room);
  const start = room > 4 ? 3 : 0;
  for (;;) {
    const end = encoder.encode(row, b, start);
    if (end !== NEEDS_ROOM) {
      expect(end).toBeGreaterThanOrEqual(start);
      expect(end).toBeLessThanOrEqual(b.length);
      return b.toString('utf8', start, end);
    }
    b = Buffer.alloc(b.length * 2);
  }
}

function expectSameAsStringify(encoder: RowEncoder, row: object, room?: number): void {
  const expected = Buffer.from(JSON.stringify(row), 'utf8');
  const actual = Buffer.from(encodeToString(encoder, row, room), 'utf8');
  expect(actual.toString('hex')).toBe(expected.toString('hex'));
}

const scalar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  // Around the length where strings switch to the JSON.stringify path.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1020, maxLength: 1030 }) },
  { weight: 6, arbitrary: fc.double() },
  { weight: 3, arbitrary: fc.integer() },
  { weight: 3, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 0.1, -14.92, 2 ** 53) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
);
const nestedKey = fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('__proto__', 'toJSON', '0', 'a"b'));
const nestedScalar = fc.oneof(scalar, fc.constant(undefined));
const nested = fc.oneof(
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(nestedKey, nestedScalar, { maxKeys: 3 }),
  // Objects in objects (a record's typed row under "data"), written by compiled shapes too.
  fc.dictionary(nestedKey, fc.oneof(nestedScalar, fc.dictionary(nestedKey, nestedScalar, { maxKeys: 3 }), fc.array(scalar, { maxLength: 2 })), { maxKeys: 4 }),
  fc.constant(new Date(Date.UTC(2024, 0, 31, 12))),
);
const value = fc.oneof({ weight: 8, arbitrary: scalar }, { weight: 1, arbitrary: nested }, { weight: 1, arbitrary: fc.constant(undefined) });
const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'toJSON', 'toString', '0', '1', '10', '-1', '01', 'a"b', 'line\nbreak', 'é', '😀', '\ud800'),
);

/** A row with own data properties defined (not assigned, so "__proto__" is an ordinary key). */
function rowOf(entries: [string, unknown][]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(row, k, { value: v, enumerable: true, writable: true, configurable: true });
  return row;
}

describe('createRowEncoder', () => {
  it('writes the bytes of JSON.stringify(row) for random rows (unicode, lone surrogates, -0, NaN, nested values, odd keys)', () => {
    const encoder = createRowEncoder();
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 12 }), fc.integer({ min: 1, max: 300 }), (entries, room) => {
        const row = rowOf(entries);
        expectSameAsStringify(encoder, row, room);
      }),
      { numRuns: 4_000 },
    );
  });

  it('writes rows of one shape through the compiled path, rows of other shapes too, in any order', () => {
    const encoder = createRowEncoder();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.array(value, { minLength: 3, maxLength: 3 })), { maxLength: 30 }),
        (rows) => {
          for (const [variant, [x, y, z]] of rows) {
            const row =
              variant === 'a' ? { id: x, name: y, value: z } : variant === 'b' ? { name: y, id: x, value: z } : { id: x, name: y };
            expectSameAsStringify(encoder, row);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('matches JSON.stringify for rows it cannot write itself', () => {
    const encoder = createRowEncoder();
    class Holding {
      constructor(public id: number) {}
      toJSON(): unknown {
        return { held: this.id };
      }
    }
    const inherited = Object.create({ inheritedKey: 1 }) as Record<string, unknown>;
    inherited.own = 2;
    const cases: object[] = [
      { a: 1 }, // compile a shape first, then feed rows that must not take it
      inherited,
      new Holding(3),
      { a: 1, f: () => 1, s: Symbol('x'), u: undefined },
      { a: { toJSON: (k: string) => `key:${k}` } },
      { a: [1, undefined, () => 2] },
      { a: new Date(NaN) },
      { a: Object.assign(Object.create(null) as object, { x: 1 }) },
      Object.assign(Object.create(null) as object, { a: 1 }),
      {},
      { a: new Number(3), b: new String('s'), c: new Boolean(false) },
      { wide: 1, ...Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i])) },
    ];
    for (const row of cases) expectSameAsStringify(encoder, row, 8);
    // A row of the compiled shape {a} whose a is inherited instead of own.
    const proto = { a: 5 };
    expectSameAsStringify(encoder, Object.create(proto) as object);
  });

  it('throws what JSON.stringify throws', () => {
    const encoder = createRowEncoder();
    expect(() => encodeToString(encoder, { a: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { cyclic };
    expect(() => encodeToString(encoder, cyclic)).toThrow(TypeError);
  });

  it('asks for room instead of writing past the end of the buffer', () => {
    const encoder = createRowEncoder();
    const row = { id: 1, name: 'x'.repeat(1000), note: '\u0001'.repeat(50) };
    expect(encoder.encode(row, Buffer.alloc(200), 0)).toBe(NEEDS_ROOM);
    expect(encoder.encode(row, Buffer.alloc(8000), 0)).toBe(JSON.stringify(row).length);
    // A long cell needs only its exact size (plus the row's fixed part), not six bytes per character.
    const long = { id: 1, name: 'é'.repeat(100_000) };
    expect(encoder.encode(long, Buffer.alloc(200_000), 0)).toBe(NEEDS_ROOM);
    const b = Buffer.alloc(201_000);
    const end = encoder.encode(long, b, 0);
    expect(b.toString('utf8', 0, end)).toBe(JSON.stringify(long));
  });
});
