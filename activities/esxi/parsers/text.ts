// Line and cell helpers shared by the parsers. Command output arrives over SSH with LF or CRLF line
// ends and sometimes with trailing spaces; every parser goes through toLines first.

/** A run of text within a line, with its column position (0-based, end exclusive). */
export interface Segment {
  text: string;
  start: number;
  end: number;
}

/** Splits on LF, CRLF or CR and removes trailing whitespace from every line. */
export function toLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((line) => line.trimEnd());
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/**
 * The cells of a line as printed: runs of text separated by two or more spaces or by a tab.
 * Single spaces stay inside a cell ("Admin Status", "array of uint").
 */
export function segmentsOf(line: string): Segment[] {
  const result: Segment[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    result.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return result;
}

/** Words separated by any whitespace, with their positions. */
export function tokensOf(line: string): Segment[] {
  const result: Segment[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    result.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return result;
}

/** True for a line made only of dash runs separated by spaces (an esxcli header underline). */
export function isDashRule(line: string): boolean {
  return /^\s*-+(?:\s+-+)*$/.test(line);
}

/** A copy without the keys whose value is undefined, so optional fields are absent, not undefined. */
export function definedOnly<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
