/**
 * Excel serial dates → ISO text, without a Date object per cell (Date#toISOString was 12% of the
 * reader's CPU time on the benchmark sheet, which has two date columns).
 *
 * Serial dates count days (fraction = time of day) from 1899-12-30 in the 1900 date system (day 60
 * is Excel's phantom 1900-02-29, so serials before 1900-03-01 are one day off, as in exceljs), or
 * from 1904-01-01 in the 1904 system. Excel stores wall-clock time without a zone; it is read as UTC.
 */

const MS_PER_DAY = 86_400_000;
/** Excel serial of 1970-01-01 in the 1900 date system. */
const UNIX_EPOCH_1900 = 25569;
/** Days between the two date systems' epochs (1899-12-30 and 1904-01-01). */
const DATE1904_OFFSET = 1462;

/**
 * "YYYY-MM-DD" at midnight, else "YYYY-MM-DDTHH:MM:SS.sssZ", rounded to the millisecond; null
 * outside years 0000–9999 (not a date anyone exports).
 */
export function serialToIso(serial: number, date1904: boolean): string | null {
  const ms = Math.round((serial - UNIX_EPOCH_1900 + (date1904 ? DATE1904_OFFSET : 0)) * MS_PER_DAY);
  return epochMsToIso(ms);
}

/** Same text as `new Date(ms).toISOString()` (date only at midnight) for years 0000–9999, else null. */
export function epochMsToIso(ms: number): string | null {
  if (!Number.isFinite(ms)) return null;
  const days = Math.floor(ms / MS_PER_DAY);
  const time = ms - days * MS_PER_DAY;
  const date = civilDate(days);
  if (date === null) return null;
  if (time === 0) return date;
  const h = Math.floor(time / 3_600_000);
  const m = Math.floor((time % 3_600_000) / 60_000);
  const s = Math.floor((time % 60_000) / 1000);
  const f = time % 1000;
  return `${date}T${two(h)}:${two(m)}:${two(s)}.${f < 10 ? '00' : f < 100 ? '0' : ''}${f}Z`;
}

/**
 * Days since 1970-01-01 → "YYYY-MM-DD" in the proleptic Gregorian calendar. Counts in 400-year eras
 * starting on March 1st, so the leap day is the era-year's last day and months have a closed form.
 */
function civilDate(daysSinceEpoch: number): string | null {
  const z = daysSinceEpoch + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097; // [0, 146096]
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100)); // [0, 365], from March 1st
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // month from March = 0
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return null;
  return `${year < 10 ? '000' : year < 100 ? '00' : year < 1000 ? '0' : ''}${year}-${two(month)}-${two(day)}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
