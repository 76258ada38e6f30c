/**
 * Runs one connector executable as a child process, the way an Airbyte worker or Meltano does,
 * and fans its stdout out: RECORD messages to one JSONL file per stream, the last STATE per stream
 * kept for the next run, LOG/TRACE lines summarised. Reads stdout line by line and writes files
 * with back-pressure, so a large sync never sits in memory.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface StreamStats {
  stream: string;
  records: number;
  bytes: number;
  /** Seconds from the child's start to the stream's last record. */
  seconds: number;
  file: string;
}

export interface ConnectorRunResult {
  exitCode: number | null;
  streams: StreamStats[];
  /** The last STATE message's `state` per stream, in the shape `--state` accepts (an array). */
  state: Record<string, unknown>[];
  errors: string[];
  seconds: number;
}

export interface ConnectorRunOptions {
  entry: string;
  args: string[];
  /** Folder for `<stream>.jsonl` files. */
  outDir: string;
  /** Called with LOG and TRACE messages worth showing a person. */
  onLog?: (line: string) => void;
}

export type Message = { type?: string; record?: { stream: string; data: unknown }; state?: Record<string, unknown>; log?: { level: string; message: string }; trace?: { type: string; error?: { message: string } }; catalog?: { streams: CatalogStream[] }; connectionStatus?: { status: string; message?: string } };

export interface CatalogStream {
  name: string;
  supported_sync_modes: string[];
  source_defined_primary_key?: string[][];
  default_cursor_field?: string[];
}

export async function runConnector(options: ConnectorRunOptions): Promise<ConnectorRunResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [options.entry, ...options.args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const files = new Map<string, WriteStream>();
  const stats = new Map<string, StreamStats>();
  const lastState = new Map<string, Record<string, unknown>>();
  const errors: string[] = [];

  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    const msg = JSON.parse(line) as Message;
    if (msg.type === 'RECORD' && msg.record) {
      const name = msg.record.stream;
      let out = files.get(name);
      let s = stats.get(name);
      if (!out || !s) {
        const file = path.join(options.outDir, `${name}.jsonl`);
        out = createWriteStream(file);
        files.set(name, out);
        s = { stream: name, records: 0, bytes: 0, seconds: 0, file };
        stats.set(name, s);
      }
      const text = `${JSON.stringify(msg.record.data)}\n`;
      s.records += 1;
      s.bytes += Buffer.byteLength(text);
      s.seconds = (Date.now() - started) / 1000;
      if (!out.write(text)) await once(out, 'drain');
    } else if (msg.type === 'STATE' && msg.state) {
      const descriptor = (msg.state.stream as { stream_descriptor?: { name?: string } } | undefined)?.stream_descriptor;
      lastState.set(descriptor?.name ?? '__global__', msg.state);
    } else if (msg.type === 'TRACE' && msg.trace?.type === 'ERROR' && msg.trace.error) {
      errors.push(msg.trace.error.message);
      options.onLog?.(`ERROR ${msg.trace.error.message}`);
    } else if (msg.type === 'LOG' && msg.log && (msg.log.level === 'WARN' || msg.log.level === 'ERROR')) {
      options.onLog?.(`${msg.log.level} ${msg.log.message}`);
    }
  }
  const [exitCode] = (await once(child, 'close')) as [number | null];
  await Promise.all([...files.values()].map((f) => new Promise<void>((resolve) => f.end(resolve))));
  return {
    exitCode,
    streams: [...stats.values()],
    state: [...lastState.values()],
    errors,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Runs a connector command whose output is small (spec, check, discover) and returns its messages. */
export async function runConnectorForMessages(entry: string, args: string[]): Promise<{ exitCode: number | null; messages: Message[] }> {
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: Message[] = [];
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) messages.push(JSON.parse(line) as Message);
  const [exitCode] = (await once(child, 'close')) as [number | null];
  return { exitCode, messages };
}
