/** `--about` output of a Singer tap, in the Meltano SDK's three formats. */
import type { JsonSchema } from '../core/json-schema.js';
import type { Source } from '../core/source.js';

/**
 * What --about reports and meltano.yml declares. `properties` (the pre-catalog name of --catalog)
 * is still accepted on the command line but not advertised: Meltano treats it as legacy and
 * passes --catalog to taps that declare `catalog`.
 */
export const SINGER_CAPABILITIES = ['about', 'catalog', 'discover', 'state', 'test'];

export type AboutFormat = 'plain' | 'json' | 'markdown';

export interface AboutInfo {
  name: string;
  description: string;
  version: string;
  capabilities: string[];
  settings: JsonSchema;
}

export function aboutInfo<C>(source: Source<C>): AboutInfo {
  const settings = source.spec().connectionSpecification;
  return {
    name: source.tapName,
    description: source.description,
    version: source.version,
    capabilities: SINGER_CAPABILITIES,
    settings,
  };
}

export function renderAbout(info: AboutInfo, format: AboutFormat): string {
  if (format === 'json') return JSON.stringify(info, null, 2) + '\n';
  const settings = Object.entries(info.settings.properties ?? {});
  const required = new Set(info.settings.required ?? []);
  if (format === 'markdown') {
    const rows = settings.map(
      ([name, s]) =>
        `| ${name} | ${required.has(name) ? 'True' : 'False'} | ${s.default === undefined ? 'None' : JSON.stringify(s.default)} | ${cell(s.description ?? s.title ?? '')} |`,
    );
    return [
      `# \`${info.name}\``,
      '',
      info.description,
      '',
      `Version: ${info.version}`,
      '',
      '## Capabilities',
      '',
      ...info.capabilities.map((c) => `* \`${c}\``),
      '',
      '## Settings',
      '',
      '| Setting | Required | Default | Description |',
      '|:--------|:--------:|:-------:|:------------|',
      ...rows,
      '',
    ].join('\n');
  }
  const lines = settings.map(([name, s]) => {
    const flags = [typeName(s), required.has(name) ? 'required' : 'optional'];
    if (s.airbyte_secret === true) flags.push('secret');
    if (s.default !== undefined) flags.push(`default ${JSON.stringify(s.default)}`);
    return `  ${name} (${flags.join(', ')})${s.description ? `: ${s.description}` : ''}`;
  });
  return [
    `Name: ${info.name}`,
    `Description: ${info.description}`,
    `Version: ${info.version}`,
    `Capabilities: ${info.capabilities.join(', ')}`,
    'Settings:',
    ...lines,
    '',
  ].join('\n');
}

function typeName(s: JsonSchema): string {
  if (s.type === undefined) return s.oneOf ? 'one of' : 'any';
  return Array.isArray(s.type) ? s.type.filter((t) => t !== 'null').join('|') : s.type;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
