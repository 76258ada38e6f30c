/**
 * No Docker engine runs on our machines, so the image is checked in two halves: the Dockerfile
 * has every part an Airbyte connector image needs, and the entrypoint it names runs `spec` from
 * a production install (`npm ci --omit=dev`) laid out the way the Dockerfile lays it out.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers/cli.js';
import { assertValidAirbyteMessages } from './helpers/protocol.js';

const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const WORKDIR = '/airbyte/integration_code';

function instruction(name: string): string[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim().toUpperCase().startsWith(`${name} `))
    .map((l) => l.trim().slice(name.length + 1).trim());
}

describe('.dockerignore', () => {
  it('keeps local installs, builds, outputs and secrets out of the build context, but not what the image copies', () => {
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', 'demo-output', '.git']) expect(ignored).toContain(entry);
    const copied = instruction('COPY')
      .filter((c) => !c.startsWith('--from'))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(ignored, source).not.toContain(source);
  });
});

describe('Dockerfile', () => {
  it('follows the Airbyte connector conventions', () => {
    const froms = instruction('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(1);
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:20[-\w.]*slim/);
    expect(instruction('ARG')).toEqual(expect.arrayContaining(['CONNECTOR=addepar', 'VERSION=0.1.0']));
    expect(instruction('RUN').some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    expect(instruction('WORKDIR')).toContain(WORKDIR);
    const user = instruction('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)$/);
    expect(instruction('ENV').some((e) => e.startsWith(`AIRBYTE_ENTRYPOINT="node ${WORKDIR}/main.js"`))).toBe(true);
    const labels = instruction('LABEL').join(' ');
    expect(labels).toContain('io.airbyte.name="jobtap/source-${CONNECTOR}"');
    expect(labels).toContain('io.airbyte.version="${VERSION}"');
    expect(JSON.parse(instruction('ENTRYPOINT').at(-1)!)).toEqual(['node', `${WORKDIR}/main.js`]);
    // The image carries the license its package declares.
    expect(instruction('COPY')).toContain('LICENSE ./LICENSE');
  });

  describe('production install', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'jobtap-image-'));
      for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(repoRoot, f), path.join(dir, f));
      execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, stdio: 'ignore' });
      cpSync(path.join(repoRoot, 'dist/src'), path.join(dir, 'dist/src'), { recursive: true });
      for (const f of ['schemas', 'catalog']) cpSync(path.join(repoRoot, f), path.join(dir, f), { recursive: true });
    }, 180_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('has no dev dependency (vitest, typescript) installed', () => {
      expect(() => execFileSync('node', ['-e', "import('vitest')"], { cwd: dir, stdio: 'ignore' })).toThrow();
      expect(() => execFileSync('node', ['-e', "import('typescript')"], { cwd: dir, stdio: 'ignore' })).toThrow();
    });

    for (const connector of ['addepar', 'impact']) {
      it(`the entrypoint runs spec for CONNECTOR=${connector}`, async () => {
        // The Dockerfile writes main.js with printf; render the same line for this build arg.
        const printf = /printf "(.*?)" "\$\{CONNECTOR\}" > main\.js/.exec(dockerfile);
        expect(printf).not.toBeNull();
        writeFileSync(path.join(dir, 'main.js'), printf![1]!.replace('%s', connector).replace(/\\n$/, '\n'));
        const [node, entry] = JSON.parse(instruction('ENTRYPOINT').at(-1)!) as [string, string];
        expect(node).toBe('node');
        // With the image's NODE_OPTIONS (test/cli-node-options.test.ts pins them).
        const nodeOptions = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)![1]!;
        const result = await runCli(entry.replace(WORKDIR, dir), ['spec'], { cwd: dir, env: { NODE_OPTIONS: nodeOptions } });
        assertValidAirbyteMessages(result.messages);
        expect(result.code).toBe(0);
        expect(result.messages).toHaveLength(1);
        expect(result.messages[0]!.type).toBe('SPEC');
      });
    }
  });
});
