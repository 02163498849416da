// Leading timestamps of ESXi log lines: ISO 8601 as ESXi writes them ("2026-11-25T10:00:00Z",
// "...T10:00:00.123Z", "+01:00" offsets), a space instead of the "T", optional [brackets]. Lines
// without a zone are UTC, as ESXi logs are. Syslog-style "Nov 25 10:00:00" is recognised but has
// no year, so it yields no epoch.

const ISO = /^\[?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\]?(?=\s|$)/;
const SYSLOG = /^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?=\s|$)/;

export interface LogTime {
  /** The timestamp as printed (brackets removed). */
  text: string;
  /** Milliseconds since the epoch; undefined when the timestamp has no year. */
  epochMs?: number;
  /** Length of the timestamp in the line, including brackets. */
  length: number;
}

export function parseLogTime(line: string): LogTime | undefined {
  const m = ISO.exec(line);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const ms = frac ? Math.round(Number(frac) * 1000) : 0;
    let epochMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    if (zone && zone !== 'Z') {
      const z = /([+-])(\d{2}):?(\d{2})/.exec(zone);
      if (z) epochMs -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    }
    return { text: m[0].replace(/^\[|\]$/g, ''), epochMs, length: m[0].length };
  }
  const s = SYSLOG.exec(line);
  return s ? { text: s[0], length: s[0].length } : undefined;
}
