import type { ExecResult } from '../machine';
import { joinLines, optionNotSimulated, readInputs, splitLines, type ToolIo } from './io';
import { posixToJs } from './regex';

// grep with -E -c -i -q -v (combinable: -ic, -qE); other options are refused as not simulated. Exit 0
// when a line is selected, 1 when none, 2 on errors (as busybox).

const FLAGS = new Set(['E', 'c', 'i', 'q', 'v']);

export function grep(argv: string[], io: ToolIo): ExecResult {
  const flags = new Set<string>();
  const operands: string[] = [];
  for (const arg of argv.slice(1)) {
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    for (const flag of arg.startsWith('--') ? [arg] : arg.slice(1)) {
      if (!FLAGS.has(flag)) return optionNotSimulated('grep', flag.startsWith('--') ? flag : `-${flag}`, 2);
      flags.add(flag);
    }
  }
  const pattern = operands.shift();
  if (pattern === undefined)
    return { stdout: '', stderr: 'Usage: grep [-Ecinqv] PATTERN [FILE]...\n', code: 2 };

  let regex: RegExp;
  try {
    regex = new RegExp(posixToJs(pattern, flags.has('E')), flags.has('i') ? 'i' : '');
  } catch (err) {
    return { stdout: '', stderr: `grep: ${(err as Error).message}\n`, code: 2 };
  }

  const { inputs, errors } = readInputs('grep', operands, io);
  const out: string[] = [];
  let selectedAny = false;
  for (const input of inputs) {
    const prefix = operands.length > 1 ? `${input.name}:` : '';
    const selected = splitLines(input.text).filter((line) => regex.test(line) !== flags.has('v'));
    if (selected.length) selectedAny = true;
    if (flags.has('c')) out.push(`${prefix}${selected.length}`);
    else out.push(...selected.map((line) => `${prefix}${line}`));
  }
  const code = errors ? 2 : selectedAny ? 0 : 1;
  if (flags.has('q')) return { stdout: '', stderr: selectedAny ? '' : errors, code: selectedAny ? 0 : code };
  return { stdout: joinLines(out), stderr: errors, code };
}
