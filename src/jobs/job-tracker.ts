/**
 * The job tracker of one stream's read: its state (partition cursors, jobs in flight, launch
 * marks), the slots its jobs hold, and which jobs the scheduler polls for it. Every change of a
 * job in flight goes through here, so the state written to STATE, the slots held and the jobs
 * polled never disagree.
 */
import { SystemError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StreamEvent } from '../core/source.js';
import type { Release } from './job-slots.js';
import type { JobScheduler } from './scheduler.js';
import { cloneState } from './state.js';
import type { InflightJob, JobAdapter, JobSlice, JobStreamState } from './types.js';

/** Per-slice bookkeeping of one read. */
export interface SliceRun<P> {
  slice: JobSlice<P>;
  /** 1-based place among the stream's slices of this sync, for progress lines ("slice 2 of 4"). */
  index: number;
  /** 1-based place among the sync's slices (every stream's), set when its reading begins. */
  syncIndex?: number;
  /** Launches of this slice by this read (resumed or adopted jobs are not counted); bounded by maxAttempts. */
  attempts: number;
  /** When this read first launched or adopted the slice; bounds capacity refusals. */
  firstStartedAt?: number;
}

export class JobTracker<P> {
  readonly state: JobStreamState;
  /** Jobs this read launched (not adopted or resumed): the ones a stop may cancel. */
  readonly launchedHere = new Set<string>();
  private readonly slots = new Map<string, Release>();
  /** Jobs handed to the scheduler to keep their slots after this read failed. */
  private readonly handedOver = new Set<string>();
  completed = 0;

  constructor(
    private readonly name: string,
    private readonly adapter: JobAdapter<P>,
    private readonly scheduler: JobScheduler,
    previous: JobStreamState | undefined,
  ) {
    this.state = { ...(previous ? cloneState(previous) : {}), partitions: { ...previous?.partitions }, inflight: {} };
    delete this.state.launching;
  }

  /**
   * Which planned slices resume a job from the previous state (those jobs are in flight again),
   * and which previous jobs and launch marks are dropped because their slice is no longer planned.
   */
  planRuns(slices: JobSlice<P>[], previous: JobStreamState | undefined, logger: Logger): SliceRun<P>[] {
    const seen = new Set<string>();
    for (const s of slices) {
      if (seen.has(s.key)) throw new SystemError(`Stream ${this.name} planned slice ${s.key} twice`);
      seen.add(s.key);
    }
    for (const [key, job] of Object.entries(previous?.inflight ?? {})) {
      if (seen.has(key)) {
        this.setJob(key, { ...job });
        logger.info(`${this.name}: resuming job ${job.jobId} for slice ${key} (${job.emitted} rows already emitted)`);
      } else {
        logger.info(`${this.name}: dropping job ${job.jobId} of slice ${key} from state: the slice is no longer planned`);
      }
    }
    for (const [key, since] of Object.entries(previous?.launching ?? {})) {
      // A mark stays in state until this sync resolves it (a crash before that must not lose it).
      if (seen.has(key)) this.state.launching = { ...this.state.launching, [key]: since };
      else logger.info(`${this.name}: dropping the launch mark of slice ${key}: the slice is no longer planned`);
    }
    return slices.map((slice, i) => ({ slice, index: i + 1, attempts: 0 }));
  }

  snapshot(): StreamEvent {
    return { type: 'state', state: cloneState(this.state) };
  }

  job(key: string): InflightJob | undefined {
    return this.state.inflight[key];
  }

  /** The slice's job (launched, adopted, resumed or relaunched); the scheduler polls it from now on. */
  setJob(key: string, job: InflightJob): void {
    const old = this.state.inflight[key];
    if (old !== undefined && old.jobId !== job.jobId) this.scheduler.untrack(this.adapter, old.jobId);
    this.state.inflight[key] = job;
    this.scheduler.track(this.adapter, job.jobId);
  }

  /** The slice is fully read: its partition's cursor moves on; its job and slot are let go. */
  finish(slice: JobSlice<P>): void {
    this.state.partitions[slice.partition] = { cursor: slice.cursor };
    this.forgetJob(slice.key);
    this.completed++;
  }

  /** The slice's job is no longer wanted (failed for good); the next sync does not resume it. */
  forgetJob(key: string): void {
    const job = this.state.inflight[key];
    if (job !== undefined) this.scheduler.untrack(this.adapter, job.jobId);
    delete this.state.inflight[key];
    this.releaseSlot(key);
  }

  inflightJobIds(): string[] {
    return Object.values(this.state.inflight).map((j) => j.jobId);
  }

  launchMark(key: string): string | undefined {
    return this.state.launching?.[key];
  }

  markLaunching(key: string): void {
    this.state.launching = { ...this.state.launching, [key]: new Date().toISOString() };
  }

  clearLaunchMark(key: string): void {
    if (this.state.launching === undefined) return;
    delete this.state.launching[key];
    if (Object.keys(this.state.launching).length === 0) delete this.state.launching;
  }

  hasSlot(key: string): boolean {
    return this.slots.has(key);
  }

  /**
   * A slot for the slice: waiting in line when it must have one (`wait`), else only if one is
   * free now. False when none was free.
   */
  async takeSlot(key: string, wait: boolean, signal: AbortSignal): Promise<boolean> {
    if (this.slots.has(key)) return true;
    const release = wait ? await this.scheduler.slots.acquire(signal) : this.scheduler.slots.tryAcquire();
    if (release === undefined) return false;
    this.slots.set(key, release);
    return true;
  }

  releaseSlot(key: string): void {
    this.slots.get(key)?.();
    this.slots.delete(key);
  }

  /**
   * The read failed while the sync goes on: each job that holds a slot still runs on the vendor,
   * so its slot goes to `watch` (which lets it go once the job has settled), not to another stream.
   */
  handOverRunningJobs(watch: (job: InflightJob, release: Release) => void): void {
    for (const [key, job] of Object.entries(this.state.inflight)) {
      const release = this.slots.get(key);
      if (release === undefined) continue;
      this.slots.delete(key);
      this.handedOver.add(job.jobId);
      watch(job, release);
    }
  }

  /**
   * The read ended (done, failed or stopped): its slots go to the other streams (unless handed
   * over), and its jobs are no longer polled for it. They stay in `state`, so the next sync resumes them.
   */
  close(): void {
    for (const key of [...this.slots.keys()]) this.releaseSlot(key);
    for (const job of Object.values(this.state.inflight)) if (!this.handedOver.has(job.jobId)) this.scheduler.untrack(this.adapter, job.jobId);
  }
}
