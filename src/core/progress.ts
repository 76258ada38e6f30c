/**
 * Progress a person can follow, as facts rather than text. The job engine says where a stream
 * stands (its slices, the job it waits on, that job's download); the front end decides how to
 * show it: log lines at a readable rate (Airbyte LOG messages, Singer stderr on a pipe), or one
 * live line per stream redrawn in place (Singer on a terminal). Nothing here knows a vendor or a
 * protocol. The phrases are shared so that a log line and a live line say the same thing alike.
 */
import { formatBytes, formatCount, formatDuration, formatRate } from './durations.js';

/** Where a slice stands in its stream's plan and in the sync's. */
export interface SlicePosition {
  /** 1-based place among the stream's slices of this sync. */
  index: number;
  /** The stream's slices this sync, when they were planned up front. */
  total?: number;
  /** Its place among the slices of every stream of the sync, once the sync's total is known. */
  sync?: { index: number; total: number };
}

/** The job a slice waits on, as last observed. */
export interface JobStanding {
  id: string;
  /** The vendor's own status text. */
  status: string;
  /** 0..100, when the vendor reports it. */
  percent?: number;
  /** Epoch ms the job should be done by, from its percentage and its age; absent without a percentage. */
  etaAt?: number;
  /** Epoch ms of the launch: elapsed times count from here. */
  launchedAt: number;
}

/** A result being downloaded and parsed; rates count from its first byte, not from the launch. */
export interface DownloadStanding {
  startedAt: number;
  records: number;
  bytes: number;
}

/** One stream's standing, for a live display. */
export interface StreamStanding {
  stream: string;
  /** Epoch ms the stream started reading. */
  startedAt: number;
  /** Records emitted by the stream so far this sync. */
  records: number;
  slicesDone: number;
  /** Undefined while the slices are being planned. */
  slicesTotal?: number;
  /** The sync's slices done and planned, when more than one stream shares them. */
  sync?: { done: number; total: number };
  /** The slice being read, its job and its download. */
  slice?: SlicePosition;
  job?: JobStanding;
  download?: DownloadStanding;
}

/**
 * A live display of running streams. When the front end offers one (Logger.progress), the job
 * engine feeds it every change and leaves out the periodic progress lines it would log otherwise;
 * milestones (a job done, a stream finished) are still logged.
 */
export interface ProgressDisplay {
  /** The stream's newest standing; called often, the display decides when to redraw. */
  show(standing: StreamStanding): void;
  /** The stream stopped reading: its live line goes away. */
  end(stream: string): void;
}

/** "slice 2 of 4", or "slice 2" when the stream's slices were not planned up front. */
export function slicePhrase(position: SlicePosition): string {
  return position.total === undefined ? `slice ${position.index}` : `slice ${position.index} of ${position.total}`;
}

/** "slice 5 of 12 of the sync", or '' while the sync's total is unknown. */
export function syncSlicePhrase(position: SlicePosition): string {
  return position.sync === undefined ? '' : `slice ${position.sync.index} of ${position.sync.total} of the sync`;
}

/** "In Progress 25%, ETA 45 s" as of `now`. */
export function jobStatusPhrase(job: JobStanding, now: number): string {
  const percent = job.percent === undefined ? '' : ` ${Math.round(job.percent)}%`;
  const eta = job.etaAt === undefined ? '' : `, ETA ${formatDuration(Math.max(0, job.etaAt - now))}`;
  return `${job.status}${percent}${eta}`;
}

/** "1,200 records, 45.2 kB in 2 s (600 records/s, 22.6 kB/s)": rates over the download so far. */
export function transferPhrase(download: DownloadStanding, now: number): string {
  // A download of a few milliseconds still has a rate; never divide by zero.
  const ms = Math.max(1, now - download.startedAt);
  const perSecond = (n: number): number => (n * 1000) / ms;
  return (
    `${formatCount(download.records)} records, ${formatBytes(download.bytes)} in ${formatDuration(ms)} ` +
    `(${formatRate(perSecond(download.records))} records/s, ${formatBytes(perSecond(download.bytes))}/s)`
  );
}

/** "2 of 4 slices done (7 of 12 of the sync), 2,400 records, elapsed 1 min 5 s". */
export function streamPhrase(standing: StreamStanding, now: number): string {
  const slices = standing.slicesTotal === undefined ? `${standing.slicesDone} slices done` : `${standing.slicesDone} of ${standing.slicesTotal} slices done`;
  const sync = standing.sync === undefined ? '' : ` (${standing.sync.done} of ${standing.sync.total} of the sync)`;
  return `${slices}${sync}, ${formatCount(standing.records)} records, elapsed ${formatDuration(now - standing.startedAt)}`;
}
