/**
 * Shared plumbing of the impact.com end-to-end tests: temp files for config/catalog/state, running
 * the built CLIs, and picking records, states and logs out of their output. Every message is
 * validated against the protocol schemas before a test looks at it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distEntry, runCli, type CliResult } from '../helpers/cli.js';
import { assertValidAirbyteMessages, assertValidSingerMessages } from '../helpers/protocol.js';
import type { ImpactSandbox } from '../../src/sandbox/impact/index.js';

export const SOURCE = distEntry('src/cli/source-impact');
export const TAP = distEntry('src/cli/tap-impact');
export const DAY_MS = 86_400_000;

export type Message = Record<string, unknown>;

export class TempDir {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'jobtap-impact-'));
  private n = 0;
  file(name: string, value: unknown): string {
    const p = path.join(this.dir, `${this.n++}-${name}`);
    writeFileSync(p, JSON.stringify(value));
    return p;
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function dayOffset(days: number, from = Date.now()): string {
  return new Date(from + days * DAY_MS).toISOString().slice(0, 10);
}

export function baseConfig(sandbox: ImpactSandbox, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account_sid: sandbox.accountSid,
    auth_token: sandbox.authToken,
    base_url: sandbox.url,
    start_date: dayOffset(-20),
    poll_interval_seconds: 0.02,
    job_timeout_minutes: 0.5,
    ...extra,
  };
}

export function airbyteCatalog(streams: string[]): Record<string, unknown> {
  return {
    streams: streams.map((name) => ({
      stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: 'incremental',
      destination_sync_mode: 'append',
    })),
  };
}

export async function airbyte(args: string[], tmp: TempDir, files: { config?: unknown; catalog?: unknown; state?: unknown } = {}): Promise<CliResult> {
  const full = [...args];
  if (files.config !== undefined) full.push('--config', tmp.file('config.json', files.config));
  if (files.catalog !== undefined) full.push('--catalog', tmp.file('catalog.json', files.catalog));
  if (files.state !== undefined) full.push('--state', tmp.file('state.json', files.state));
  const result = await runCli(SOURCE, full, { timeoutMs: 50_000 });
  assertValidAirbyteMessages(result.messages);
  return result;
}

export async function singer(args: string[], tmp: TempDir, files: { config?: unknown; catalog?: unknown; state?: unknown } = {}): Promise<CliResult> {
  const full = [...args];
  if (files.config !== undefined) full.push('--config', tmp.file('config.json', files.config));
  if (files.catalog !== undefined) full.push('--catalog', tmp.file('catalog.json', files.catalog));
  if (files.state !== undefined) full.push('--state', tmp.file('state.json', files.state));
  const result = await runCli(TAP, full, { timeoutMs: 50_000 });
  if (!args.includes('--discover')) assertValidSingerMessages(result.messages);
  return result;
}

/** Record data of one stream, in order (Airbyte `record.data` or Singer `record`). */
export function records(result: CliResult, stream: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const m of result.messages) {
    if (m.type !== 'RECORD') continue;
    if (typeof m.stream === 'string') {
      if (m.stream === stream) out.push(m.record as Record<string, unknown>);
    } else {
      const r = m.record as { stream: string; data: Record<string, unknown> };
      if (r.stream === stream) out.push(r.data);
    }
  }
  return out;
}

/** The Airbyte per-stream states of the last STATE message of each stream, as a state input. */
export function lastStates(result: CliResult): Message[] {
  const byStream = new Map<string, Message>();
  for (const m of result.messages) {
    if (m.type !== 'STATE') continue;
    const state = m.state as { type: string; stream: { stream_descriptor: { name: string } } };
    byStream.set(state.stream.stream_descriptor.name, { type: 'STREAM', stream: state.stream });
  }
  return [...byStream.values()];
}

export function logs(result: CliResult, level?: string): string[] {
  return result.messages
    .filter((m) => m.type === 'LOG' && (level === undefined || (m.log as { level: string }).level === level))
    .map((m) => (m.log as { message: string }).message);
}

export function errorTraces(result: CliResult): Message[] {
  return result.messages.filter((m) => m.type === 'TRACE' && (m.trace as { type: string }).type === 'ERROR');
}

/** The CONNECTION_STATUS of a check run; fails with the CLI's output when there is none. */
export function connectionStatus(result: CliResult): { status: string; message?: string } {
  const m = result.messages.find((x) => x.type === 'CONNECTION_STATUS');
  if (m === undefined) throw new Error(`no CONNECTION_STATUS (exit ${String(result.code)})\n${result.stdout}\n${result.stderr}`);
  return m.connectionStatus as { status: string; message?: string };
}
