/**
 * The part of `--help` a person reads after the option list: what the connector reads, examples
 * that run as printed against the bundled sandbox, and where a config comes from.
 */
import type { Source } from '../core/source.js';
import { envPrefix } from './singer-config.js';

/** `source-addepar` → `addepar`: the name the sandbox gives this vendor's files. */
function vendorOf(source: Source<unknown>): string {
  return source.name.replace(/^source-/, '');
}

function whereConfigsComeFrom(source: Source<unknown>): string[] {
  const vendor = vendorOf(source);
  return [
    'Config:',
    `  A JSON file with the settings of the spec (\`${source.name} spec\`, \`${source.tapName} --about\`, or the`,
    '  "Configuration reference" in README.md). To try things without credentials, run',
    `  \`jobtap-sandbox\`: it serves local simulators of the vendor APIs and writes sandbox-configs/${vendor}.json`,
    `  with ready catalogs beside it (sandbox-configs/${vendor}.configured_catalog.json, ${vendor}.singer_catalog.json).`,
  ];
}

export function airbyteHelp(source: Source<unknown>): string {
  const vendor = vendorOf(source);
  const config = `sandbox-configs/${vendor}.json`;
  return [
    '',
    source.description,
    '',
    'Examples:',
    `  ${source.name} spec`,
    `  ${source.name} check    --config ${config}`,
    `  ${source.name} discover --config ${config}`,
    `  ${source.name} read     --config ${config} --catalog sandbox-configs/${vendor}.configured_catalog.json > run-1.jsonl`,
    `  ${source.name} read     --config ${config} --catalog sandbox-configs/${vendor}.configured_catalog.json --state run-1.jsonl > run-2.jsonl`,
    '',
    ...whereConfigsComeFrom(source),
    '  --state takes Airbyte state messages, or the output of an earlier read (its last STATE per stream).',
    '',
  ].join('\n');
}

export function singerHelp(source: Source<unknown>): string {
  const vendor = vendorOf(source);
  const config = `sandbox-configs/${vendor}.json`;
  const prefix = envPrefix(source.tapName);
  const required = source.spec().connectionSpecification.required ?? [];
  return [
    '',
    source.description,
    '',
    'Examples:',
    `  ${source.tapName} --about`,
    `  ${source.tapName} --config ${config} --test`,
    `  ${source.tapName} --config ${config} --discover > catalog.json`,
    `  ${source.tapName} --config ${config} --catalog sandbox-configs/${vendor}.singer_catalog.json > out.jsonl`,
    `  ${source.tapName} --config ${config} --catalog sandbox-configs/${vendor}.singer_catalog.json --state out.jsonl > out-2.jsonl`,
    '',
    ...whereConfigsComeFrom(source),
    `  --config ENV reads each setting from a ${prefix}<SETTING> variable (${required.map((s) => `${prefix}${s.toUpperCase()}`).join(', ')}, …),`,
    '  as Meltano sets them; --config may be given several times (later files override earlier keys).',
    '  --state takes a Singer state ({"bookmarks": …}), or the output of an earlier run (its last STATE).',
    '',
  ].join('\n');
}
