/**
 * Runs the fixture job source's Airbyte CLI and SIGKILLs it at a chosen point, keeping only the
 * complete stdout lines: what a destination would have received from a sync that died there.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EVENTS_SCHEMA, type FixtureConfig } from '../fixtures/job-source.js';
import { distEntry, spawnCli } from '../helpers/cli.js';

/** Writes the config and an incremental configured catalog of the named fixture streams; returns the file names. */
export function writeSyncFiles(dir: string, config: FixtureConfig, streams: string[]): { configFile: string; catalogFile: string; stateFile: string } {
  const configFile = path.join(dir, 'config.json');
  const catalogFile = path.join(dir, 'catalog.json');
  writeFileSync(configFile, JSON.stringify(config));
  writeFileSync(
    catalogFile,
    JSON.stringify({
      streams: streams.map((name) => ({
        stream: { name, json_schema: EVENTS_SCHEMA, supported_sync_modes: ['full_refresh', 'incremental'] },
        sync_mode: 'incremental',
        destination_sync_mode: 'append_dedup',
        cursor_field: ['day'],
        primary_key: [['id']],
      })),
    }),
  );
  return { configFile, catalogFile, stateFile: path.join(dir, 'state.json') };
}

export interface RunOutcome {
  killed: boolean;
  code: number | null;
  messages: Record<string, unknown>[];
  stderr: string;
}

/** Runs the CLI; SIGKILLs it after `afterLines` stdout lines or `afterMs`, whichever comes first. */
export function runUntilKilled(args: string[], kill: { afterLines?: number; afterMs?: number }): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(distEntry('test/fixtures/job-source-cli'), args);
    let buffered = '';
    let lines = 0;
    let killed = false;
    const stderr: Buffer[] = [];
    const complete: string[] = [];
    const doKill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const timer = kill.afterMs === undefined ? undefined : setTimeout(doKill, kill.afterMs);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        complete.push(line);
        lines++;
        if (kill.afterLines !== undefined && lines >= kill.afterLines) doKill();
      }
    });
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      // A partial last line (cut by the kill) is what a destination would discard too.
      resolve({ killed, code, messages: complete.map((l) => JSON.parse(l) as Record<string, unknown>), stderr: Buffer.concat(stderr).toString('utf8') });
    });
    child.stdin.end();
  });
}

