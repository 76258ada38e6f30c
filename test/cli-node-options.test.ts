/**
 * The connectors' Node options (src/cli/node-options.ts) reach them wherever jobtap controls how
 * they start: the Docker image's NODE_OPTIONS (Airbyte) and each tap's `env` in meltano.yml. The
 * bins themselves keep a plain `#!/usr/bin/env node`, which every `env` runs (BusyBox has no -S).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONNECTOR_NODE_OPTIONS } from '../src/cli/node-options.js';

const root = path.resolve(import.meta.dirname, '..');
const CONNECTORS = ['source-addepar', 'source-impact', 'tap-addepar', 'tap-impact'];

describe('Node options of the connectors', () => {
  it.each(CONNECTORS)('%s has a shebang every env runs', (name) => {
    expect(readFileSync(path.join(root, 'src', 'cli', `${name}.ts`), 'utf8').split('\n', 1)[0]).toBe('#!/usr/bin/env node');
  });

  it('the Docker image sets them as NODE_OPTIONS', () => {
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(new RegExp(`^ENV NODE_OPTIONS="${CONNECTOR_NODE_OPTIONS}"$`, 'm'));
  });

  it('meltano.yml gives each tap them in its env', () => {
    const project = parse(readFileSync(path.join(root, 'meltano.yml'), 'utf8')) as { plugins: { extractors: { name: string; env?: Record<string, string> }[] } };
    expect(project.plugins.extractors.map((e) => [e.name, e.env?.NODE_OPTIONS])).toEqual([
      ['tap-addepar', CONNECTOR_NODE_OPTIONS],
      ['tap-impact', CONNECTOR_NODE_OPTIONS],
    ]);
  });
});
