/**
 * The wait between two status polls of one job: it starts at the configured interval and grows
 * ×1.5 per poll up to the cap, with ±20 % jitter so that jobs launched together do not poll in
 * lock-step against a shared rate limit.
 */
export class PollBackoff {
  private next: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.next = initialMs;
  }

  /** The delay to wait now; the following call returns a longer one. */
  nextDelayMs(): number {
    const base = this.next;
    this.next = Math.min(this.maxMs, Math.max(1, base * 1.5));
    const jittered = base * (0.8 + 0.4 * this.random());
    return Math.round(Math.min(this.maxMs, jittered));
  }

  reset(): void {
    this.next = this.initialMs;
  }
}
