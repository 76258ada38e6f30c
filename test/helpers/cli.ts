/**
 * Runs a built jobtap executable (dist/...) as a child process, the way Airbyte and Meltano do,
 * and splits its stdout into protocol messages. Every stdout line must be one JSON object;
 * a line that is not is a protocol violation and fails the parse loudly.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The request ledger (vendor rate-limit budget shared by processes) of the CLIs a test file runs:
 * its own directory, so the suite never reads or writes the user's ~/.cache/jobtap. Processes of
 * one test file share it, as the processes of one Meltano run share the user's.
 */
export const testCacheDir = mkdtempSync(path.join(tmpdir(), 'jobtap-test-cache-'));
process.once('exit', () => rmSync(testCacheDir, { recursive: true, force: true }));

/** Path of a built entry, e.g. distEntry('src/cli/source-addepar') → <repo>/dist/src/cli/source-addepar.js */
export function distEntry(relativeWithoutExt: string): string {
  return path.join(repoRoot, 'dist', `${relativeWithoutExt}.js`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed line by line. */
  messages: Record<string, unknown>[];
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  stdin?: string;
  /** stdout is not a protocol stream (e.g. the demo's table): do not parse it; `messages` is empty. */
  plainStdout?: boolean;
}

export function parseJsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line, i) => {
      try {
        const v = JSON.parse(line) as unknown;
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        return v as Record<string, unknown>;
      } catch {
        throw new Error(`stdout line ${i + 1} is not a JSON object: ${line.slice(0, 200)}`);
      }
    });
}

/** Spawns `node <entry> ...args`; returns the child for tests that kill it or read slowly. */
export function spawnCli(entry: string, args: string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [entry, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, JOBTAP_CACHE_DIR: testCacheDir, ...options.env },
    stdio: 'pipe',
  });
}

export function runCli(entry: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(entry, args, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      let messages: Record<string, unknown>[];
      try {
        messages = options.plainStdout ? [] : parseJsonLines(stdout);
      } catch (e) {
        reject(new Error(`${(e as Error).message}\n--- stderr ---\n${stderr}`));
        return;
      }
      resolve({ code, signal, stdout, stderr, messages });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Runs a CLI whose stdout is text (help, --about, a catalog printed whole): no parsing. */
export function runText(entry: string, args: string[], options: CliOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(entry, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}
