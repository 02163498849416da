import { clockMinutes, WEEKDAYS, type MaintenanceWindow } from './spec';
import { addDays, formatLocal, instantOf, wallClockAt, weekdayOf } from './zone-time';

// When maintenance windows are open: pure functions of the windows and a time (epoch ms), so the
// rollout workflow can ask with its own deterministic clock and wait with a durable timer. Each window
// is a series of intervals [opening, closing) in UTC, built from local dates (so DST shifts them as
// the local clock does); several windows are their union.

/** Days of openings looked at around `now`: one back (a window over midnight still open), a week ahead. */
const DAYS_BACK = 1;
const DAYS_AHEAD = 8;

export interface Interval {
  openMs: number;
  closeMs: number;
  window: MaintenanceWindow;
}

/** The window's intervals whose opening day is within `daysBack` before and `daysAhead` after `nowMs`. */
export function intervalsAround(
  w: MaintenanceWindow,
  nowMs: number,
  daysBack = DAYS_BACK,
  daysAhead = DAYS_AHEAD,
): Interval[] {
  const today = wallClockAt(nowMs, w.timeZone);
  const start = clockMinutes(w.start);
  const end = clockMinutes(w.end);
  const out: Interval[] = [];
  for (let k = -daysBack; k <= daysAhead; k++) {
    const date = addDays(today, k);
    if (!w.days.includes(WEEKDAYS[weekdayOf(date)])) continue;
    const openMs = instantOf(date, start, w.timeZone);
    const closeMs =
      end > start ? instantOf(date, end, w.timeZone) : instantOf(addDays(date, 1), end, w.timeZone);
    // A window wholly inside the hour a spring DST change skips does not open that day.
    if (closeMs > openMs) out.push({ openMs, closeMs, window: w });
  }
  return out;
}

function allIntervals(
  windows: readonly MaintenanceWindow[],
  nowMs: number,
  daysAhead = DAYS_AHEAD,
): Interval[] {
  return windows
    .flatMap((w) => intervalsAround(w, nowMs, DAYS_BACK, daysAhead))
    .sort((a, b) => a.openMs - b.openMs);
}

/** True when no windows are given (no restriction) or one of them is open at `nowMs`. */
export function isOpen(windows: readonly MaintenanceWindow[], nowMs: number): boolean {
  if (windows.length === 0) return true;
  return allIntervals(windows, nowMs).some((i) => i.openMs <= nowMs && nowMs < i.closeMs);
}

/** When a window is open next: `nowMs` while one is open (or no windows are given). */
export function nextOpening(windows: readonly MaintenanceWindow[], nowMs: number): number {
  if (isOpen(windows, nowMs)) return nowMs;
  const next = allIntervals(windows, nowMs).find((i) => i.openMs > nowMs);
  // Every window opens at least once a week, and a skipped DST hour loses at most one day's opening.
  if (!next) throw new RangeError('internal: no maintenance window opens within a week');
  return next.openMs;
}

/** The interval that opens next (after `nowMs`), with its window; for messages. */
export function nextInterval(windows: readonly MaintenanceWindow[], nowMs: number): Interval | undefined {
  return allIntervals(windows, nowMs).find((i) => i.openMs > nowMs);
}

/**
 * When the open windows close, as one stretch (overlapping or touching windows count as one), or
 * undefined when none is open (or no windows are given). A stretch longer than two weeks (a window open
 * around the clock) reports the end of what was looked at; ask again then.
 */
export function nextClosing(windows: readonly MaintenanceWindow[], nowMs: number): number | undefined {
  if (windows.length === 0) return undefined;
  const intervals = allIntervals(windows, nowMs, 2 * DAYS_AHEAD);
  if (!intervals.some((i) => i.openMs <= nowMs && nowMs < i.closeMs)) return undefined;
  // Sorted by opening: extend over every interval that opens before the stretch ends.
  let end = nowMs;
  for (const i of intervals) {
    if (i.openMs > end) break;
    end = Math.max(end, i.closeMs);
  }
  return end;
}

/** "3h12m", "2d04h", "45m", "<1m": the wait, at minute precision (rounded up). */
export function formatWait(ms: number): string {
  const minutes = Math.ceil(Math.max(0, ms) / 60_000);
  if (minutes < 1) return '<1m';
  const d = Math.floor(minutes / 1_440);
  const h = Math.floor((minutes % 1_440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d}d${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m`;
}

export interface WindowStatus {
  open: boolean;
  /** While closed: when the next window opens. */
  opensAtMs?: number;
  /** While open: when the open stretch closes. */
  closesAtMs?: number;
  /** "waiting for the window Mon 22:00 CET, in 3h12m" / "in the window until Tue 06:00 CET". */
  text: string;
}

/** Everything the rollout shows and decides about its windows at `nowMs`. */
export function windowStatus(windows: readonly MaintenanceWindow[], nowMs: number): WindowStatus {
  if (windows.length === 0) return { open: true, text: 'no maintenance window: any time' };
  const closesAtMs = nextClosing(windows, nowMs);
  if (closesAtMs !== undefined) {
    const zone = allIntervals(windows, nowMs).find((i) => i.openMs <= nowMs && nowMs < i.closeMs)?.window
      .timeZone as string;
    return {
      open: true,
      closesAtMs,
      text: `in the window until ${formatLocal(closesAtMs, zone)}, ${formatWait(closesAtMs - nowMs)} left`,
    };
  }
  const next = nextInterval(windows, nowMs);
  if (!next) throw new RangeError('internal: no maintenance window opens within a week');
  return {
    open: false,
    opensAtMs: next.openMs,
    text: `waiting for the window ${formatLocal(next.openMs, next.window.timeZone)}, in ${formatWait(next.openMs - nowMs)}`,
  };
}
