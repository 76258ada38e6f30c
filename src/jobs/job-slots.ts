/**
 * A fixed number of slots handed out fairly: whoever asked first gets the next free slot. The
 * scheduler uses it for the vendor account's job slots (jobs launched and not yet read, across
 * every stream of a sync) and for result readers.
 *
 * A caller that must have a slot to make progress (a stream's next job) waits in line with
 * `acquire`; a caller that only wants to get ahead (jobs launched behind a stream's next one)
 * uses `tryAcquire`, which never takes a slot while anyone is waiting: a stream that got there
 * first cannot keep the others from their turn.
 */
export type Release = () => void;

export class FairSlots {
  private used = 0;
  private readonly waiting: { grant: (release: Release) => void; fail: (err: unknown) => void }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`slot capacity must be a positive integer, got ${capacity}`);
  }

  get inUse(): number {
    return this.used;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A slot now, if one is free and nobody is waiting for one. */
  tryAcquire(): Release | undefined {
    if (this.used >= this.capacity || this.waiting.length > 0) return undefined;
    this.used++;
    return this.releaser();
  }

  /** A slot, waiting in line for it; rejects with the signal's reason when the sync is interrupted. */
  acquire(signal?: AbortSignal): Promise<Release> {
    const now = this.tryAcquire();
    if (now !== undefined) return Promise.resolve(now);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Release>((resolve, reject) => {
      const entry = {
        grant: (release: Release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: reject,
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the first in line; it is never free in between.
      if (next !== undefined) next.grant(this.releaser());
      else this.used--;
    };
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
