/**
 * Reading and validating connector config (and the other JSON files the CLIs take).
 * Every problem is a ConfigError whose message names the file or the field and what was
 * expected; values are never echoed, so a secret cannot leak through a validation message.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import { createAjv } from './ajv.js';
import { ConfigError } from './errors.js';
import type { JsonSchema } from './json-schema.js';

/**
 * Reads and parses a JSON file; `what` names it in errors ("config file", "catalog file"...).
 * Errors are for people: "Config file config.json not found", "… is not valid JSON (line 3,
 * column 14)", never an errno code alone nor the text around the error (it may be a secret).
 */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(unreadableFileMessage(file, what, err), { cause: err });
  }
  return parseJsonText(text, `${capitalize(what)} ${file}`);
}

/** Why a file could not be read, in words ("not found", "is a directory", "permission denied"). */
export function unreadableFileMessage(file: string, what: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const name = `${capitalize(what)} ${file}`;
  switch (code) {
    case 'ENOENT':
      return `${name} not found${path.isAbsolute(file) ? '' : ` (looked in ${process.cwd()})`}`;
    case 'EISDIR':
      return `${name} is a directory, not a file`;
    case 'EACCES':
    case 'EPERM':
      return `${name} cannot be read: permission denied`;
    default:
      return `${name} cannot be read: ${(err as Error).message}`;
  }
}

/** JSON.parse with an error naming the line and column, never quoting the text. */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const where = positionOf(err, text);
    throw new ConfigError(`${name} is not valid JSON (${where})`, { cause: err, internalMessage: `JSON.parse failed at ${where}` });
  }
}

/** "line L, column C" from the parser's character offset; the end of the text when it has none (an unexpected end). */
function positionOf(err: unknown, text: string): string {
  const message = String((err as Error).message);
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const m = /position (\d+)/.exec(message);
  const offset = m ? Number(m[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const end = offset >= text.trimEnd().length ? ': the file ends before the JSON does' : '';
  return `line ${line}, column ${column}${end}`;
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
