/**
 * Reading and validating connector config (and the other JSON files the CLIs take).
 * Every problem is a ConfigError whose message names the file or the field and what was
 * expected; values are never echoed, so a secret cannot leak through a validation message.
 */
import { readFile } from 'node:fs/promises';
import type { ErrorObject } from 'ajv';
import { createAjv } from './ajv.js';
import { ConfigError } from './errors.js';
import type { JsonSchema } from './json-schema.js';

/** Reads and parses a JSON file; `what` names it in errors ("config file", "catalog file"...). */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`Cannot read ${what} ${file}: ${code ?? (err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The parser's message can quote the text around the error; the file may hold secrets.
    throw new ConfigError(`${capitalize(what)} ${file} is not valid JSON`, {
      cause: err,
      internalMessage: `JSON.parse failed at ${positionOf(err)}`,
    });
  }
}

function positionOf(err: unknown): string {
  const m = /position (\d+)/.exec(String((err as Error).message));
  return m ? `position ${m[1]}` : 'an unknown position';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface ConfigValidation {
  ok: boolean;
  /** One line per problem, e.g. `config.start_date must match format "date"`. */
  errors: string[];
}

/**
 * Validates `config` against the connector's JSON Schema. Defaults from the schema are filled
 * into `config` in place (ajv useDefaults), so code downstream sees the documented defaults.
 */
export function validateConfig(schema: JsonSchema, config: unknown): ConfigValidation {
  const ajv = createAjv({ useDefaults: true });
  const validate = ajv.compile(schema);
  if (validate(config)) return { ok: true, errors: [] };
  const errors = [...new Set((validate.errors ?? []).map(describeError))];
  return { ok: false, errors };
}

/** Validates and throws a ConfigError listing every problem. */
export function assertValidConfig<C>(schema: JsonSchema, config: unknown): C {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError('config must be a JSON object');
  }
  const result = validateConfig(schema, config);
  if (!result.ok) throw new ConfigError(`Invalid config: ${result.errors.join('; ')}`);
  return config as C;
}

/** Turns an ajv error into a sentence naming the field, without the offending value. */
export function describeError(error: ErrorObject): string {
  const path = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${joinPath(path, String(params.missingProperty))} is required`;
    case 'additionalProperties':
      return `${path} has an unknown property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${path} must be ${JSON.stringify(params.allowedValue)}`;
    case 'oneOf':
    case 'anyOf':
      return `${path} must match one of the allowed options`;
    default:
      // ajv's messages describe the expectation ("must match format \"date\"", "must be >= 1")
      // and never include the value itself.
      return `${path} ${error.message ?? 'is invalid'}`;
  }
}

/** "/credentials/0/api_key" → "config.credentials[0].api_key". */
function fieldPath(instancePath: string): string {
  if (instancePath === '') return 'config';
  let out = 'config';
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(seg) ? `${out}[${seg}]` : joinPath(out, seg);
  }
  return out;
}

function joinPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}
