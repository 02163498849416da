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
