import type { ExecResult } from '../machine';
import { awk, printfFormat } from './awk';
import { grep } from './grep';
import { fail, ok, readInputs, type Builtin, type ToolIo } from './io';
import { testBuiltin } from './test-builtin';
import { cut, head, sort, tail, uniq, wc } from './text-tools';

// Utilities every sh-like simulated machine has. Machines may override any of them by name.

function echo(argv: string[]): ExecResult {
  let newline = true;
  let escapes = false;
  let i = 1;
  for (; i < argv.length && /^-[neE]+$/.test(argv[i]); i++) {
    for (const f of argv[i].slice(1)) {
      if (f === 'n') newline = false;
      else if (f === 'e') escapes = true;
      else escapes = false;
    }
  }
  let text = argv.slice(i).join(' ');
  if (escapes)
    text = text.replace(/\\(n|t|\\|r)/g, (_m, c: string) =>
      c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\',
    );
  return ok(newline ? `${text}\n` : text);
}

function cat(argv: string[], io: ToolIo): ExecResult {
  const files = argv.slice(1).filter((a) => a === '-' || !a.startsWith('-'));
  const { inputs, errors } = readInputs('cat', files, io);
  return { stdout: inputs.map((i) => i.text).join(''), stderr: errors, code: errors ? 1 : 0 };
}

async function sleep(argv: string[], io: ToolIo): Promise<ExecResult> {
  const arg = argv[1];
  const m = arg === undefined ? null : /^(\d*\.?\d+)([smh]?)$/.exec(arg);
  if (!m) return fail(`sleep: invalid number '${arg ?? ''}'\n`);
  const unit = m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 1000;
  const ms = parseFloat(m[1]) * unit;
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      io.signal.removeEventListener('abort', done);
      resolve();
    }
    io.signal.addEventListener('abort', done);
  });
  return io.signal.aborted ? fail('', 130) : ok();
}

function printf(argv: string[]): ExecResult {
  if (argv.length < 2) return fail('printf: usage: printf format [arguments]\n', 2);
  const fmt = argv[1];
  const args = argv.slice(2);
  let out = printfFormat(fmt, args);
  // Like the shell's printf, reuse the format while arguments remain.
  const perRound = (fmt.match(/%[-0 ]*\d*(?:\.\d+)?[sdifxXc]/g) ?? []).length;
  for (let used = perRound; perRound > 0 && used < args.length; used += perRound)
    out += printfFormat(fmt, args.slice(used));
  return ok(out);
}

function tr(argv: string[], io: ToolIo): ExecResult {
  const del = argv[1] === '-d';
  const [set1, set2] = del ? [argv[2] ?? '', ''] : [argv[1] ?? '', argv[2] ?? ''];
  const expand = (s: string) =>
    s
      .replace(/\\n/g, '\n')
      .replace(/\\t/g, '\t')
      .replace(/(.)-(.)/g, (_m, a: string, b: string) => {
        let r = '';
        for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) r += String.fromCharCode(c);
        return r;
      });
  const from = expand(set1);
  const to = expand(set2);
  let out = '';
  for (const c of io.stdin) {
    const idx = from.indexOf(c);
    if (idx < 0) out += c;
    else if (!del) out += to[Math.min(idx, to.length - 1)] ?? '';
  }
  return ok(out);
}

export const builtins: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['true', () => ok()],
  [':', () => ok()],
  ['false', () => fail('', 1)],
  ['echo', echo],
  ['printf', printf],
  ['cat', cat],
  ['test', testBuiltin],
  ['[', testBuiltin],
  ['sleep', sleep],
  ['grep', grep],
  ['egrep', grep],
  ['fgrep', grep],
  ['head', head],
  ['tail', tail],
  ['awk', awk],
  ['wc', wc],
  ['cut', cut],
  ['sort', sort],
  ['uniq', uniq],
  ['tr', tr],
]);
