/**
 * What the engine knows about the status of the jobs in flight, and how it asks: one job at a time
 * (`adapter.status`), or every job in flight at once when the adapter can (`adapter.statuses`,
 * e.g. one page of a vendor's job list). One observer serves every stream of a sync that uses the
 * same adapter, so a round that observes the jobs of six streams costs one request instead of six,
 * a job seen completed in an earlier round needs no poll of its own when its turn comes, and a job
 * another stream's round observed a moment ago is not asked about again.
 *
 * Rounds are spaced by the budget's pace (how often a poll round may spend a request), so polls
 * never crowd out the launches and downloads that move the sync forward.
 */
import type { JobAdapter, JobState, JobStatus } from './types.js';

/** States after which the vendor no longer runs the job (and that never change again for its id). */
export const SETTLED: ReadonlySet<JobState> = new Set<JobState>(['completed', 'failed', 'cancelled', 'expired']);

/** The part of an adapter that reports statuses (the same whatever the job parameters are). */
export type StatusSource = Pick<JobAdapter<unknown>, 'status' | 'statuses'>;

export interface ObservedStatus {
  status: JobStatus;
  /** Real ms of the observation. */
  at: number;
}

export class JobObserver {
  private readonly known = new Map<string, ObservedStatus>();
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  /** The batched round under way, if any: a stream whose job it covers waits for it instead of asking again. */
  private round: { ids: ReadonlySet<string>; result: Promise<Map<string, JobStatus>> } | undefined;

  constructor(
    private readonly adapter: StatusSource,
    /** The job ids in flight with this adapter right now, across streams. */
    private readonly inflight: () => string[],
    /** Real ms a poll round must wait after the previous one (0 when the budget has room). */
    private readonly paceMs: () => number = () => 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** A settled status seen earlier: no request needed. */
  settled(jobId: string): JobStatus | undefined {
    const seen = this.known.get(jobId);
    return seen !== undefined && SETTLED.has(seen.status.state) ? seen.status : undefined;
  }

  /** Real ms until the next poll round is allowed. */
  waitBeforeNextRoundMs(): number {
    return Math.max(0, this.lastRoundAt + this.paceMs() - this.now());
  }

  /**
   * The job's status now: from an earlier observation when settled, or when one (another
   * stream's round) is younger than `freshForMs`; else one poll round.
   */
  async statusOf(jobId: string, signal: AbortSignal, freshForMs = 0): Promise<JobStatus> {
    const seen = this.known.get(jobId);
    if (seen !== undefined && (SETTLED.has(seen.status.state) || this.now() - seen.at < freshForMs)) return seen.status;
    if (this.adapter.statuses !== undefined) {
      const shared = this.round;
      if (shared !== undefined && shared.ids.has(jobId)) {
        // Another stream's round is asking about this job right now: its answer serves both.
        const mine = (await shared.result.catch(() => undefined))?.get(jobId);
        if (mine !== undefined) return mine;
      } else {
        const mine = (await this.batchRound(jobId, signal)).get(jobId);
        if (mine !== undefined) return mine;
      }
    }
    this.lastRoundAt = this.now();
    const status = await this.adapter.status(jobId, signal);
    this.known.set(jobId, { status, at: this.now() });
    return status;
  }

  /** One batched round over every unsettled job in flight (this one first); shared while under way. */
  private async batchRound(jobId: string, signal: AbortSignal): Promise<Map<string, JobStatus>> {
    this.lastRoundAt = this.now();
    const wanted = [jobId, ...this.inflight().filter((id) => id !== jobId && this.settled(id) === undefined)];
    const result = this.adapter.statuses!(wanted, signal).then((observed) => {
      const at = this.now();
      for (const [id, status] of observed) this.known.set(id, { status, at });
      return observed;
    });
    const round = { ids: new Set(wanted), result };
    this.round = round;
    try {
      return await result;
    } finally {
      if (this.round === round) this.round = undefined;
    }
  }

  /** Drops what is known about a job (relaunched, or fully read). */
  forget(jobId: string): void {
    this.known.delete(jobId);
  }
}
