import type { ExecResult } from '../machine';
import { grep } from './grep';
import {
  fail,
  joinLines,
  ok,
  optionNotSimulated,
  readInputs,
  splitLines,
  type Builtin,
  type ToolIo,
} from './io';

// The utilities of busybox the simulated machines' shell has: what ibfleet sends (`grep`, `grep -E ... |
// tail -n 20`, `cat FILE`), Ansible's boot marker (`grep booted ... | tail -n 1`), the guide's
// `ps -c | grep devmgr` and the `echo` mark the integration tests' audits put into shell.log
// (test/procedures/host-audit.ts). Machines may override any of them by name; any other name is not found.

/** `echo WORDS...`; its options (-n -e -E) are refused. */
function echo(argv: string[]): ExecResult {
  if (/^-[neE]+$/.test(argv[1] ?? '')) return optionNotSimulated('echo', argv[1]);
  return ok(`${argv.slice(1).join(' ')}\n`);
}

function cat(argv: string[], io: ToolIo): ExecResult {
  const option = argv.slice(1).find((a) => a.startsWith('-') && a !== '-');
  if (option) return optionNotSimulated('cat', option);
  const { inputs, errors } = readInputs('cat', argv.slice(1), io);
  return { stdout: inputs.map((i) => i.text).join(''), stderr: errors, code: errors ? 1 : 0 };
}

/** `tail [-n N | -N] [FILE]...`: the last N lines (default 10). */
function tail(argv: string[], io: ToolIo): ExecResult {
  let count = 10;
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = a === '-n' ? argv[++i] : /^-n?\d+$/.test(a) ? a.replace(/^-n?/, '') : undefined;
    if (value !== undefined) {
      if (/^\+\d+$/.test(value)) return optionNotSimulated('tail', '-n +N');
      if (!/^\d+$/.test(value)) return fail(`tail: invalid number '${value}'\n`);
      count = Number(value);
    } else if (a.startsWith('-') && a !== '-') {
      return optionNotSimulated('tail', a);
    } else {
      files.push(a);
    }
  }
  const { inputs, errors } = readInputs('tail', files, io);
  const out = inputs.map((input) => joinLines(count ? splitLines(input.text).slice(-count) : [])).join('');
  return { stdout: out, stderr: errors, code: errors ? 1 : 0 };
}

export const builtins: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['true', () => ok()],
  ['false', () => fail('')],
  ['echo', echo],
  ['cat', cat],
  ['grep', grep],
  ['tail', tail],
]);
