/**
 * Renders a connector spec (its config JSON Schema) as Markdown tables for the README, so the
 * configuration reference is generated from the code and cannot drift from it.
 */
import type { JsonSchema } from '../core/json-schema.js';

function typeLabel(schema: JsonSchema): string {
  const types = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
  if (schema.type === 'array' && schema.items) return `array of ${typeLabel(schema.items)}`;
  if (schema.format) return `${types} (${schema.format})`;
  return types;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function details(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.description) parts.push(schema.description);
  if (schema.enum) parts.push(`One of: ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}.`);
  if (schema.minimum !== undefined) parts.push(`Minimum ${schema.minimum}.`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`More than ${schema.exclusiveMinimum}.`);
  if (schema.maximum !== undefined) parts.push(`Maximum ${schema.maximum}.`);
  return cell(parts.join(' '));
}

function table(schema: JsonSchema, prefix: string): string[] {
  const required = new Set(schema.required ?? []);
  const rows = ['| setting | type | required | default | description |', '| --- | --- | --- | --- | --- |'];
  const nested: string[] = [];
  const entries = Object.entries(schema.properties ?? {}).sort(([, a], [, b]) => (a.order ?? 1e9) - (b.order ?? 1e9));
  for (const [name, prop] of entries) {
    const secret = prop.airbyte_secret ? ' 🔒 secret' : '';
    const dflt = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    rows.push(`| \`${prefix}${name}\` | ${typeLabel(prop)}${secret} | ${required.has(name) ? 'yes' : ''} | ${cell(dflt)} | ${details(prop)} |`);
    const item = prop.type === 'array' ? prop.items : undefined;
    if (item?.properties) {
      nested.push('', `Each item of \`${prefix}${name}\`:`, '', ...table(item, `${prefix}${name}[].`));
    }
    if (prop.type === 'object' && prop.properties) {
      nested.push('', `Settings of \`${prefix}${name}\`:`, '', ...table(prop, `${prefix}${name}.`));
    }
  }
  return [...rows, ...nested];
}

/** The Markdown reference of one connector's settings, secrets marked. */
export function renderConfigReference(title: string, spec: JsonSchema): string {
  return [`### ${title}`, '', ...table(spec, '')].join('\n');
}
