/** Temp files and catalogs for the fixture CLI tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runText } from '../helpers/cli.js';

export const SECRET = 'Sup3r-Secret-Key-9f8e7d';
export const TOKEN_SECRET = 'oauth-token-Zq81';
export const LIST_SECRET = 'list-secret-Mx42';

export class TempDir {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'jobtap-protocol-'));

  json(name: string, value: unknown): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  }

  text(name: string, value: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, value);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { api_key: SECRET, record_count: 5, ...extra };
}

export function configuredCatalog(streams: [string, 'full_refresh' | 'incremental'][]): unknown {
  return {
    streams: streams.map(([name, syncMode]) => ({
      stream: {
        name,
        json_schema: { type: 'object' },
        supported_sync_modes: name === 'events' ? ['full_refresh', 'incremental'] : ['full_refresh'],
      },
      sync_mode: syncMode,
      destination_sync_mode: syncMode === 'incremental' ? 'append' : 'overwrite',
      ...(syncMode === 'incremental' ? { cursor_field: ['seq'] } : {}),
    })),
  };
}

type Msg = Record<string, unknown>;

export function ofType(messages: Msg[], type: string): Msg[] {
  return messages.filter((m) => m.type === type);
}

export function records(messages: Msg[], stream?: string): Record<string, unknown>[] {
  return ofType(messages, 'RECORD')
    .map((m) => m.record as { stream: string; data: Record<string, unknown> })
    .filter((r) => stream === undefined || r.stream === stream)
    .map((r) => r.data);
}

export function traces(messages: Msg[], type: string): Record<string, unknown>[] {
  return ofType(messages, 'TRACE')
    .map((m) => m.trace as Record<string, unknown>)
    .filter((t) => t.type === type);
}

export function statuses(messages: Msg[]): string[] {
  return traces(messages, 'STREAM_STATUS').map((t) => {
    const s = t.stream_status as { stream_descriptor: { name: string }; status: string };
    return `${s.stream_descriptor.name}:${s.status}`;
  });
}

export function streamStates(messages: Msg[], stream: string): { state: Record<string, unknown>; recordCount: number }[] {
  return ofType(messages, 'STATE')
    .map((m) => m.state as { stream: { stream_descriptor: { name: string }; stream_state: Record<string, unknown> }; sourceStats: { recordCount: number } })
    .filter((s) => s.stream.stream_descriptor.name === stream)
    .map((s) => ({ state: s.stream.stream_state, recordCount: s.sourceStats.recordCount }));
}

/** Runs a CLI whose stdout is not protocol output (help, --about, --discover). */
export function runRaw(entry: string, args: string[], env?: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runText(entry, args, { env });
}
