// Durations on the command line: "500ms", "30s", "45m", "2h", "1h30m", "1.5s". A unit is required:
// a bare "30" is ambiguous (seconds? minutes?) and is an error.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!WHOLE.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Math.round(ms);
}

/**
 * A duration flag's value in milliseconds; when it is not a duration, a problem naming the flag is
 * added and undefined returned. `allowZero` accepts a bare "0" (e.g. "no timeout").
 */
export function durationFlag(
  flag: string,
  text: string | undefined,
  problems: string[],
  allowZero = false,
): number | undefined {
  if (text === undefined) return undefined;
  if (allowZero && text.trim() === '0') return 0;
  const ms = parseDuration(text);
  if (ms === undefined)
    problems.push(
      `--${flag}: must be a duration with a unit, e.g. 500ms, 30s, 45m, 1h30m (got ${JSON.stringify(text)})`,
    );
  return ms;
}

/** 2_700_000 -> "45m", 90_500 -> "1m30.5s", 500 -> "500ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const total = Math.max(0, Math.round(ms));
  if (total < 1_000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1_000;
  const parts: string[] = [];
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s) parts.push(`${Number.isInteger(s) ? s : s.toFixed(1).replace(/\.0$/, '')}s`);
  return parts.join('');
}

/** Coarse, for elapsed/ETA displays: "2h05m", "12m03s", "42s". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h) return `${h}h${pad(m)}m`;
  if (m) return `${m}m${pad(s)}s`;
  return `${s}s`;
}
