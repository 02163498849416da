import type { ExecResult } from '../machine';

// What a shell utility (grep, tail, awk, ...) can see: its stdin and the machine's read-only files.

export interface ToolIo {
  stdin: string;
  signal: AbortSignal;
  readFile(path: string): string | undefined;
  /** True when `path` is a program or a file on the machine. */
  pathExists(path: string): boolean;
  isDirectory(path: string): boolean;
}

export type Builtin = (argv: string[], io: ToolIo) => ExecResult | Promise<ExecResult>;

export const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', code: 0 });
export const fail = (stderr: string, code = 1, stdout = ''): ExecResult => ({ stdout, stderr, code });

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function joinLines(lines: string[]): string {
  let out = '';
  for (const line of lines) out += `${line}\n`;
  return out;
}

/** Reads each named file (or stdin for none / "-"); missing files produce coreutils-style errors. */
export function readInputs(
  tool: string,
  files: string[],
  io: ToolIo,
): { inputs: { name: string; text: string }[]; errors: string } {
  if (!files.length) return { inputs: [{ name: '(standard input)', text: io.stdin }], errors: '' };
  const inputs: { name: string; text: string }[] = [];
  let errors = '';
  for (const name of files) {
    const text = name === '-' ? io.stdin : io.readFile(name);
    if (text === undefined) errors += `${tool}: ${name}: No such file or directory\n`;
    else inputs.push({ name, text });
  }
  return { inputs, errors };
}

/** Parses `-n N`, `-nN`, `-N` and `--lines=N` style counts. */
export function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return undefined;
  return Math.abs(parseInt(value, 10));
}
