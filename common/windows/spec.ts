import { z } from 'zod';
import { isKnownTimeZone } from './zone-time';

// `--window 'Mon-Fri 22:00-06:00 Europe/Berlin'`: the days a window OPENS on (a window over midnight
// closes the next morning), the local opening and closing time, and the IANA time zone they are in.
// Grammar: [DAYS] HH:MM-HH:MM ZONE, DAYS = daily | * | a comma list of days and day ranges (Mon-Fri,
// Sat, Fri-Mon wraps over the weekend), day names in English, 3 letters or full, any case. Without DAYS
// the window opens every day. An end at or before the start means the next day; 24:00 is midnight at
// the end of the day. The parsed form is what rollout options carry (readable in the Temporal UI).

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const CLOCK_OR_MIDNIGHT = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

export const maintenanceWindowSchema = z
  .strictObject({
    /** The days the window opens on, Monday first. */
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
    /** Local opening time, HH:MM. */
    start: z.string().regex(CLOCK, 'must be HH:MM (00:00-23:59)'),
    /** Local closing time, HH:MM or 24:00; at or before `start`: on the next day. */
    end: z.string().regex(CLOCK_OR_MIDNIGHT, 'must be HH:MM (00:00-24:00)'),
    /** IANA time zone of both times, e.g. Europe/Berlin, America/New_York, UTC. */
    timeZone: z.string().refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC'),
  })
  .refine((w) => w.start !== w.end, {
    path: ['end'],
    message: 'a window must not end when it starts (a whole day is 00:00-24:00)',
  });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/** Minutes after midnight of "HH:MM" (or 24:00). */
export function clockMinutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

export class WindowSpecError extends Error {
  override readonly name = 'WindowSpecError';
}

function dayIndex(token: string): number {
  const t = token.toLowerCase();
  const full = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const i = full.findIndex((d) => d === t || d.slice(0, 3) === t);
  if (i < 0)
    throw new WindowSpecError(`"${token}" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun, or daily)`);
  return i;
}

/** Days from "Mon-Fri", "Sat,Sun", "Fri-Mon", "Mon-Wed,Fri", "daily", "*", in week order. */
export function parseDays(text: string): Weekday[] {
  if (text === '*' || text.toLowerCase() === 'daily') return [...WEEKDAYS];
  const days = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new WindowSpecError(`empty day in "${text}"`);
    const [from, to, ...rest] = item.split('-');
    if (rest.length > 0) throw new WindowSpecError(`"${item}" is not a day or a day range (Mon-Fri)`);
    const a = dayIndex(from);
    const b = to === undefined ? a : dayIndex(to);
    for (let i = a; ; i = (i + 1) % 7) {
      days.add(i);
      if (i === b) break;
    }
  }
  return WEEKDAYS.filter((_, i) => days.has(i));
}

/** Parses one `--window` value; throws WindowSpecError with the reason. */
export function parseWindow(text: string): MaintenanceWindow {
  const words = text.trim().split(/\s+/);
  if (words.length < 2 || words.length > 3)
    throw new WindowSpecError(
      `expected [DAYS] HH:MM-HH:MM ZONE, e.g. "Mon-Fri 22:00-06:00 Europe/Berlin" (got ${JSON.stringify(text)})`,
    );
  if (words.length === 2 && /^\d/.test(words[1]))
    throw new WindowSpecError(`a time zone is required after ${words[1]}, e.g. Europe/Berlin or UTC`);
  const [daysText, times, timeZone] = words.length === 3 ? words : ['daily', ...words];
  const m = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(times);
  if (!m) throw new WindowSpecError(`"${times}" is not a time range HH:MM-HH:MM (e.g. 22:00-06:00)`);
  const pad = (t: string) => t.padStart(5, '0');
  const parsed = maintenanceWindowSchema.safeParse({
    days: parseDays(daysText),
    start: pad(m[1]),
    end: pad(m[2]),
    timeZone,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    const value = field === 'timeZone' ? timeZone : field === 'start' ? m[1] : field === 'end' ? m[2] : '';
    throw new WindowSpecError(`${value ? `"${value}": ` : ''}${issue.message}`);
  }
  return parsed.data;
}

/** "Mon-Fri 22:00-06:00 Europe/Berlin", the canonical text of a window. */
export function formatWindow(w: MaintenanceWindow): string {
  return `${formatDays(w.days)} ${w.start}-${w.end} ${w.timeZone}`;
}

function formatDays(days: readonly Weekday[]): string {
  if (days.length === 7) return 'daily';
  const idx = days.map((d) => WEEKDAYS.indexOf(d));
  const runs: [number, number][] = [];
  for (const i of idx) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  // Sun joins a run starting Mon: Sat,Sun,Mon reads Sat-Mon.
  if (runs.length > 1 && runs[0][0] === 0 && runs[runs.length - 1][1] === 6) {
    const first = runs.shift() as [number, number];
    runs[runs.length - 1][1] = first[1];
  }
  return runs.map(([a, b]) => (a === b ? WEEKDAYS[a] : `${WEEKDAYS[a]}-${WEEKDAYS[b]}`)).join(',');
}
