/** Drives a job stream in-process the way the read loop does, collecting what it yields. */
import type { Logger } from '../../src/core/logger.js';
import type { Row, Stream, StreamState } from '../../src/core/source.js';

export interface CapturedLogger extends Logger {
  lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

export interface DriveResult {
  records: Row[];
  /** Every `state` event, in order. */
  states: StreamState[];
  /** The newest state covering every record seen: the last state event or checkpoint() after records. */
  lastState: StreamState | undefined;
  error: unknown;
}

export interface DriveOptions {
  state?: StreamState;
  logger?: Logger;
  signal?: AbortSignal;
  /** Stop consuming (as a killed sync would) once this many records arrived. */
  stopAfterRecords?: number;
  /** Called after every event (e.g. to look at the simulator at that moment). */
  onEvent?(kind: string, state: StreamState | undefined): void;
}

export async function drive(stream: Stream, options: DriveOptions = {}): Promise<DriveResult> {
  const result: DriveResult = { records: [], states: [], lastState: undefined, error: undefined };
  try {
    for await (const event of stream.read({
      syncMode: 'incremental',
      state: options.state,
      logger: options.logger ?? captureLogger(),
      signal: options.signal ?? new AbortController().signal,
    })) {
      if (event.type === 'records') {
        result.records.push(...event.records);
        result.lastState = stream.checkpoint?.();
        options.onEvent?.('records', result.lastState);
        if (options.stopAfterRecords !== undefined && result.records.length >= options.stopAfterRecords) break;
      } else if (event.type === 'state') {
        result.states.push(event.state);
        result.lastState = event.state;
        options.onEvent?.('state', event.state);
      }
    }
  } catch (err) {
    result.error = err;
  }
  return result;
}

/** Ids of the records, asserting on the way that none repeats. */
export function idsOf(records: Row[]): string[] {
  return records.map((r) => String(r.id));
}
