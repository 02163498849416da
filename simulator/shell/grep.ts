import type { ExecResult } from '../machine';
import { joinLines, readInputs, splitLines, type ToolIo } from './io';
import { escapeRegExp, posixToJs } from './regex';

// grep with the options scripts use: -i -c -E -F -q -v -n -w -x -o -h -H -l -s -e PATTERN, combinable
// (-ic, -qE). Exit 0 when a line is selected, 1 when none, 2 on errors (as GNU grep and busybox).

interface GrepOptions {
  ignoreCase: boolean;
  count: boolean;
  extended: boolean;
  fixed: boolean;
  quiet: boolean;
  invert: boolean;
  lineNumbers: boolean;
  wordMatch: boolean;
  lineMatch: boolean;
  onlyMatching: boolean;
  filesWithMatches: boolean;
  noFilename: boolean;
  withFilename: boolean;
  silent: boolean;
  patterns: string[];
}

const LONG: Record<string, keyof GrepOptions> = {
  '--ignore-case': 'ignoreCase',
  '--count': 'count',
  '--extended-regexp': 'extended',
  '--fixed-strings': 'fixed',
  '--quiet': 'quiet',
  '--silent': 'quiet',
  '--invert-match': 'invert',
  '--line-number': 'lineNumbers',
  '--word-regexp': 'wordMatch',
  '--line-regexp': 'lineMatch',
  '--only-matching': 'onlyMatching',
  '--files-with-matches': 'filesWithMatches',
  '--no-filename': 'noFilename',
  '--with-filename': 'withFilename',
  '--no-messages': 'silent',
};

const SHORT: Record<string, keyof GrepOptions> = {
  i: 'ignoreCase',
  y: 'ignoreCase',
  c: 'count',
  E: 'extended',
  F: 'fixed',
  q: 'quiet',
  v: 'invert',
  n: 'lineNumbers',
  w: 'wordMatch',
  x: 'lineMatch',
  o: 'onlyMatching',
  l: 'filesWithMatches',
  h: 'noFilename',
  H: 'withFilename',
  s: 'silent',
};

export function grep(argv: string[], io: ToolIo): ExecResult {
  const opts: GrepOptions = {
    ignoreCase: false,
    count: false,
    extended: argv[0] === 'egrep',
    fixed: argv[0] === 'fgrep',
    quiet: false,
    invert: false,
    lineNumbers: false,
    wordMatch: false,
    lineMatch: false,
    onlyMatching: false,
    filesWithMatches: false,
    noFilename: false,
    withFilename: false,
    silent: false,
    patterns: [],
  };
  const operands: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      if (arg.startsWith('--regexp=')) {
        opts.patterns.push(arg.slice('--regexp='.length));
        continue;
      }
      const key = LONG[arg];
      if (!key) return { stdout: '', stderr: `grep: unrecognized option '${arg}'\n`, code: 2 };
      (opts[key] as boolean) = true;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j];
        if (flag === 'e') {
          const rest = arg.slice(j + 1);
          const pattern = rest !== '' ? rest : argv[++i];
          if (pattern === undefined)
            return { stdout: '', stderr: "grep: option requires an argument -- 'e'\n", code: 2 };
          opts.patterns.push(pattern);
          break;
        }
        const key = SHORT[flag];
        if (!key) return { stdout: '', stderr: `grep: invalid option -- '${flag}'\n`, code: 2 };
        (opts[key] as boolean) = true;
      }
      continue;
    }
    operands.push(arg);
  }
  if (!opts.patterns.length) {
    const pattern = operands.shift();
    if (pattern === undefined)
      return { stdout: '', stderr: 'Usage: grep [OPTION]... PATTERNS [FILE]...\n', code: 2 };
    opts.patterns.push(...pattern.split('\n'));
  }

  let regex: RegExp;
  try {
    const sources = opts.patterns.map((p) => (opts.fixed ? escapeRegExp(p) : posixToJs(p, opts.extended)));
    let body = sources.map((s) => `(?:${s})`).join('|');
    if (opts.wordMatch) body = `(?<![A-Za-z0-9_])(?:${body})(?![A-Za-z0-9_])`;
    if (opts.lineMatch) body = `^(?:${body})$`;
    regex = new RegExp(body, opts.ignoreCase ? 'gi' : 'g');
  } catch (err) {
    return { stdout: '', stderr: `grep: ${(err as Error).message}\n`, code: 2 };
  }

  const { inputs, errors } = readInputs('grep', operands, io);
  const showNames = opts.withFilename || (operands.length > 1 && !opts.noFilename);
  const out: string[] = [];
  let selectedAny = false;
  for (const input of inputs) {
    const prefix = showNames ? `${input.name}:` : '';
    let count = 0;
    const lines = splitLines(input.text);
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      regex.lastIndex = 0;
      const matched = regex.test(line);
      if (matched === opts.invert) continue;
      count++;
      selectedAny = true;
      if (opts.quiet) return { stdout: '', stderr: '', code: 0 };
      if (opts.count || opts.filesWithMatches) continue;
      const numbered = `${prefix}${opts.lineNumbers ? `${n + 1}:` : ''}`;
      if (opts.onlyMatching && !opts.invert) {
        regex.lastIndex = 0;
        for (const m of line.matchAll(regex)) if (m[0] !== '') out.push(`${numbered}${m[0]}`);
      } else {
        out.push(`${numbered}${line}`);
      }
    }
    if (opts.count) out.push(`${prefix}${count}`);
    else if (opts.filesWithMatches && count) out.push(input.name);
  }
  const stderr = opts.silent ? '' : errors;
  const code = errors ? 2 : selectedAny ? 0 : 1;
  return { stdout: opts.quiet ? '' : joinLines(out), stderr, code };
}
