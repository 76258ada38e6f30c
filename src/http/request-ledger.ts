/**
 * A request ledger shared by every jobtap process on this machine that talks to the same vendor
 * account. Vendor limits count all of an account's calls, and a Meltano or cron run is several
 * processes in a row (discover, then the sync; a retry right after a failure): without a shared
 * record each process would start with a full budget and the vendor would answer 429.
 *
 * One append-only file per account and time bucket (the bucket is as long as the longest limit
 * window, so the current and the previous bucket hold every request that still counts). A request
 * writes a line when it is sent and another when it completes, `<epoch ms> <category> <process
 * tag> <sequence> <S|D>`: a request whose process was killed while it was in flight (SIGKILL, an
 * OOM kill) still counts for the next process, as if it completed up to a request timeout after it
 * was sent. Appends of one short line are atomic on local file systems, so no lock is needed;
 * files of older buckets are deleted. Nothing secret is written: the file name is a hash of the
 * account, the lines are times and categories.
 *
 * When the directory cannot be written the ledger keeps nothing and the budget falls back to
 * this process's own requests (a 429 is then still waited out).
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

export interface LedgerEntry {
  /** Real epoch ms at which the request completed. */
  at: number;
  category: string;
}

export interface RequestLedger {
  /** Requests other processes recorded that completed (or may complete) after `sinceMs` (real epoch ms). */
  othersSince(sinceMs: number): LedgerEntry[];
  /** Records that one of this process's requests is sent; call the result when it completed. */
  begin(category: string, at: number): (completedAt: number) => void;
}

/**
 * How long after it was sent a request whose completion no line records is counted: it may still
 * be in flight, or its process died with it in flight (the longest a request waits for headers).
 */
export const UNFINISHED_REQUEST_MS = 60_000;

/** Where ledgers live: $JOBTAP_CACHE_DIR, else $XDG_CACHE_HOME/jobtap, else ~/.cache/jobtap, else the temp dir. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JOBTAP_CACHE_DIR) return env.JOBTAP_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'jobtap');
  try {
    const home = homedir();
    if (home) return path.join(home, '.cache', 'jobtap');
  } catch {
    // No home directory (some containers): the temp dir below.
  }
  return path.join(tmpdir(), 'jobtap');
}

/** A ledger that remembers nothing beyond this process (used when no directory is writable). */
export const noLedger: RequestLedger = {
  othersSince: () => [],
  begin: () => () => undefined,
};

export class FileRequestLedger implements RequestLedger {
  private readonly tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly prefix: string;
  private sequence = 0;
  private broken = false;

  /**
   * @param account identifies the vendor account (e.g. base URL + firm id); only its hash is used.
   * @param bucketMs the longest limit window in real milliseconds.
   */
  constructor(
    private readonly dir: string,
    account: string,
    private readonly bucketMs: number,
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {
    this.prefix = `requests-${createHash('sha256').update(account).digest('hex').slice(0, 20)}-`;
    try {
      mkdirSync(dir, { recursive: true });
      this.removeOldBuckets(Date.now());
    } catch (err) {
      this.fail(err);
    }
  }

  othersSince(sinceMs: number): LedgerEntry[] {
    if (this.broken) return [];
    const now = Date.now();
    // A request's lines by process tag and sequence: its completion, or else when it was sent.
    const requests = new Map<string, { category: string; sent?: number; done?: number }>();
    // Its send line may be in the bucket before `sinceMs` while it completed after.
    for (let b = this.bucket(sinceMs - UNFINISHED_REQUEST_MS); b <= this.bucket(now); b++) {
      let text: string;
      try {
        text = readFileSync(this.file(b), 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const [at, category, tag, seq, kind] = line.split(' ');
        if (tag === undefined || tag === this.tag || category === undefined) continue;
        const t = Number(at);
        if (!Number.isFinite(t)) continue;
        const key = seq === undefined ? `${tag} ${line}` : `${tag} ${seq}`;
        const request = requests.get(key) ?? { category };
        if (kind === 'S') request.sent = t;
        else request.done = t; // a completion line (or one of an older jobtap, which wrote only those)
        requests.set(key, request);
      }
    }
    const out: LedgerEntry[] = [];
    for (const r of requests.values()) {
      const at = r.done ?? Math.min(r.sent! + UNFINISHED_REQUEST_MS, Math.max(now, r.sent!));
      if (r.done === undefined && r.sent! + UNFINISHED_REQUEST_MS <= sinceMs) continue;
      if (at > sinceMs) out.push({ at, category: r.category });
    }
    return out;
  }

  begin(category: string, at: number): (completedAt: number) => void {
    const seq = ++this.sequence;
    this.append(at, `${Math.round(at)} ${category} ${this.tag} ${seq} S\n`);
    return (completedAt) => this.append(completedAt, `${Math.round(completedAt)} ${category} ${this.tag} ${seq} D\n`);
  }

  private append(at: number, line: string): void {
    if (this.broken) return;
    try {
      appendFileSync(this.file(this.bucket(at)), line);
    } catch (err) {
      this.fail(err);
    }
  }

  private bucket(ms: number): number {
    return Math.floor(ms / this.bucketMs);
  }

  private file(bucket: number): string {
    return path.join(this.dir, `${this.prefix}${bucket}.log`);
  }

  private removeOldBuckets(now: number): void {
    const keepFrom = this.bucket(now) - 1;
    for (const name of readdirSync(this.dir)) {
      if (!name.startsWith(this.prefix) || !name.endsWith('.log')) continue;
      const bucket = Number(name.slice(this.prefix.length, -'.log'.length));
      if (Number.isInteger(bucket) && bucket < keepFrom) rmSync(path.join(this.dir, name), { force: true });
    }
  }

  private fail(err: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.onProblem(`request ledger in ${this.dir} is not usable (${err instanceof Error ? err.message : String(err)}); counting this process's requests only`);
  }
}
