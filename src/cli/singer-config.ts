/**
 * Singer config input: several `--config` files merged in order (later keys win), and the
 * Meltano SDK's `--config ENV`, which reads settings from `TAP_<NAME>_<SETTING>` variables.
 */
import { readJsonFile } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { JsonSchema } from '../core/json-schema.js';

export async function mergeConfigInputs(
  inputs: string[],
  tapName: string,
  spec: JsonSchema,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, unknown>> {
  let merged: Record<string, unknown> = {};
  for (const input of inputs) {
    const part = input === 'ENV' ? configFromEnvOrExplain(tapName, spec, env) : await readJsonFile(input, 'config file');
    if (part === null || typeof part !== 'object' || Array.isArray(part)) {
      throw new ConfigError(`Config file ${input} must contain a JSON object`);
    }
    merged = { ...merged, ...(part as Record<string, unknown>) };
  }
  if (inputs.includes('ENV')) {
    // Validation would say "config.auth_token is required"; a person using ENV needs the variable's name.
    const missing = (spec.required ?? []).filter((name) => merged[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `Missing required settings: ${missing.join(', ')}. With --config ENV, set ${missing.map((name) => envName(tapName, name)).join(', ')} (or give them in a --config file).`,
      );
    }
  }
  return merged;
}

function envName(tapName: string, setting: string): string {
  return `${envPrefix(tapName)}${setting.toUpperCase()}`;
}

/** `--config ENV` with none of the tap's variables set is a mistake worth naming precisely. */
function configFromEnvOrExplain(tapName: string, spec: JsonSchema, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const config = configFromEnv(tapName, spec, env);
  if (Object.keys(config).length > 0) return config;
  const names = Object.keys(spec.properties ?? {});
  const required = new Set(spec.required ?? []);
  const ordered = [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))].map((n) => envName(tapName, n));
  throw new ConfigError(
    `--config ENV: none of the ${tapName} settings is set in the environment. Looked for ${ordered.join(', ')}` +
      ` (required: ${[...required].map((n) => envName(tapName, n)).join(', ')}).`,
  );
}

/** `tap-addepar` → `TAP_ADDEPAR_`. */
export function envPrefix(tapName: string): string {
  return `${tapName.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}_`;
}

export function configFromEnv(tapName: string, spec: JsonSchema, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const prefix = envPrefix(tapName);
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(spec.properties ?? {})) {
    const value = env[`${prefix}${name.toUpperCase()}`];
    if (value === undefined) continue;
    out[name] = coerce(value, schema);
  }
  return out;
}

/** Env values are strings; turn them into the setting's JSON type. Unparseable values stay strings, so validation names them. */
function coerce(value: string, schema: JsonSchema): unknown {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string') || types.length === 0) return value;
  if (types.includes('integer') || types.includes('number')) {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : value;
  }
  if (types.includes('boolean')) {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    return value;
  }
  if (types.includes('array') || types.includes('object')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      // Arrays may also be given comma-separated.
      return types.includes('array') ? value.split(',').map((s) => s.trim()) : value;
    }
  }
  return value;
}
