/**
 * Durations, counts, sizes and rates as a person reads them in a log line: "14 min 30 s",
 * "5 h 12 min", "1,200", "3.4 MB", "2.5 records/s". Rate-limit waits and job ages are minutes to
 * hours long and results megabytes to gigabytes: raw milliseconds and bytes would hide that.
 */

/** "14 min 30 s", "2 h 5 min", "3.5 s", "250 ms"; at most two units, the larger one first. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  const value = Math.max(0, ms);
  if (value < 1_000) return `${Math.round(value)} ms`;
  if (value < 10_000) return `${(Math.round(value / 100) / 10).toString()} s`;
  const totalSeconds = Math.round(value / 1_000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (totalMinutes < 60) return seconds === 0 ? `${totalMinutes} min` : `${totalMinutes} min ${seconds} s`;
  const totalHours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (totalHours < 48) return minutes === 0 ? `${totalHours} h` : `${totalHours} h ${minutes} min`;
  const days = Math.floor(totalHours / 24);
  const hours = totalHours % 24;
  return hours === 0 ? `${days} d` : `${days} d ${hours} h`;
}

/** A window length as in "used in the last 15 min" / "in the last hour" / "in the last 24 h". */
export function formatWindow(ms: number): string {
  if (ms === 3_600_000) return 'hour';
  if (ms === 60_000) return 'minute';
  return formatDuration(ms);
}

/** 1000 → "1,000": counts in log lines read better grouped. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 812 → "812 B", 45_200 → "45.2 kB", 3_400_000 → "3.4 MB": decimal units, three significant digits. */
export function formatBytes(bytes: number): string {
  const value = Math.max(0, bytes);
  if (value < 1000) return `${Math.round(value)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let scaled = value / 1000;
  let unit = 0;
  while (scaled >= 999.5 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return `${scaled < 100 ? Number(scaled.toPrecision(3)).toString() : Math.round(scaled).toString()} ${units[unit]}`;
}

/** A per-second rate: "2.5" below 10 (a slow rate rounded to 0 or 3 misleads), "1,234" above. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
  return perSecond < 10 ? (Math.round(perSecond * 10) / 10).toString() : formatCount(perSecond);
}
