/**
 * A tiny HTTP simulator host for the vendor sandboxes and the tests: routes with `:param`
 * patterns, every request recorded (for contract tests and "was this header sent?" checks),
 * and an interception hook the fault injector plugs into. Listens on loopback only unless
 * the caller explicitly asks for another host.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON; throws SyntaxError on bad JSON. */
  json(): unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Route pattern that matched, or undefined for a 404. */
  route?: string;
  at: number;
}

export type SimHandler = (req: SimRequest, res: ServerResponse) => void | Promise<void>;

export interface SimRoute {
  method: string;
  /** Path pattern such as "/v1/jobs/:id/download". */
  pattern: string;
  handler: SimHandler;
}

/** Runs before routing; returns true when it answered the request itself (fault injection). */
export type SimInterceptor = (req: SimRequest, res: ServerResponse, route: SimRoute | undefined) => boolean | Promise<boolean>;

export interface SimServerOptions {
  routes: SimRoute[];
  /** Default 127.0.0.1: simulators never listen beyond loopback unless asked. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  interceptors?: SimInterceptor[];
}

export interface SimServer {
  /** Base URL, e.g. "http://127.0.0.1:40123". */
  url: string;
  port: number;
  requests: RecordedRequest[];
  addInterceptor(interceptor: SimInterceptor): void;
  close(): Promise<void>;
}

interface CompiledRoute {
  route: SimRoute;
  regex: RegExp;
  names: string[];
}

function compile(route: SimRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        names.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}/?$`), names };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const compiled = options.routes.map(compile);
  const interceptors: SimInterceptor[] = [...(options.interceptors ?? [])];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sim.local');
      const rawBody = await readBody(req);
      const method = (req.method ?? 'GET').toUpperCase();
      let match: { c: CompiledRoute; m: RegExpExecArray } | undefined;
      for (const c of compiled) {
        if (c.route.method.toUpperCase() !== method) continue;
        const m = c.regex.exec(url.pathname);
        if (m) {
          match = { c, m };
          break;
        }
      }
      const params: Record<string, string> = {};
      if (match) match.c.names.forEach((n, i) => (params[n] = decodeURIComponent(match!.m[i + 1] ?? '')));
      const simReq: SimRequest = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        json: () => JSON.parse(rawBody.toString('utf8')) as unknown,
      };
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: rawBody.toString('utf8'),
        route: match?.c.route.pattern,
        at: Date.now(),
      });
      for (const intercept of interceptors) {
        if (await intercept(simReq, res, match?.c.route)) return;
      }
      if (!match) {
        sendJson(res, 404, { errors: [{ status: '404', title: 'Not Found', detail: `No route for ${method} ${url.pathname}` }] });
        return;
      }
      await match.c.route.handler(simReq, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errors: [{ status: '500', title: 'Simulator error', detail: String(err) }] });
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // Do not keep a test process alive just because a simulator is still listening.
  server.unref();

  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    addInterceptor: (i) => interceptors.push(i),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
