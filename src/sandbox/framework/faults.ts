/**
 * Fault injection for the simulator host: a hostile network and server on demand.
 * Rules match requests by method and path and fire for the first N matches (after skipping some)
 * or for every K-th match. Faults that act before the response (status, reset, delay) answer
 * the request themselves; faults inside the body (mid-body reset, truncation, slow body) let the
 * real handler run and cut or slow what it writes, so the client sees the real headers
 * (including the full Content-Length) followed by a broken body.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SimInterceptor, SimRequest } from './server.js';

export type FaultAction =
  /** Answer with this status instead of the handler, e.g. 429 with Retry-After, or a 503. */
  | {
      kind: 'status';
      status: number;
      body?: string;
      headers?: Record<string, string>;
      /** Retry-After in seconds. */
      retryAfterSeconds?: number;
      /** Send Retry-After as an HTTP-date (now + retryAfterSeconds) instead of seconds. */
      retryAfterAsDate?: boolean;
    }
  /** Destroy the connection before any response byte is sent. */
  | { kind: 'reset' }
  /** Wait, then let the handler answer (a slow server: exercises header timeouts). */
  | { kind: 'delay'; ms: number }
  /** Send the headers and part of the body, then reset the connection. */
  | { kind: 'reset_mid_body'; afterBytes?: number; fraction?: number }
  /** Send the headers (full Content-Length) and part of the body, then close the connection cleanly. */
  | { kind: 'truncate'; afterBytes?: number; fraction?: number }
  /** Send the body in small chunks with a pause before each one. */
  | { kind: 'slow_body'; chunkBytes: number; delayMs: number };

export interface FaultRule {
  id: string;
  /** HTTP method to match; any method when absent. */
  method?: string;
  /** Matched against the request path (no query string). */
  path: RegExp;
  /** Extra condition on the request (e.g. one job id, one header). */
  when?(req: SimRequest): boolean;
  /** Matching requests to let through before the rule can fire. Default 0. */
  skip?: number;
  /** Fire for this many matching requests (after `skip`), then stop. */
  times?: number;
  /** Fire on every K-th matching request (after `skip`) instead of a fixed count. */
  every?: number;
  action: FaultAction;
}

export interface FaultInjector {
  interceptor: SimInterceptor;
  /** How many times the rule fired. */
  hits(ruleId: string): number;
}

export function createFaultInjector(rules: FaultRule[]): FaultInjector {
  const seen = new Map<string, number>();
  const fired = new Map<string, number>();
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new Error(`Duplicate fault rule id ${rule.id}`);
    ids.add(rule.id);
    if (rule.times === undefined && rule.every === undefined) throw new Error(`Fault rule ${rule.id} needs 'times' or 'every'`);
  }

  const shouldFire = (rule: FaultRule, req: SimRequest): boolean => {
    if (rule.method !== undefined && rule.method.toUpperCase() !== req.method) return false;
    if (!rule.path.test(req.path)) return false;
    if (rule.when && !rule.when(req)) return false;
    const n = (seen.get(rule.id) ?? 0) + 1;
    seen.set(rule.id, n);
    const index = n - (rule.skip ?? 0);
    if (index <= 0) return false;
    if (rule.every !== undefined) return index % rule.every === 0;
    return index <= (rule.times ?? 0);
  };

  const interceptor: SimInterceptor = async (req, res) => {
    // Every rule counts every request it matches (so `skip: 2` means "the third request"), even
    // when an earlier rule fires for it; the first rule that fires wins.
    const firing = rules.filter((rule) => shouldFire(rule, req));
    const rule = firing[0];
    if (!rule) return false;
    fired.set(rule.id, (fired.get(rule.id) ?? 0) + 1);
    return apply(rule.action, res);
  };

  return { interceptor, hits: (id) => fired.get(id) ?? 0 };
}

/** Performs the fault; true when the response is fully handled here. */
async function apply(action: FaultAction, res: ServerResponse): Promise<boolean> {
  switch (action.kind) {
    case 'status': {
      const headers: Record<string, string> = { 'content-type': 'text/plain', ...action.headers };
      if (action.retryAfterSeconds !== undefined) {
        headers['retry-after'] = action.retryAfterAsDate
          ? new Date(Date.now() + action.retryAfterSeconds * 1000).toUTCString()
          : String(action.retryAfterSeconds);
      }
      const body = action.body ?? `injected fault: HTTP ${action.status}`;
      res.writeHead(action.status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return true;
    }
    case 'reset':
      resetSocket(res.socket);
      return true;
    case 'delay':
      await new Promise((r) => setTimeout(r, action.ms));
      return false;
    case 'reset_mid_body':
    case 'truncate':
      cutBody(res, action);
      return false;
    case 'slow_body':
      slowBody(res, action.chunkBytes, action.delayMs);
      return false;
  }
}

function resetSocket(socket: Socket | null): void {
  if (!socket) return;
  // An RST, not a FIN: what a crashed proxy or a dropped NAT mapping looks like to the client.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

type WriteCallback = (err?: Error | null) => void;

function toBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer {
  if (chunk === undefined || chunk === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), encoding ?? 'utf8');
}

/** Splits the overloaded (chunk, encoding?, callback?) arguments of write/end. */
function splitArgs(args: unknown[]): { chunk: Buffer; callback?: WriteCallback } {
  const callback = args.find((a): a is WriteCallback => typeof a === 'function');
  const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined;
  const chunk = typeof args[0] === 'function' ? Buffer.alloc(0) : toBuffer(args[0], encoding);
  return { chunk, callback };
}

/** The Content-Length the handler declared, read from writeHead's arguments or setHeader. */
function captureContentLength(res: ServerResponse, onLength: (n: number) => void): void {
  const originalWriteHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  (res as unknown as { writeHead: (...a: unknown[]) => ServerResponse }).writeHead = (...args: unknown[]) => {
    const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null && !Array.isArray(a)) as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === 'content-length') onLength(Number(v));
    const set = res.getHeader('content-length');
    if (set !== undefined) onLength(Number(set));
    return originalWriteHead(...args);
  };
}

function cutBody(res: ServerResponse, action: { kind: 'reset_mid_body' | 'truncate'; afterBytes?: number; fraction?: number }): void {
  let contentLength: number | undefined;
  captureContentLength(res, (n) => (contentLength = n));
  const originalWrite = res.write.bind(res) as (chunk: Buffer, cb?: WriteCallback) => boolean;
  let sent = 0;
  let cut = false;

  const limit = (): number => {
    if (action.afterBytes !== undefined) return action.afterBytes;
    const total = contentLength ?? res.getHeader('content-length');
    const n = Number(total ?? 0);
    // At least one byte and at least one byte missing, whatever the fraction.
    return Math.max(1, Math.min(n - 1, Math.floor(n * (action.fraction ?? 0.5))));
  };
  const breakConnection = (): void => {
    const socket = res.socket;
    if (action.kind === 'reset_mid_body') resetSocket(socket);
    // A clean close after a short body: the Content-Length promised more than arrived.
    else socket?.end();
  };
  const pass = (chunk: Buffer, last: boolean): void => {
    if (cut) return;
    if (!res.headersSent) res.flushHeaders();
    const room = limit() - sent;
    if (chunk.length < room) {
      sent += chunk.length;
      if (chunk.length > 0) originalWrite(chunk);
      if (last) {
        // The handler's whole body fits under the limit: still break it at the end.
        cut = true;
        setImmediate(breakConnection);
      }
      return;
    }
    cut = true;
    const part = chunk.subarray(0, Math.max(0, room));
    sent += part.length;
    if (part.length > 0) originalWrite(part, () => breakConnection());
    else setImmediate(breakConnection);
  };

  (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...args: unknown[]) => {
    const { chunk, callback } = splitArgs(args);
    pass(chunk, false);
    callback?.();
    return true;
  };
  (res as unknown as { end: (...a: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
    const { chunk, callback } = splitArgs(args);
    pass(chunk, true);
    callback?.();
    return res;
  };
}

function slowBody(res: ServerResponse, chunkBytes: number, delayMs: number): void {
  const originalWrite = res.write.bind(res) as (chunk: Buffer) => boolean;
  const originalEnd = res.end.bind(res) as () => ServerResponse;
  // Writes are queued and replayed with pauses; the handler does not wait for them.
  let queue: Promise<void> = Promise.resolve();
  const trickle = (chunk: Buffer): void => {
    // Headers go out at once; only the body crawls.
    if (!res.headersSent || res.writableLength === 0) res.flushHeaders();
    for (let offset = 0; offset < chunk.length; offset += chunkBytes) {
      const piece = chunk.subarray(offset, offset + chunkBytes);
      queue = queue.then(async () => {
        await new Promise((r) => setTimeout(r, delayMs));
        if (!res.destroyed) originalWrite(piece);
      });
    }
  };
  (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...args: unknown[]) => {
    const { chunk, callback } = splitArgs(args);
    trickle(chunk);
    callback?.();
    return true;
  };
  (res as unknown as { end: (...a: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
    const { chunk, callback } = splitArgs(args);
    trickle(chunk);
    queue = queue.then(() => {
      if (!res.destroyed) originalEnd();
      callback?.();
    });
    return res;
  };
}
