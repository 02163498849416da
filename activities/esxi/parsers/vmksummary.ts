import { parseLogTime } from './log-time';
import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// /var/log/vmksummary.log (or `grep booted /var/log/vmksummary.log | tail -n 1`): every boot adds
// "<time> bootstop: Host has booted". The last boot line is the host's boot marker; a reboot is
// proven when it changes.

const COMMAND = '/var/log/vmksummary.log';
const BOOTED = /Host has booted/i;

export interface VmksummaryBoots {
  bootCount: number;
  /** The last boot line as printed: compare it before and after a reboot. */
  lastBootLine?: string;
  /** Its timestamp as printed. */
  lastBootTime?: string;
  lastBootEpochMs?: number;
}

export function parseVmksummaryBoots(text: string): VmksummaryBoots {
  const lines = toLines(text).filter((l) => !isBlank(l));
  const boots = lines.filter((l) => BOOTED.test(l));
  if (lines.length > 0 && boots.length === 0 && !lines.some((l) => parseLogTime(l.trim()))) {
    throw new ParseError(COMMAND, 'timestamped log lines such as "<time> bootstop: Host has booted"', text);
  }
  const last = boots[boots.length - 1];
  if (last === undefined) return { bootCount: 0 };
  const line = last.trim();
  const time = parseLogTime(line);
  return {
    bootCount: boots.length,
    lastBootLine: line,
    ...(time ? { lastBootTime: time.text } : {}),
    ...(time?.epochMs !== undefined ? { lastBootEpochMs: time.epochMs } : {}),
  };
}

const REBOOTING = /Host is rebooting/i;
/** Longer than any boot: a pair this far apart is not one reboot (the log missed lines). */
const MAX_REBOOT_MS = 6 * 3_600_000;

/**
 * How long the host's last recorded reboot took: from its last "Host is rebooting" line to the "Host has
 * booted" line right after it (ESXi writes both; a power-off or a crash leaves no "rebooting" line, and
 * such boots are not reboots). Undefined when the log holds no such pair with readable times.
 */
export function parseLastRebootDurationMs(text: string): number | undefined {
  const lines = toLines(text).filter((l) => !isBlank(l));
  for (let i = lines.length - 1; i > 0; i--) {
    if (!BOOTED.test(lines[i])) continue;
    const previous = lines[i - 1];
    if (!REBOOTING.test(previous)) return undefined;
    const up = parseLogTime(lines[i].trim())?.epochMs;
    const down = parseLogTime(previous.trim())?.epochMs;
    if (up === undefined || down === undefined) return undefined;
    const ms = up - down;
    return ms > 0 && ms < MAX_REBOOT_MS ? ms : undefined;
  }
  return undefined;
}
