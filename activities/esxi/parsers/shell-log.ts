import { parseLogTime } from './log-time';
import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// /var/log/shell.log: one line per command typed in the ESXi shell,
// "<time> shell[<pid>]: [<user>]: <command>" (ESXi 8 may add a level such as "In(14)" after the time).
// Other shell.log lines (session start/stop) are skipped.

const COMMAND = '/var/log/shell.log';
const ENTRY = /^\s*(?:[A-Za-z]+\(\d+\)\s+)?shell\[(\d+)\]:\s*\[([^\]]*)\]:\s?(.*)$/;

export interface ShellLogEntry {
  time: string;
  epochMs?: number;
  pid: number;
  user: string;
  command: string;
}

export function parseShellLog(text: string): ShellLogEntry[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  const entries: ShellLogEntry[] = [];
  let timestamped = false;
  for (const line of lines) {
    const time = parseLogTime(line.trim());
    if (!time) continue;
    timestamped = true;
    const m = ENTRY.exec(line.trim().slice(time.length));
    if (!m) continue;
    entries.push({
      time: time.text,
      ...(time.epochMs !== undefined ? { epochMs: time.epochMs } : {}),
      pid: Number(m[1]),
      user: m[2],
      command: m[3],
    });
  }
  if (lines.length > 0 && !timestamped)
    throw new ParseError(COMMAND, 'timestamped "shell[<pid>]" lines', text);
  return entries;
}
