// `--cron '0 3 * * *'`: the five fields of a traditional cron line (minute hour day-of-month month
// day-of-week), or @hourly / @daily / @midnight / @weekly / @monthly / @yearly / @annually, checked here
// so a typo is refused with the field it is in (Temporal's schedule spec reads the same syntax).

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 7 is Sunday too.
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

const SHORTHANDS = ['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually'];

function value(text: string, field: (typeof FIELDS)[number]): number | undefined {
  const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (field.name === 'month' ? 1 : 0);
  if (!/^\d{1,2}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}

/** Why `text` is not a cron expression, or undefined when it is. */
export function cronProblem(text: string): string | undefined {
  const t = text.trim();
  if (t.startsWith('@'))
    return SHORTHANDS.includes(t.toLowerCase())
      ? undefined
      : `unknown shorthand ${t} (${SHORTHANDS.join(', ')})`;
  const parts = t.split(/\s+/);
  if (parts.length !== 5)
    return `must have 5 fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *' (got ${parts.length})`;
  for (let i = 0; i < 5; i++) {
    const field = FIELDS[i];
    for (const item of parts[i].split(',')) {
      const m = /^(\*|[^-/]+(?:-[^-/]+)?)(?:\/(\d{1,3}))?$/.exec(item);
      const bad = `${field.name} "${parts[i]}": must be *, a value ${field.min}-${field.max}${'names' in field ? ' or a name' : ''}, a range a-b, a list a,b or a step */n`;
      if (!m) return bad;
      if (m[2] !== undefined && Number(m[2]) < 1) return bad;
      if (m[1] === '*') continue;
      const [a, b] = m[1].split('-');
      const lo = value(a, field);
      const hi = b === undefined ? lo : value(b, field);
      if (lo === undefined || hi === undefined || hi < lo) return bad;
    }
  }
  return undefined;
}
