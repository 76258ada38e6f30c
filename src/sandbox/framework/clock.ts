/**
 * The sandboxes' clock. It starts where a test says (default: now) and runs `speed` times faster
 * than real time, so a test can live through Addepar's 15-minute rate-limit window in seconds;
 * `advance` jumps it forward (past a result's retention, to the next day).
 */
export interface SandboxClock {
  /** Sandbox time, ms since the epoch. */
  now(): number;
  /** Moves the clock forward by `ms` of sandbox time. */
  advance(ms: number): void;
  /** How many sandbox milliseconds pass per real millisecond. */
  readonly speed: number;
  /** Real milliseconds that `sandboxMs` of sandbox time take. */
  toRealMs(sandboxMs: number): number;
}

export interface SandboxClockOptions {
  /** Sandbox time at creation (ms since epoch). Default: the real time. */
  startTime?: number;
  /** Default 1. */
  speed?: number;
}

export function createSandboxClock(options: SandboxClockOptions = {}): SandboxClock {
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`clock speed must be a positive number, got ${speed}`);
  const realStart = Date.now();
  const start = options.startTime ?? realStart;
  let offset = 0;
  return {
    now: () => start + (Date.now() - realStart) * speed + offset,
    advance: (ms) => {
      offset += ms;
    },
    speed,
    toRealMs: (sandboxMs) => sandboxMs / speed,
  };
}
