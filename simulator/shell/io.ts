import type { ExecResult } from '../machine';

// What a shell utility (grep, tail, cat) can see: its stdin and the machine's read-only files.

export interface ToolIo {
  stdin: string;
  readFile(path: string): string | undefined;
}

export type Builtin = (argv: string[], io: ToolIo) => ExecResult;

export const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', code: 0 });
export const fail = (stderr: string, code = 1): ExecResult => ({ stdout: '', stderr, code });

/** A refusal of an option the simulator does not implement (busybox would accept it). */
export const optionNotSimulated = (tool: string, option: string, code = 1): ExecResult =>
  fail(`${tool}: option ${option} is not simulated\n`, code);

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

/** Reads each named file (or stdin for none / "-"); missing files produce busybox-style errors. */
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
