/**
 * A vendor that cancels requests running longer than a limit (Addepar: 60 seconds, answered with
 * 400). As an interceptor: it arms a timer (on the sandbox clock) when a request arrives and lets
 * the handler run; if the response is not finished when the timer fires, it answers the limit's
 * error itself when nothing was sent yet, or cuts the connection when a body was already flowing
 * (a download held open by a slow reader). Every such request is counted, so a test can assert
 * that jobtap stays inside the limit.
 */
import type { ServerResponse } from 'node:http';
import type { SandboxClock } from './clock.js';
import type { SimInterceptor } from './server.js';

export interface RequestTimeLimit {
  interceptor: SimInterceptor;
  /** Requests cancelled for running too long. */
  exceeded(): number;
}

export function requestTimeLimit(options: {
  /** Sandbox milliseconds. */
  limitMs: number;
  clock: SandboxClock;
  /** Writes the vendor's answer to a cancelled request (headers not sent yet). */
  answer(res: ServerResponse): void;
}): RequestTimeLimit {
  let exceeded = 0;
  const interceptor: SimInterceptor = (_req, res) => {
    const timer = setTimeout(() => {
      if (res.writableFinished || res.destroyed) return;
      exceeded++;
      if (!res.headersSent) {
        options.answer(res);
        // The handler may still try to answer; the request is over as far as the client knows.
        silence(res);
      } else {
        res.destroy();
      }
    }, Math.max(1, options.clock.toRealMs(options.limitMs)));
    timer.unref();
    const clear = (): void => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    return false;
  };
  return { interceptor, exceeded: () => exceeded };
}

function silence(res: ServerResponse): void {
  const target = res as unknown as Record<string, unknown>;
  target.writeHead = () => res;
  target.setHeader = () => res;
  target.write = () => true;
  target.end = () => res;
}
