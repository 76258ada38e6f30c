/**
 * The `meltano.yml` example, generated from the connectors' specs: each tap as a custom
 * extractor with its executable, capabilities and settings (Meltano setting kinds, secrets
 * `sensitive: true`), so the Meltano settings cannot drift from what the taps validate.
 */
import type { JsonSchema } from '../core/json-schema.js';

/** Meltano setting kinds used here (from meltano.yml's plugin setting definition). */
export type MeltanoKind = 'string' | 'integer' | 'decimal' | 'boolean' | 'date_iso8601' | 'options' | 'array' | 'object';

export interface MeltanoSetting {
  name: string;
  label?: string;
  kind: MeltanoKind;
  description?: string;
  sensitive?: boolean;
  value?: unknown;
  options?: { label: string; value: string }[];
}

export interface MeltanoExtractor {
  name: string;
  namespace: string;
  executable: string;
  pip_url?: string;
  capabilities: string[];
  settings: MeltanoSetting[];
  settings_group_validation?: string[][];
  config: Record<string, unknown>;
  select?: string[];
  /** Environment of the plugin's process (Meltano's plugin-scoped `env`). */
  env?: Record<string, string>;
}

export function meltanoKind(schema: JsonSchema): MeltanoKind {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (schema.enum && type === 'string') return 'options';
  switch (type) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'decimal';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    default:
      return schema.format === 'date' || schema.format === 'date-time' ? 'date_iso8601' : 'string';
  }
}

export function meltanoSettings(spec: JsonSchema): MeltanoSetting[] {
  return Object.entries(spec.properties ?? {})
    .sort(([, a], [, b]) => (a.order ?? 1e9) - (b.order ?? 1e9))
    .map(([name, prop]) => {
      const kind = meltanoKind(prop);
      return {
        name,
        ...(prop.title ? { label: prop.title } : {}),
        kind,
        ...(prop.description ? { description: prop.description } : {}),
        ...(prop.airbyte_secret ? { sensitive: true } : {}),
        ...(prop.default !== undefined ? { value: prop.default } : {}),
        ...(kind === 'options' ? { options: (prop.enum ?? []).map((v) => ({ label: String(v), value: String(v) })) } : {}),
      };
    });
}

// --- a small YAML emitter: enough for the plain data above (no anchors, no multi-docs). ---

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const s = String(value);
  // Quote anything YAML could read as another type or as syntax.
  return /^[A-Za-z_][A-Za-z0-9_ ./()-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) && !/ $/.test(s) ? s : JSON.stringify(s);
}

function emit(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      const lines = emit(item, indent + 2);
      const first = lines[0]!.slice(indent + 2);
      return [`${pad}- ${first}`, ...lines.slice(1)];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([k, v]) => {
      const isBlock = v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
      return isBlock ? [`${pad}${k}:`, ...emit(v, indent + 2)] : [`${pad}${k}: ${emit(v, 0)[0]!.trim()}`];
    });
  }
  return [`${pad}${scalar(value)}`];
}

export function toYaml(value: unknown): string {
  return `${emit(value, 0).join('\n')}\n`;
}
