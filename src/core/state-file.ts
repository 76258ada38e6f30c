/**
 * Reading `--state`. Besides a state document (Airbyte's array of state messages, a Singer
 * `{"bookmarks": …}` object, the legacy blob), the file may be the very output of an earlier run
 * — a JSON-lines stream of Airbyte or Singer messages, as a person running the connector by hand
 * keeps it (`read … > run-1.jsonl`, then `read … --state run-1.jsonl`). Then the last STATE of
 * every stream in it is the state, as a platform would have kept it. Such a file is mostly
 * records, so it is read line by line, keeping only the newest STATE per stream: memory stays
 * flat however large it is.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { readJsonFile, unreadableFileMessage } from './config.js';
import { ConfigError } from './errors.js';
import { parseStateInput, type InputState } from './state.js';

/** The `type` values of Airbyte and Singer messages: a first line with one of them starts a message stream. */
const MESSAGE_TYPES = new Set(['RECORD', 'STATE', 'LOG', 'TRACE', 'SCHEMA', 'SPEC', 'CATALOG', 'CONNECTION_STATUS', 'CONTROL', 'ACTIVATE_VERSION', 'BATCH']);

export async function readStateFile(file: string): Promise<InputState> {
  const firstLine = await readFirstLine(file);
  if (!startsMessageStream(firstLine)) return parseStateInput(await readJsonFile(file, 'state file'));
  return parseStateInput(await lastStatesOf(file));
}

async function readFirstLine(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new ConfigError(unreadableFileMessage(file, 'state file', err), { cause: err });
  }
  try {
    // A message line is short next to 64 KiB unless it is a large record, which is no state document either.
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return end === -1 ? text : text.slice(0, end);
  } catch (err) {
    throw new ConfigError(unreadableFileMessage(file, 'state file', err), { cause: err });
  } finally {
    await handle.close();
  }
}

function startsMessageStream(line: string): boolean {
  try {
    const first = JSON.parse(line) as unknown;
    return typeof first === 'object' && first !== null && !Array.isArray(first) && MESSAGE_TYPES.has(String((first as { type?: unknown }).type));
  } catch {
    return false;
  }
}

/**
 * The newest STATE of every stream in a message stream, in the shape parseStateInput takes: Airbyte
 * STATE messages (one per stream, or the newest GLOBAL / legacy one), or the newest Singer STATE value.
 * A last line cut short (a run killed mid-write) is ignored; a broken line before it is an error.
 */
async function lastStatesOf(file: string): Promise<unknown> {
  const airbyte = new Map<string, unknown>();
  let singer: unknown;
  let lineNumber = 0;
  let broken: { line: number } | undefined;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNumber++;
    if (broken !== undefined) {
      throw new ConfigError(`State file ${file}, line ${broken.line}: not a JSON message (only the last line of a run's output may be cut short)`);
    }
    // Records are the bulk of such a file; only lines that can be a STATE message are parsed.
    if (!line.includes('"STATE"')) continue;
    let message: { type?: unknown; state?: unknown; value?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      broken = { line: lineNumber };
      continue;
    }
    if (message.type !== 'STATE') continue;
    if (message.value !== undefined) singer = message.value;
    else if (typeof message.state === 'object' && message.state !== null) airbyte.set(stateKey(message.state as Record<string, unknown>), message.state);
  }
  if (airbyte.size > 0 && singer !== undefined) {
    throw new ConfigError(`State file ${file} holds both Airbyte and Singer STATE messages; pass the output of one run`);
  }
  return singer !== undefined ? singer : [...airbyte.values()];
}

/** Which stream a state message is about: later messages of the same stream replace earlier ones. */
function stateKey(state: Record<string, unknown>): string {
  const stream = state.stream as { stream_descriptor?: { name?: unknown; namespace?: unknown } } | undefined;
  if (state.type === 'STREAM' || stream !== undefined) {
    return `stream:${String(stream?.stream_descriptor?.namespace ?? '')}:${String(stream?.stream_descriptor?.name ?? '')}`;
  }
  // GLOBAL and legacy states are whole: the newest one replaces every earlier one of its kind.
  return String(state.type ?? 'LEGACY');
}
