// Wall-clock time in an IANA time zone, from Intl.DateTimeFormat (ICU's tz data). Pure and
// deterministic for a given Node/ICU build, so usable in workflow code (the sandbox has the same Intl;
// test/ops/windows-sandbox.test.ts checks it). A worker on a Node with other tz rules could decide
// differently on replay: upgrade workers of a rollout waiting on a window together.

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A local calendar date (month 1-12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface WallClock extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is a zone this Node knows (an IANA name such as Europe/Berlin, or UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    partsFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `ms` (to the second). */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(new Date(ms)))
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  return {
    year: out.year,
    month: out.month,
    day: out.day,
    // Some ICU builds print midnight as 24 even with h23.
    hour: out.hour % 24,
    minute: out.minute,
    second: out.second,
  };
}

/** The zone's offset from UTC at `ms`, in ms (Berlin in winter: +3_600_000). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallClockAt(ms, timeZone);
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallMs - Math.floor(ms / 1_000) * 1_000;
}

/** The date `days` after `date` (negative: before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Day of the week of a calendar date: 0 = Monday ... 6 = Sunday. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

/**
 * The first instant at which the wall clock in `timeZone` reads `minutes` after midnight of `date`, or
 * later. Exact for ordinary times; a time that occurs twice (autumn) is its first occurrence; a time the
 * clock skips (spring) is the moment of the jump, when the clock first shows a later time.
 */
export function instantOf(date: LocalDate, minutes: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
  const offsets = [offsetAt(wall - DAY_MS, timeZone), offsetAt(wall + DAY_MS, timeZone)];
  const exact = [...new Set(offsets.map((o) => wall - o))]
    .filter((t) => t + offsetAt(t, timeZone) === wall)
    .sort((a, b) => a - b);
  if (exact.length > 0) return exact[0];
  // Skipped: the jump lies between the wall time read with the later and the earlier offset.
  let lo = wall - Math.max(...offsets); // the clock still shows less than `wall`
  let hi = wall - Math.min(...offsets); // the clock already shows more
  while (hi - lo > 1_000) {
    const mid = lo + Math.floor((hi - lo) / 2_000) * 1_000;
    if (mid + offsetAt(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

const abbreviations = new Map<string, Intl.DateTimeFormat[]>();

/** "Mon 22:00 CET": weekday, time and the zone's short name at `ms`. */
export function formatLocal(ms: number, timeZone: string): string {
  let fs = abbreviations.get(timeZone);
  if (!fs) {
    // en-US names American zones (EST), en-GB European ones (CET); either prints GMT+1 for the other's.
    fs = ['en-US', 'en-GB'].map(
      (locale) =>
        new Intl.DateTimeFormat(locale, {
          timeZone,
          weekday: 'short',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
          timeZoneName: 'short',
        }),
    );
    abbreviations.set(timeZone, fs);
  }
  const texts = fs.map((f) => f.format(new Date(ms)).replace(',', ''));
  return texts.find((t) => !/GMT[+-]/.test(t)) ?? texts[0];
}
