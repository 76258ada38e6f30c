/**
 * Finds the values of every config field marked `airbyte_secret` and masks them in text.
 * The protocol writers pass every non-record line (LOG, TRACE, STATE, stderr) through one
 * SecretMasker, so a secret cannot leak through a forgotten code path.
 */
import type { JsonSchema } from './json-schema.js';

export const SECRET_MASK = '****';

/**
 * Every secret value in `config`, walking the spec schema alongside it: nested objects,
 * array items, additionalProperties and all oneOf/anyOf branches (which branch matched does
 * not matter; masking a value of a branch that did not match costs nothing).
 */
export function collectSecrets(schema: JsonSchema | undefined, config: unknown): string[] {
  const found = new Set<string>();
  walk(schema, config, found);
  return [...found];
}

function walk(schema: JsonSchema | undefined, value: unknown, found: Set<string>): void {
  if (schema === undefined || value === undefined || value === null) return;
  if (schema.airbyte_secret === true) {
    addLeaves(value, found);
    return;
  }
  for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) walk(branch, value, found);
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) walk(schema.items, item, found);
    return;
  }
  if (typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  const props = schema.properties ?? {};
  for (const [key, child] of Object.entries(obj)) {
    const childSchema =
      props[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    walk(childSchema, child, found);
  }
}

/** A secret field may hold a string, a number or even an object (e.g. a service-account JSON). */
function addLeaves(value: unknown, found: Set<string>): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    if (value.length > 0) found.add(value);
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    found.add(String(value));
  } else if (Array.isArray(value)) {
    for (const v of value) addLeaves(v, found);
  } else if (typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) addLeaves(v, found);
  }
}

/**
 * Replaces secrets in text. Besides the raw value it masks the forms a secret takes when it is
 * embedded in a JSON string (escaped quotes/backslashes) or in a URL (percent-encoded), since
 * those are the two ways a value ends up inside a log line or a serialized message.
 */
export class SecretMasker {
  private readonly pattern: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    const variants = new Set<string>();
    for (const s of secrets) {
      if (s.length === 0) continue;
      variants.add(s);
      variants.add(JSON.stringify(s).slice(1, -1));
      variants.add(encodeURIComponent(s));
      // A JSON-escaped value logged inside another JSON string is escaped twice.
      variants.add(JSON.stringify(JSON.stringify(s).slice(1, -1)).slice(1, -1));
    }
    // Longest first so a secret that contains another one is masked whole.
    const ordered = [...variants].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
    this.pattern = ordered.length === 0 ? undefined : new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  }

  get active(): boolean {
    return this.pattern !== undefined;
  }

  mask(text: string): string {
    if (this.pattern === undefined) return text;
    this.pattern.lastIndex = 0;
    return text.replace(this.pattern, SECRET_MASK);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const noSecrets = new SecretMasker([]);
