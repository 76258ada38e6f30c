/**
 * Errors that carry their Airbyte failure classification, so the protocol layer can turn
 * any failure into the right TRACE message without knowing where it came from.
 * - config_error: the user must change something (bad credentials, invalid portfolio...).
 * - transient_error: retrying later may succeed (server faults, timeouts, quota).
 * - system_error: a bug or an unexpected condition in jobtap or the vendor.
 */
export type FailureType = 'config_error' | 'system_error' | 'transient_error';

export class ConnectorError extends Error {
  readonly failureType: FailureType;
  /** Technical detail for the TRACE internal_message; the `message` is for the user. */
  readonly internalMessage?: string;

  constructor(message: string, failureType: FailureType, options?: { cause?: unknown; internalMessage?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.failureType = failureType;
    this.internalMessage = options?.internalMessage;
  }
}

export class ConfigError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown; internalMessage?: string }) {
    super(message, 'config_error', options);
  }
}

export class TransientError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown; internalMessage?: string }) {
    super(message, 'transient_error', options);
  }
}

/** The sync was stopped by a signal (SIGTERM, Ctrl-C): transient, and the same error for every stream it ends. */
export class InterruptedError extends TransientError {
  constructor(readonly signalName: string) {
    super(`The sync was interrupted by ${signalName} before it finished; the next sync resumes from the last state.`);
  }
}

export class SystemError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown; internalMessage?: string }) {
    super(message, 'system_error', options);
  }
}

/** Classifies anything thrown: ConnectorErrors keep their type, everything else is a system_error. */
export function failureTypeOf(err: unknown): FailureType {
  return err instanceof ConnectorError ? err.failureType : 'system_error';
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
