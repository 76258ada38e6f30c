/**
 * The connector executables run Node with the options their shebang gives (a small young
 * generation, which keeps a long read's memory flat; bench/README.md "Memory"), and the Docker
 * image's entry points run them with the same options.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const CONNECTORS = ['source-addepar', 'source-impact', 'tap-addepar', 'tap-impact'];
const SHEBANG = '#!/usr/bin/env -S node --max-semi-space-size=1';

describe('Node options of the connector executables', () => {
  it.each(CONNECTORS)('%s starts with the shebang that passes them', (name) => {
    expect(readFileSync(path.join(root, 'src', 'cli', `${name}.ts`), 'utf8').split('\n', 1)[0]).toBe(SHEBANG);
  });

  it('the Docker image passes the same options in ENTRYPOINT and AIRBYTE_ENTRYPOINT', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const options = SHEBANG.replace('#!/usr/bin/env -S node ', '').split(' ');
    expect(dockerfile).toContain(`ENTRYPOINT ["node", ${options.map((o) => JSON.stringify(o)).join(', ')}, "/airbyte/integration_code/main.js"]`);
    expect(dockerfile).toContain(`ENV AIRBYTE_ENTRYPOINT="node ${options.join(' ')} /airbyte/integration_code/main.js"`);
  });
});
