/**
 * Casting raw rows to the stream's JSON Schema.
 *
 * Column → property: a raw key maps to the property whose `x-original-name` equals it, else to the
 * property named normaliseColumnName(key). Keys that match no property are kept, with their raw value
 * (empty string → null), under their normalised name — so unexpected vendor columns still arrive
 * and stay warehouse-safe. Names are claimed first-come-first-served (normalise.ts), so two raw keys
 * never land on one property.
 *
 * Casting by the property's non-null type(s), tried in the order listed (string last):
 * - empty cells ("" or whitespace-only for non-string types, null, undefined) → null, always;
 * - integer / number: numbers as they are (an integer must be whole); text via parseNumberText
 *   (thousands separators, currency, accounting negatives; "12.5%" → 0.125);
 * - boolean: true/false, yes/no, y/n, t/f, 1/0 (any case), and the numbers 1/0;
 * - string with format date → "YYYY-MM-DD"; format date-time → RFC 3339 (zone-less text is UTC);
 *   spreadsheet Date objects → ISO text;
 * - string: text as is; numbers and booleans as their JSON text; objects as JSON text;
 * - object / array: values of that kind; text holding that JSON kind is parsed;
 * - no type: the value as is.
 * A cell that fits none: policy 'fail' → FileFormatError naming file, row, column and value;
 * policy 'null' → null and castFailures + 1 (the caller logs the count once per file).
 */
import type { JsonSchema } from '../core/json-schema.js';
import { nonNullTypes } from '../core/json-schema.js';
import type { RawRow, Row, TypingOptions } from './types.js';
import { FileFormatError, describeValue } from './errors.js';
import { ColumnNameAllocator, normaliseColumnName } from './normalise.js';
import { excelDateToIso, parseBooleanText, parseDateText, parseDateTimeText, parseNumberText } from './cells.js';
import { setOwn } from './json-values.js';

export interface RowTyper {
  /** @param rowNumber 1-based data row, used in errors. */
  type(row: RawRow, rowNumber: number): Row;
  readonly castFailures: number;
}

/** Returned by a caster when the value does not fit. */
export const NO_FIT: unique symbol = Symbol('no fit');
export type Caster = (value: unknown) => unknown;

export interface ColumnPlan {
  outKey: string;
  cast: Caster;
  /**
   * For a property of one non-null type: the caster of that type, which `cast` calls after the
   * empty-cell check. Generated row code calls it directly, so each call site has one target V8 can
   * inline (through the shared `cast` closure the call was megamorphic).
   */
  single?: Caster;
}

/**
 * How each raw column is typed: its output name and caster, decided as columns are first seen (the
 * same first-come name rule in every reader), and what a cell that does not fit becomes. Shared by
 * the row typer (rows as objects) and the cell writer (rows written as JSON from a file's bytes).
 */
export class ColumnTyping {
  private readonly properties: Record<string, JsonSchema>;
  private readonly byOriginalName = new Map<string, string>();
  private readonly allocator = new ColumnNameAllocator();
  private readonly plans = new Map<string, ColumnPlan>();
  castFailures = 0;

  constructor(private readonly options: TypingOptions) {
    this.properties = options.schema.properties ?? {};
    for (const [prop, propSchema] of Object.entries(this.properties)) {
      const original = propSchema['x-original-name'];
      if (typeof original === 'string') this.byOriginalName.set(original, prop);
    }
  }

  /** The plan of a raw column, made the first time the column is seen. */
  plan(rawKey: string): ColumnPlan {
    const known = this.plans.get(rawKey);
    if (known !== undefined) return known;
    let outKey = this.byOriginalName.get(rawKey);
    if (outKey === undefined || this.allocator.isTaken(outKey)) {
      outKey = this.allocator.claim(normaliseColumnName(rawKey));
    } else {
      this.allocator.reserve(outKey);
    }
    const propSchema = this.propertySchema(outKey);
    const single = propSchema === undefined ? undefined : singleCaster(propSchema);
    const plan: ColumnPlan = { outKey, cast: propSchema === undefined ? keepRaw : casterFor(propSchema), single };
    this.plans.set(rawKey, plan);
    return plan;
  }

  /** The schema of an output property, when the stream's schema has it. */
  propertySchema(outKey: string): JsonSchema | undefined {
    return Object.prototype.hasOwnProperty.call(this.properties, outKey) ? this.properties[outKey] : undefined;
  }

  /** What a cell that does not fit becomes: an error, or null counted as a failure. */
  readonly onNoFit = (plan: ColumnPlan, rawKey: string, value: unknown, rowNumber: number): null => {
    if (this.options.onCastError === 'fail') {
      throw new FileFormatError(this.options.fileName, `cannot cast ${describeValue(value)} to ${describeType(this.properties[plan.outKey])}`, {
        row: rowNumber,
        column: rawKey,
      });
    }
    this.castFailures++;
    return null;
  };
}

/** @param typing the file's column typing when cell writers share it (see createCellRowWriter). */
export function createRowTyper(options: TypingOptions, typing: ColumnTyping = new ColumnTyping(options)): RowTyper {
  const shapes = new Map<string, ShapeTyper>();
  let current: ShapeTyper | undefined;

  const shapeFor = (raw: RawRow): ShapeTyper => {
    const keys = Object.keys(raw);
    const signature = keys.join('\u0000');
    let shape = shapes.get(signature);
    if (shape === undefined) {
      const columnPlans = keys.map((k) => typing.plan(k));
      shape = compileShape(keys, columnPlans, typing.onNoFit);
      // Rows of one file share a shape; JSON rows may vary, so keep a bounded set.
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(signature, shape);
    }
    return shape;
  };

  return {
    get castFailures() {
      return typing.castFailures;
    },
    type(raw: RawRow, rowNumber: number): Row {
      if (current !== undefined) {
        const out = current(raw, rowNumber);
        if (out !== undefined) return out;
      }
      current = shapeFor(raw);
      return current(raw, rowNumber)!;
    },
  };
}

/** Types rows that have exactly the shape's keys; returns undefined for any other row. */
type ShapeTyper = (raw: RawRow, rowNumber: number) => Row | undefined;
type NoFitHandler = (plan: ColumnPlan, rawKey: string, value: unknown, rowNumber: number) => null;

const MAX_SHAPES = 64;
/** Wider rows use the generic loop: generated code grows with the column count. */
const MAX_COMPILED_COLUMNS = 500;

/**
 * The per-row hot path. For one set of raw keys (a "shape") a function is generated whose body reads
 * each key by its literal name, casts it, and returns an object literal with the output names, so
 * every row gets the same hidden class and no per-cell lookups happen. Key names enter the generated
 * source only through JSON.stringify, as string literals. Measured on the 100k-row bench CSV with all
 * rows in memory, typing took 9–16 µs/row with a loop over the keys and a Map lookup per cell, and
 * 4–5 µs/row generated (before the number/date scanners brought it to ~1.5 µs; bench/README.md).
 */
function compileShape(keys: string[], plans: ColumnPlan[], onNoFit: NoFitHandler): ShapeTyper {
  const n = keys.length;
  if (n > MAX_COMPILED_COLUMNS || plans.some((p) => p.outKey === '__proto__')) return genericShape(keys, plans, onNoFit);
  const lines: string[] = [];
  lines.push('return function typeRow(raw, rowNumber) {');
  // Same key count and every key present (an undefined value is checked with `in`) ⇒ same key set.
  lines.push('  let count = 0;', '  for (const _ in raw) count++;', `  if (count !== ${n}) return undefined;`);
  // Every key is checked before any cell is cast, so a row of another shape counts no cast failure here.
  for (let i = 0; i < n; i++) {
    const key = JSON.stringify(keys[i]);
    lines.push(`  const v${i} = raw[${key}];`);
    lines.push(`  if (v${i} === undefined && !(${key} in raw)) return undefined;`);
  }
  for (let i = 0; i < n; i++) {
    // Same as cast${i}(v${i}) (see casterFor), with the empty check inline and a direct call.
    lines.push(
      plans[i].single === undefined
        ? `  let c${i} = cast${i}(v${i});`
        : `  let c${i} = v${i} === '' || v${i} === null || v${i} === undefined ? null : single${i}(v${i});`,
    );
    lines.push(`  if (c${i} === NO_FIT) c${i} = onNoFit(plans[${i}], keys[${i}], v${i}, rowNumber);`);
  }
  lines.push(`  return { ${plans.map((p, i) => `${JSON.stringify(p.outKey)}: c${i}`).join(', ')} };`);
  lines.push('};');
  const prelude = plans.map((p, i) => `const ${p.single === undefined ? 'cast' : 'single'}${i} = plans[${i}].${p.single === undefined ? 'cast' : 'single'};`).join('\n');
  // Generated code is the point here (see above); inputs are string literals from JSON.stringify.
  const factory = new Function('NO_FIT', 'onNoFit', 'plans', 'keys', `${prelude}\n${lines.join('\n')}`) as (
    noFit: symbol,
    handler: NoFitHandler,
    columnPlans: ColumnPlan[],
    rawKeys: string[],
  ) => ShapeTyper;
  return factory(NO_FIT, onNoFit, plans, keys);
}

function genericShape(keys: string[], plans: ColumnPlan[], onNoFit: NoFitHandler): ShapeTyper {
  const n = keys.length;
  return (raw, rowNumber) => {
    let count = 0;
    for (const _ in raw) count++;
    if (count !== n) return undefined;
    for (let i = 0; i < n; i++) if (raw[keys[i]] === undefined && !(keys[i] in raw)) return undefined;
    const out: Row = {};
    for (let i = 0; i < n; i++) {
      const v = raw[keys[i]];
      let c = plans[i].cast(v);
      if (c === NO_FIT) c = onNoFit(plans[i], keys[i], v, rowNumber);
      setOwn(out, plans[i].outKey, c);
    }
    return out;
  };
}

function describeType(schema: JsonSchema | undefined): string {
  if (schema === undefined) return 'its type';
  const types = nonNullTypes(schema);
  const base = types.length === 0 ? 'any' : types.join(' or ');
  return schema.format === undefined ? base : `${base} (${schema.format})`;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

const keepRaw: Caster = (value) => (isEmpty(value) ? null : value);

function typeCaster(type: string, schema: JsonSchema): Caster {
  switch (type) {
    case 'integer':
      return castInteger;
    case 'number':
      return castNumber;
    case 'boolean':
      return castBoolean;
    case 'object':
      return castObject;
    case 'array':
      return castArray;
    case 'string':
      return schema.format === 'date' ? castDate : schema.format === 'date-time' ? castDateTime : castString;
    default:
      return noFit;
  }
}

const noFit: Caster = () => NO_FIT;

/** The caster of a schema's only non-null type (casterFor's `only`); undefined for none or several. */
function singleCaster(schema: JsonSchema): Caster | undefined {
  const types = nonNullTypes(schema);
  return types.length === 1 ? typeCaster(types[0], schema) : undefined;
}

/** Builds the caster for one property schema; exported for tests and inference round-trips. */
export function casterFor(schema: JsonSchema): Caster {
  const types = nonNullTypes(schema);
  if (types.length === 0) return keepRaw;
  const ordered = [...types.filter((t) => t !== 'string'), ...types.filter((t) => t === 'string')];
  const casters: Caster[] = ordered.map((t) => typeCaster(t, schema));
  if (casters.length === 1) {
    const only = casters[0];
    return (value) => (isEmpty(value) ? null : only(value));
  }
  return (value) => {
    if (isEmpty(value)) return null;
    for (const cast of casters) {
      const result = cast(value);
      if (result !== NO_FIT) return result;
    }
    return NO_FIT;
  };
}

function blank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

// The text casters parse first and test for blank text only when parsing fails: no parser accepts
// whitespace-only text, and trimming every cell first cost more than the parse itself.

function castNumber(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NO_FIT;
  if (typeof value === 'string') {
    const n = parseNumberText(value);
    if (n !== undefined) return n;
    return blank(value) ? null : NO_FIT;
  }
  return NO_FIT;
}

function castInteger(value: unknown): unknown {
  const n = castNumber(value);
  if (typeof n === 'number') return Number.isInteger(n) ? n : NO_FIT;
  return n;
}

function castBoolean(value: unknown): unknown {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : NO_FIT;
  if (typeof value === 'string') {
    const b = parseBooleanText(value);
    if (b !== undefined) return b;
    return blank(value) ? null : NO_FIT;
  }
  return NO_FIT;
}

function castDate(value: unknown): unknown {
  if (typeof value === 'string') {
    const date = parseDateText(value);
    if (date !== undefined) return date;
    return blank(value) ? null : NO_FIT;
  }
  if (value instanceof Date) {
    const iso = excelDateToIso(value);
    return iso === undefined ? NO_FIT : iso.slice(0, 10);
  }
  return NO_FIT;
}

function castDateTime(value: unknown): unknown {
  if (typeof value === 'string') {
    const dateTime = parseDateTimeText(value);
    if (dateTime !== undefined) return dateTime;
    return blank(value) ? null : NO_FIT;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? NO_FIT : value.toISOString();
  return NO_FIT;
}

function castString(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value instanceof Date) return excelDateToIso(value) ?? NO_FIT;
      return JSON.stringify(value);
    default:
      return NO_FIT;
  }
}

function castObject(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) return value;
  if (typeof value === 'string' && value.trim().startsWith('{')) return parseJsonCell(value, false);
  return NO_FIT;
}

function castArray(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('[')) return parseJsonCell(value, true);
  return NO_FIT;
}

/** One cell's JSON text (bounded by the cell, never a file). */
function parseJsonCell(text: string, wantArray: boolean): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) === wantArray && parsed !== null && typeof parsed === 'object' ? parsed : NO_FIT;
  } catch {
    return NO_FIT;
  }
}
