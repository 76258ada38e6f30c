/**
 * The impact.com sandbox's deterministic world: one partner account's actions and clicks per day,
 * and the rows each kind of job result holds. Everything is a pure function of (account, day), so
 * a CSV, a JSON and an XLSX export of the same window carry exactly the same rows, and two sandbox
 * runs anchored on the same day serve byte-identical files.
 */
import { prng } from '../framework/prng.js';

/** A result row in export column order; values as they are written into a JSON export. */
export type ExportRow = Record<string, string | number | boolean>;

export { prng };

/** FNV-1a: turns a seed string (account + day + kind) into a PRNG seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const PROGRAMS = [
  { id: '10306', name: 'Northwind Outdoor' },
  { id: '11842', name: 'Contoso Travel' },
  { id: '12517', name: 'Fabrikam Home' },
] as const;

const ACTION_TRACKERS = ['Online Sale', 'Lead', 'App Install'] as const;
const ACTION_STATES = ['APPROVED', 'APPROVED', 'PENDING', 'REVERSED'] as const;
const DEVICES = ['Desktop', 'Mobile', 'Tablet'] as const;
const COUNTRIES = ['US', 'GB', 'DE', 'CA', 'FR'] as const;
const DOMAINS = ['blog.example.org', 'deals.example.net', 'news.example.com', ''] as const;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "2026-11-12T14:03:27-05:00": impact.com reports times in the account's zone (here US Eastern, no DST). */
export function formatImpactDateTime(utcMs: number): string {
  const local = new Date(utcMs - 5 * 3600_000);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}-05:00`
  );
}

/** Amounts are exported with two decimals, the way impact.com formats currency columns. */
export function formatAmount(value: number): string {
  return value.toFixed(2);
}

export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function addDays(day: string, days: number): string {
  return new Date(dayStartMs(day) + days * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * Action listing rows of one day (the columns of a partner "Action Listing" export).
 * `volume` multiplies the rows per day, for benchmarks and large-file tests.
 */
export function actionsForDay(account: string, day: string, volume = 1): ExportRow[] {
  const rand = prng(hashString(`${account}|actions|${day}`));
  const count = (3 + Math.floor(rand() * 4)) * volume;
  const rows: ExportRow[] = [];
  for (let i = 0; i < count; i++) {
    const program = pick(rand, PROGRAMS);
    const at = dayStartMs(day) + Math.floor(rand() * 86_400) * 1000;
    const amount = 20 + Math.floor(rand() * 48_000) / 100;
    const rate = [0.05, 0.08, 0.1][Math.floor(rand() * 3)] as number;
    const seq = hashString(`${account}|${day}|${i}`) % 900_000;
    rows.push({
      'Action Id': `${program.id}.${4000 + i}.${100_000 + seq}`,
      'Campaign Id': Number(program.id),
      Campaign: program.name,
      'Action Tracker': pick(rand, ACTION_TRACKERS),
      'Event Date': formatImpactDateTime(at),
      Status: pick(rand, ACTION_STATES),
      'Sale Amount': formatAmount(amount),
      Payout: formatAmount(Math.round(amount * rate * 100) / 100),
      Currency: 'USD',
      'Promo Code': rand() < 0.3 ? `SAVE${10 + Math.floor(rand() * 20)}` : '',
    });
  }
  return rows;
}

/** Click export rows of one day. */
export function clicksForDay(account: string, day: string, volume = 1): ExportRow[] {
  const rand = prng(hashString(`${account}|clicks|${day}`));
  const count = (5 + Math.floor(rand() * 6)) * volume;
  const rows: ExportRow[] = [];
  for (let i = 0; i < count; i++) {
    const program = pick(rand, PROGRAMS);
    const at = dayStartMs(day) + Math.floor(rand() * 86_400) * 1000;
    rows.push({
      'Click Id': `CK${day.replace(/-/g, '')}${pad(i, 3)}${(hashString(`${account}|${day}|c${i}`) % 46656).toString(36).padStart(3, '0')}`,
      'Campaign Id': Number(program.id),
      'Event Date': formatImpactDateTime(at),
      'Ad Id': 700_000 + Math.floor(rand() * 999),
      Device: pick(rand, DEVICES),
      Country: pick(rand, COUNTRIES),
      'Referring Domain': pick(rand, DOMAINS),
      Unique: rand() < 0.8,
    });
  }
  return rows;
}

/** One row per day: the partner "Performance by Day" report. */
export function performanceForDay(account: string, day: string, volume = 1): ExportRow {
  const actions = actionsForDay(account, day, volume);
  const clicks = clicksForDay(account, day, volume);
  const payout = actions.reduce((sum, a) => sum + Number(a.Payout), 0);
  const revenue = actions.reduce((sum, a) => sum + Number(a['Sale Amount']), 0);
  return {
    Date: day,
    Clicks: clicks.length,
    Actions: actions.length,
    'Sale Amount': formatAmount(revenue),
    Payout: formatAmount(payout),
  };
}

/** Result rows of an UploadAds job: one line per uploaded ad. */
export function uploadAdsResult(account: string, jobSeed: string): ExportRow[] {
  const rand = prng(hashString(`${account}|upload|${jobSeed}`));
  const count = 4 + Math.floor(rand() * 4);
  const rows: ExportRow[] = [];
  for (let i = 0; i < count; i++) {
    const ok = rand() < 0.85;
    rows.push({
      'Line Number': i + 2,
      'Ad Id': 710_000 + Math.floor(rand() * 9_999),
      Result: ok ? 'CREATED' : 'REJECTED',
      Message: ok ? '' : 'Landing page URL is not allowed for this program',
    });
  }
  return rows;
}

/** Result rows of a TermModification job: the contract terms that changed. */
export function termModificationResult(account: string, jobSeed: string): ExportRow[] {
  const rand = prng(hashString(`${account}|terms|${jobSeed}`));
  return PROGRAMS.map((program) => {
    const before = 5 + Math.floor(rand() * 10);
    return {
      'Campaign Id': Number(program.id),
      Campaign: program.name,
      'Payout Before': formatAmount(before),
      'Payout After': formatAmount(before + 1 + Math.floor(rand() * 3)),
      'Effective Date': formatImpactDateTime(dayStartMs(jobSeed.slice(0, 10)) + 86_400_000),
    };
  });
}
