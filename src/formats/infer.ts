/**
 * Guessing a stream's JSON Schema from a sample of raw rows, for discover when no schema is known.
 *
 * Per column, every non-empty sampled value is classified and the classes are joined:
 *   boolean (true/false values, or the text "true"/"false" in any case),
 *   integer (whole numbers; text parseNumberText reads as whole — but digit strings with leading
 *            zeros or more than 15 digits are identifiers and stay string),
 *   number  (any other finite number or numeric text: "1,234.5", "$5.00", "12.5%"),
 *   date    ("YYYY-MM-DD", "MM/DD/YYYY", spreadsheet dates at midnight),
 *   date-time (ISO date-times, "YYYY-MM-DD HH:MM:SS", spreadsheet dates with a time),
 *   object / array (JSON values),
 *   string  (anything else).
 * Joins: integer+number → number; date+date-time → date-time; any other mix → string.
 * Every property is nullable (["null", T]): a sample cannot prove a column is never empty; a
 * column with no non-empty sample value is ["null", "string"].
 * Properties are keyed by normalised name in order of first appearance (the same first-come rule
 * the row typer uses), each with `x-original-name` holding the column name as written.
 */
import type { JsonSchema, JsonSchemaType } from '../core/json-schema.js';
import type { RawRow } from './types.js';
import { ColumnNameAllocator, normaliseColumnName } from './normalise.js';
import { hasTimeOfDay, looksLikeIdentifierDigits, parseDateText, parseNumberText } from './cells.js';

type Kind = 'boolean' | 'integer' | 'number' | 'date' | 'date-time' | 'object' | 'array' | 'string';

export const DEFAULT_SAMPLE_SIZE = 1000;

export function inferSchema(rows: RawRow[], options: { sampleSize?: number } = {}): JsonSchema {
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const kinds = new Map<string, Kind | undefined>();
  const limit = Math.min(rows.length, sampleSize);
  for (let i = 0; i < limit; i++) {
    const row = rows[i];
    for (const key of Object.keys(row)) {
      const kind = classify(row[key]);
      const seen = kinds.get(key);
      if (!kinds.has(key)) kinds.set(key, kind);
      else if (kind !== undefined) kinds.set(key, seen === undefined ? kind : join(seen, kind));
    }
  }
  const allocator = new ColumnNameAllocator();
  const properties: Record<string, JsonSchema> = {};
  for (const [original, kind] of kinds) {
    const name = allocator.claim(normaliseColumnName(original));
    properties[name] = { ...schemaOf(kind ?? 'string'), 'x-original-name': original };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: true,
    properties,
  };
}

function schemaOf(kind: Kind): JsonSchema {
  const nullable = (t: JsonSchemaType): JsonSchemaType[] => ['null', t];
  switch (kind) {
    case 'date':
      return { type: nullable('string'), format: 'date' };
    case 'date-time':
      return { type: nullable('string'), format: 'date-time' };
    default:
      return { type: nullable(kind) };
  }
}

function join(a: Kind, b: Kind): Kind {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('integer') && pair.has('number')) return 'number';
  if (pair.has('date') && pair.has('date-time')) return 'date-time';
  return 'string';
}

/** undefined for empty values: they say nothing about the type. */
function classify(value: unknown): Kind | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'string':
      return classifyText(value);
    case 'object':
      if (value instanceof Date) return value.getTime() % 86_400_000 === 0 ? 'date' : 'date-time';
      return Array.isArray(value) ? 'array' : 'object';
    default:
      return 'string';
  }
}

function classifyText(text: string): Kind | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const lower = s.toLowerCase();
  if (lower === 'true' || lower === 'false') return 'boolean';
  if (looksLikeIdentifierDigits(s)) return 'string';
  const n = parseNumberText(s);
  if (n !== undefined) return Number.isInteger(n) && !/[.eE%]/.test(s) ? 'integer' : 'number';
  if (hasTimeOfDay(s)) return 'date-time';
  if (parseDateText(s) !== undefined) return 'date';
  return 'string';
}
