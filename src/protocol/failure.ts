/**
 * Turns anything thrown into the parts a protocol reports: a user-facing message, a technical
 * internal message, a stack trace (with the `cause` chain) and the failure type.
 * Unknown errors are system errors; their message says so, since it was not written for users.
 */
import { ConnectorError, failureTypeOf, messageOf, type FailureType } from '../core/errors.js';

export interface FailureReport {
  message: string;
  internalMessage: string;
  stackTrace?: string;
  failureType: FailureType;
}

export function describeFailure(err: unknown, streamName?: string): FailureReport {
  const failureType = failureTypeOf(err);
  const where = streamName === undefined ? '' : ` while reading stream "${streamName}"`;
  const message =
    err instanceof ConnectorError ? err.message : `An unexpected error occurred${where}: ${messageOf(err)}`;
  const internalMessage =
    err instanceof ConnectorError && err.internalMessage !== undefined ? err.internalMessage : describeChain(err);
  return { message, internalMessage, stackTrace: stackOf(err), failureType };
}

/** "TypeError: x; caused by Error: y" — the chain of causes in one line. */
function describeChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('; caused by ');
}

function stackOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.stack ?? `${current.name}: ${current.message}`);
    current = current.cause;
  }
  return parts.join('\nCaused by: ');
}
