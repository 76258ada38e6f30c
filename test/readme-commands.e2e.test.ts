/**
 * README runs as written, from a packed and installed package, outside the repository:
 *  1. the Install block runs verbatim in a copy of this checkout (npm ci, npm pack with its
 *     prepack build, npm install -g into a temporary prefix);
 *  2. every installed executable answers --help, spec / --about from a directory that is not the
 *     repository;
 *  3. the sandbox block starts jobtap-sandbox from PATH, and every command of the Airbyte and
 *     Singer blocks runs as printed against it, each output checked as protocol messages.
 * A ```sh block README adds later must be run here or skipped with a reason below.
 */
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines, repoRoot, testCacheDir } from './helpers/cli.js';
import { assertValidAirbyteMessages, assertValidSingerMessages } from './helpers/protocol.js';

interface ShellBlock {
  heading: string;
  text: string;
}

/** README's ```sh blocks with the ## / ### heading each sits under. */
function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{2,3} /.test(line)) heading = line.replace(/^#+ /, '');
    if (line.trim() === '```sh') {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
      blocks.push({ heading, text: body.join('\n') });
    }
  }
  return blocks;
}

/** Blocks this test does not run, and why each is covered elsewhere or cannot run here. */
const SKIPPED: { matches: (b: ShellBlock) => boolean; why: string }[] = [
  { matches: (b) => b.text.trim() === 'npm ci && npm run demo', why: 'the demo has its own test (test/demo.e2e.test.ts)' },
  { matches: (b) => b.text.trim() === 'npm ci && npm test', why: 'it is the command running this suite (.ci/run)' },
  { matches: (b) => b.text.split('\n').every((l) => l.startsWith('docker ')), why: 'no Docker engine on test machines; test/dockerfile.test.ts checks the image layout' },
];

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const blocks = shellBlocks(readme);
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

const root = mkdtempSync(path.join(tmpdir(), 'jobtap-readme-'));
const checkout = path.join(root, 'checkout');
const prefix = path.join(root, 'prefix');
const work = path.join(root, 'work');

/** The environment of a person with the package installed globally (into our temporary prefix). */
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  npm_config_prefix: prefix,
  // The machine's npm cache already holds every dependency (CI ran npm ci): no need to ask the registry again.
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
  JOBTAP_CACHE_DIR: testCacheDir,
};

const execFileAsync = promisify(execFile);

/**
 * Runs one README block in bash (stdin closed). Asynchronous on purpose: a block runs for up to a minute (npm ci,
 * a sandbox sync), and a worker blocked that long misses vitest's RPC deadline ("Timeout calling
 * onTaskUpdate"), which fails the run although every test passed.
 */
async function runBlock(text: string, cwd: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const running = execFileAsync('bash', ['-euo', 'pipefail', '-c', text], { cwd, env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    running.child.stdin?.end();
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function jsonl(file: string): Record<string, unknown>[] {
  return parseJsonLines(readFileSync(path.join(work, file), 'utf8'));
}

function block(heading: string): ShellBlock[] {
  return blocks.filter((b) => b.heading === heading);
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('README, as written, from an installed package', () => {
  it('every sh block is run below or skipped with a reason', () => {
    const run = new Set([...block('Install'), ...block('Try it: a sync against the sandbox'), ...block('Airbyte'), ...block('Singer and Meltano')]);
    for (const b of blocks) {
      const skipped = SKIPPED.some((s) => s.matches(b));
      expect(run.has(b) || skipped, `README block under "${b.heading}" is neither run nor skipped:\n${b.text}`).toBe(true);
    }
    expect(block('Install')).toHaveLength(1);
    expect(block('Install')[0]!.text).toContain(`jobtap-${pkg.version}.tgz`);
  });

  describe('installed', () => {
    beforeAll(async () => {
      // A checkout as git has it (tracked and new files, nothing ignored: no node_modules, no dist).
      const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
      for (const f of files) {
        if (!existsSync(path.join(repoRoot, f))) continue; // deleted in the working tree
        mkdirSync(path.dirname(path.join(checkout, f)), { recursive: true });
        cpSync(path.join(repoRoot, f), path.join(checkout, f));
      }
      mkdirSync(prefix, { recursive: true });
      mkdirSync(work, { recursive: true });
      const install = await runBlock(block('Install')[0]!.text, checkout, 600_000);
      expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
    }, 600_000);

    it('the tarball carries the built code, schemas, catalogs and license, and no tests or sources', () => {
      const listing = execFileSync('tar', ['-tzf', path.join(checkout, `jobtap-${pkg.version}.tgz`)], { encoding: 'utf8' }).split('\n');
      for (const bin of Object.values(pkg.bin)) expect(listing).toContain(`package/${bin}`);
      expect(listing).toContain('package/LICENSE');
      expect(listing).toContain('package/schemas/addepar/jobs.json');
      expect(listing).toContain('package/catalog/impact.singer_catalog.json');
      expect(listing.filter((f) => /\.ts$|\.test\.|^package\/(src|test|bench)\//.test(f))).toEqual([]);
    });

    it('every executable runs from PATH outside the repository: --help, spec, --about', async () => {
      for (const bin of Object.keys(pkg.bin)) {
        const help = await runBlock(`${bin} --help`, work, 30_000);
        expect(help.code, help.stderr).toBe(0);
        expect(help.stdout).toMatch(new RegExp(`Usage: ${bin}`));
      }
      for (const vendor of ['addepar', 'impact']) {
        const spec = await runBlock(`source-${vendor} spec`, work, 30_000);
        expect(spec.code, spec.stderr).toBe(0);
        assertValidAirbyteMessages(parseJsonLines(spec.stdout));
        const about = await runBlock(`tap-${vendor} --about --format json`, work, 30_000);
        expect(about.code, about.stderr).toBe(0);
        expect((JSON.parse(about.stdout) as { name: string }).name).toBe(`tap-${vendor}`);
      }
    });

    describe('against jobtap-sandbox', () => {
      let sandbox: ChildProcessWithoutNullStreams;
      let sandboxOut = '';

      beforeAll(async () => {
        const [start] = block('Try it: a sync against the sandbox');
        expect(start!.text.trim()).toMatch(/^jobtap-sandbox( |$)/);
        sandbox = spawn('bash', ['-c', `exec ${start!.text.trim()}`], { cwd: work, env, stdio: 'pipe' });
        sandbox.stdout.on('data', (c: Buffer) => (sandboxOut += c.toString()));
        while (!sandboxOut.includes('ready')) await once(sandbox.stdout, 'data');
      }, 30_000);

      afterAll(async () => {
        if (sandbox.exitCode !== null) return;
        sandbox.kill('SIGINT');
        await once(sandbox, 'close');
      });

      it('wrote configs and catalogs into ./sandbox-configs', () => {
        for (const f of ['addepar.json', 'impact.json', 'addepar.configured_catalog.json', 'addepar.singer_catalog.json', 'impact.configured_catalog.json', 'impact.singer_catalog.json']) {
          expect(existsSync(path.join(work, 'sandbox-configs', f)), f).toBe(true);
        }
      });

      it('the Airbyte commands run as printed; the second read starts from the first one\'s output', async () => {
        const [airbyte] = block('Airbyte');
        const r = await runBlock(airbyte!.text, work, 300_000);
        expect(r.code, r.stderr).toBe(0);
        const first = jsonl('addepar-1.jsonl');
        const second = jsonl('addepar-2.jsonl');
        assertValidAirbyteMessages(first);
        assertValidAirbyteMessages(second);
        const recordsOf = (messages: Record<string, unknown>[]) => messages.filter((m) => m.type === 'RECORD');
        expect(recordsOf(first).length).toBeGreaterThan(0);
        expect(first.some((m) => m.type === 'STATE')).toBe(true);
        // Only what is new (the window in progress, the jobs listing) is read again.
        expect(recordsOf(second).length).toBeLessThan(recordsOf(first).length);
        expect(second.filter((m) => m.type === 'TRACE' && (m.trace as { type: string }).type === 'ERROR')).toEqual([]);
      }, 300_000);

      it('the Singer commands run as printed', async () => {
        const [singer] = block('Singer and Meltano');
        const r = await runBlock(singer!.text, work, 300_000);
        expect(r.code, r.stderr).toBe(0);
        const catalog = JSON.parse(readFileSync(path.join(work, 'impact-catalog.json'), 'utf8')) as { streams: unknown[] };
        expect(catalog.streams.length).toBeGreaterThan(0);
        const first = jsonl('impact-1.jsonl');
        const second = jsonl('impact-2.jsonl');
        assertValidSingerMessages(first);
        assertValidSingerMessages(second);
        expect(first.filter((m) => m.type === 'RECORD').length).toBeGreaterThan(0);
        expect(second.filter((m) => m.type === 'RECORD').length).toBeLessThan(first.filter((m) => m.type === 'RECORD').length);
      }, 300_000);

      it('"works the same way": the Airbyte commands with source-impact and the Singer ones with tap-addepar', async () => {
        // README says so under each block; the other two connectors, installed, run those blocks too.
        const airbyte = block('Airbyte')[0]!.text.replaceAll('source-addepar', 'source-impact').replaceAll('addepar', 'impact');
        const singer = block('Singer and Meltano')[0]!.text.replaceAll('tap-impact', 'tap-addepar').replaceAll('impact', 'addepar');
        const a = await runBlock(airbyte, work, 300_000);
        expect(a.code, a.stderr).toBe(0);
        const airbyteOut = jsonl('impact-1.jsonl');
        assertValidAirbyteMessages(airbyteOut);
        expect(airbyteOut.filter((m) => m.type === 'RECORD').length).toBeGreaterThan(0);
        const t = await runBlock(singer, work, 300_000);
        expect(t.code, t.stderr).toBe(0);
        const singerOut = jsonl('addepar-1.jsonl');
        assertValidSingerMessages(singerOut);
        expect(singerOut.filter((m) => m.type === 'RECORD').length).toBeGreaterThan(0);
      }, 600_000);
    });
  });
});
