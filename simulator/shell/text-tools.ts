import type { ExecResult } from '../machine';
import { joinLines, parseCount, readInputs, splitLines, type ToolIo } from './io';

// head, tail, wc, cut, sort, uniq: line-oriented utilities over stdin or the machine's files.

function lineCountArgs(
  tool: string,
  argv: string[],
): { count: number; fromStart: boolean; files: string[] } | string {
  let count = 10;
  let fromStart = false;
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    let value: string | undefined;
    if (a === '-n' || a === '--lines') value = argv[++i];
    else if (a.startsWith('--lines=')) value = a.slice('--lines='.length);
    else if (/^-n[+-]?\d+$/.test(a)) value = a.slice(2);
    else if (/^-\d+$/.test(a)) value = a.slice(1);
    else if (a === '-f' || a === '-F' || a === '-q') continue;
    else if (a.startsWith('-') && a !== '-') return `${tool}: invalid option -- '${a.slice(1)}'\n`;
    else {
      files.push(a);
      continue;
    }
    const n = parseCount(value);
    if (n === undefined) return `${tool}: invalid number of lines: '${value ?? ''}'\n`;
    count = n;
    fromStart = value?.startsWith('+') ?? false;
  }
  return { count, fromStart, files };
}

export function head(argv: string[], io: ToolIo): ExecResult {
  const args = lineCountArgs('head', argv);
  if (typeof args === 'string') return { stdout: '', stderr: args, code: 1 };
  const { inputs, errors } = readInputs('head', args.files, io);
  const out = inputs.map((input) => joinLines(splitLines(input.text).slice(0, args.count))).join('');
  return { stdout: out, stderr: errors, code: errors ? 1 : 0 };
}

export function tail(argv: string[], io: ToolIo): ExecResult {
  const args = lineCountArgs('tail', argv);
  if (typeof args === 'string') return { stdout: '', stderr: args, code: 1 };
  const { inputs, errors } = readInputs('tail', args.files, io);
  const out = inputs
    .map((input) => {
      const lines = splitLines(input.text);
      const picked = args.fromStart
        ? lines.slice(Math.max(args.count - 1, 0))
        : args.count === 0
          ? []
          : lines.slice(-args.count);
      return joinLines(picked);
    })
    .join('');
  return { stdout: out, stderr: errors, code: errors ? 1 : 0 };
}

export function wc(argv: string[], io: ToolIo): ExecResult {
  const flags = new Set<string>();
  const files: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith('-') && a !== '-') for (const f of a.slice(1)) flags.add(f);
    else files.push(a);
  }
  if (!flags.size) ['l', 'w', 'c'].forEach((f) => flags.add(f));
  const { inputs, errors } = readInputs('wc', files, io);
  const rows = inputs.map((input) => {
    const counts: number[] = [];
    if (flags.has('l')) counts.push((input.text.match(/\n/g) ?? []).length);
    if (flags.has('w')) counts.push(input.text.split(/\s+/).filter((w) => w !== '').length);
    if (flags.has('c') || flags.has('m')) counts.push(Buffer.byteLength(input.text));
    const nums = counts.length === 1 ? String(counts[0]) : counts.map((c) => String(c).padStart(7)).join(' ');
    return files.length ? `${nums} ${input.name}` : nums;
  });
  return { stdout: joinLines(rows), stderr: errors, code: errors ? 1 : 0 };
}

function parseRanges(spec: string): ((n: number) => boolean) | undefined {
  const ranges: [number, number][] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || (m[1] === '' && m[3] === '')) return undefined;
    const from = m[1] === '' ? 1 : parseInt(m[1], 10);
    const to = m[2] === '' ? from : m[3] === '' ? Infinity : parseInt(m[3], 10);
    ranges.push([from, to]);
  }
  return (n) => ranges.some(([a, b]) => n >= a && n <= b);
}

export function cut(argv: string[], io: ToolIo): ExecResult {
  let delimiter = '\t';
  let fields: string | undefined;
  let chars: string | undefined;
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-d') delimiter = argv[++i] ?? '';
    else if (a.startsWith('-d')) delimiter = a.slice(2);
    else if (a === '-f') fields = argv[++i];
    else if (a.startsWith('-f')) fields = a.slice(2);
    else if (a === '-c') chars = argv[++i];
    else if (a.startsWith('-c')) chars = a.slice(2);
    else files.push(a);
  }
  const selector = parseRanges(fields ?? chars ?? '');
  if (!selector)
    return { stdout: '', stderr: 'cut: you must specify a list of bytes, characters, or fields\n', code: 1 };
  const { inputs, errors } = readInputs('cut', files, io);
  const out: string[] = [];
  for (const input of inputs) {
    for (const line of splitLines(input.text)) {
      if (chars !== undefined) {
        out.push([...line].filter((_c, idx) => selector(idx + 1)).join(''));
      } else if (!line.includes(delimiter)) {
        out.push(line);
      } else {
        out.push(
          line
            .split(delimiter)
            .filter((_f, idx) => selector(idx + 1))
            .join(delimiter),
        );
      }
    }
  }
  return { stdout: joinLines(out), stderr: errors, code: errors ? 1 : 0 };
}

export function sort(argv: string[], io: ToolIo): ExecResult {
  const flags = new Set<string>();
  const files: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith('-') && a !== '-') for (const f of a.slice(1)) flags.add(f);
    else files.push(a);
  }
  const { inputs, errors } = readInputs('sort', files, io);
  let lines = inputs.flatMap((input) => splitLines(input.text));
  if (flags.has('n')) lines.sort((a, b) => (parseFloat(a) || 0) - (parseFloat(b) || 0));
  else lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (flags.has('r')) lines.reverse();
  if (flags.has('u')) lines = lines.filter((l, i) => i === 0 || l !== lines[i - 1]);
  return { stdout: joinLines(lines), stderr: errors, code: errors ? 2 : 0 };
}

export function uniq(argv: string[], io: ToolIo): ExecResult {
  const count = argv.includes('-c');
  const { inputs, errors } = readInputs(
    'uniq',
    argv.slice(1).filter((a) => !a.startsWith('-')),
    io,
  );
  const out: string[] = [];
  let prev: string | undefined;
  let n = 0;
  const flush = () => {
    if (prev !== undefined) out.push(count ? `${String(n).padStart(7)} ${prev}` : prev);
  };
  for (const line of inputs.flatMap((input) => splitLines(input.text))) {
    if (line === prev) {
      n++;
      continue;
    }
    flush();
    prev = line;
    n = 1;
  }
  flush();
  return { stdout: joinLines(out), stderr: errors, code: errors ? 1 : 0 };
}
