/**
 * Parses the `--state` input of both protocols into one map of per-stream states.
 *
 * Accepted shapes (whatever a platform or an older jobtap may hand back):
 * - Airbyte per-stream: `[{type:"STREAM", stream:{stream_descriptor:{name}, stream_state:{...}}}, ...]`
 * - Airbyte GLOBAL: `[{type:"GLOBAL", global:{shared_state, stream_states:[...]}}]`
 * - Airbyte LEGACY: `{type:"LEGACY", data:{...}}`, `{"data": {"<stream>": {...}}}` or a plain `{"<stream>": {...}}`
 * - any of the above wrapped as full messages `{type:"STATE", state:{...}}`
 * - Singer: `{"bookmarks": {"<stream>": {...}}}`, also inside Meltano's `{"singer_state": {...}}`
 * - empty: missing, `null`, `{}`, `[]`
 */
import { ConfigError } from './errors.js';
import type { StreamState } from './source.js';

export type StateFormat = 'empty' | 'stream' | 'global' | 'legacy' | 'singer';

export interface InputState {
  /** Previous state per stream name. */
  streams: Map<string, StreamState>;
  /** The shape the input had; the first one seen when an array mixes shapes. */
  format: StateFormat;
  /** GLOBAL `shared_state`, if any; jobtap streams keep no shared state, so this is only reported. */
  sharedState?: StreamState;
}

export function emptyState(): InputState {
  return { streams: new Map(), format: 'empty' };
}

export function parseStateInput(raw: unknown): InputState {
  const out = emptyState();
  if (raw === null || raw === undefined) return out;
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => addStateMessage(out, unwrapMessage(item), `state[${i}]`));
    return out;
  }
  if (!isObject(raw)) throw new ConfigError('state must be a JSON object or an array of state messages');
  addTopLevelObject(out, raw);
  return out;
}

function addTopLevelObject(out: InputState, obj: Record<string, unknown>): void {
  if (Object.keys(obj).length === 0) return;
  if (obj.type === 'STATE' && isObject(obj.state)) return addStateMessage(out, obj.state, 'state');
  // A Singer STATE message, as a target or a tap's output carries it: its value is the state.
  if (obj.type === 'STATE' && isObject(obj.value)) return addTopLevelObject(out, obj.value);
  if (typeof obj.type === 'string' && ['STREAM', 'GLOBAL', 'LEGACY'].includes(obj.type)) {
    return addStateMessage(out, obj, 'state');
  }
  if (isObject(obj.singer_state)) return addTopLevelObject(out, obj.singer_state);
  if (isObject(obj.bookmarks)) return addStreamMap(out, obj.bookmarks, 'singer', 'state.bookmarks');
  // Airbyte's legacy `{"data": {...}}` envelope; a stream literally named "data" would be
  // ambiguous, so only an object whose sole key is `data` is taken as the envelope.
  if (Object.keys(obj).length === 1 && isObject(obj.data)) return addStreamMap(out, obj.data, 'legacy', 'state.data');
  addStreamMap(out, obj, 'legacy', 'state');
}

function unwrapMessage(item: unknown): unknown {
  if (isObject(item) && item.type === 'STATE' && isObject(item.state)) return item.state;
  return item;
}

function addStateMessage(out: InputState, msg: unknown, where: string): void {
  if (!isObject(msg)) throw new ConfigError(`${where} must be a state message object`);
  const type = msg.type ?? (isObject(msg.stream) ? 'STREAM' : isObject(msg.global) ? 'GLOBAL' : 'LEGACY');
  switch (type) {
    case 'STREAM': {
      if (!isObject(msg.stream)) throw new ConfigError(`${where}: a STREAM state needs a "stream" object`);
      addStreamState(out, msg.stream, `${where}.stream`, 'stream');
      return;
    }
    case 'GLOBAL': {
      const global = msg.global;
      if (!isObject(global) || !Array.isArray(global.stream_states)) {
        throw new ConfigError(`${where}: a GLOBAL state needs "global.stream_states"`);
      }
      if (isObject(global.shared_state)) out.sharedState = global.shared_state;
      global.stream_states.forEach((s, i) => {
        if (!isObject(s)) throw new ConfigError(`${where}.global.stream_states[${i}] must be an object`);
        addStreamState(out, s, `${where}.global.stream_states[${i}]`, 'global');
      });
      if (out.format === 'empty') out.format = 'global';
      return;
    }
    case 'LEGACY': {
      if (msg.data === undefined || msg.data === null) return;
      if (!isObject(msg.data)) throw new ConfigError(`${where}.data must be an object`);
      addTopLevelObject(out, msg.data);
      if (out.format === 'empty') out.format = 'legacy';
      return;
    }
    default:
      throw new ConfigError(`${where} has an unknown state type ${JSON.stringify(type)}`);
  }
}

function addStreamState(out: InputState, s: Record<string, unknown>, where: string, format: StateFormat): void {
  const descriptor = s.stream_descriptor;
  if (!isObject(descriptor) || typeof descriptor.name !== 'string') {
    throw new ConfigError(`${where}.stream_descriptor.name must be a string`);
  }
  if (out.format === 'empty') out.format = format;
  const state = s.stream_state;
  if (state === undefined || state === null) return;
  if (!isObject(state)) throw new ConfigError(`${where}.stream_state must be an object`);
  out.streams.set(descriptor.name, state);
}

function addStreamMap(out: InputState, map: Record<string, unknown>, format: StateFormat, where: string): void {
  if (out.format === 'empty') out.format = format;
  for (const [name, state] of Object.entries(map)) {
    if (state === null || state === undefined) continue;
    if (!isObject(state)) {
      // A legacy blob may carry scalar bookkeeping (e.g. a version number) beside stream states.
      if (format === 'legacy') continue;
      throw new ConfigError(`${where}.${name} must be an object (the state of stream "${name}")`);
    }
    out.streams.set(name, state);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
