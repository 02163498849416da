import type { ExecResult } from '../machine';
import { readInputs, splitLines, type ToolIo } from './io';
import { posixToJs } from './regex';

// A small awk: rules `[BEGIN|END|/re/|expr] { statements }` with print, printf, assignments (=, +=, ++),
// `next`; expressions with fields ($0, $N, $NF), NR, NF, variables, comparisons, ~ !~, && || !,
// arithmetic, string concatenation and length/substr/tolower/toupper/int. Enough for one-liners.

type Value = string | number;

type Tok =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 're'; v: string }
  | { k: 'name'; v: string }
  | { k: 'op'; v: string };

class AwkError extends Error {}

const OPS = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '!~',
  '+=',
  '-=',
  '*=',
  '/=',
  '++',
  '--',
  '<',
  '>',
  '~',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '(',
  ')',
  '{',
  '}',
  ',',
  ';',
  '\n',
  '$',
];

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const operandEnded = () => {
    const last = toks[toks.length - 1];
    return (
      last !== undefined &&
      (last.k === 'num' ||
        last.k === 'str' ||
        last.k === 'name' ||
        (last.k === 'op' && (last.v === ')' || last.v === '++' || last.v === '--')))
    );
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
      if (!m) throw new AwkError(`syntax error at ${c}`);
      toks.push({ k: 'num', v: parseFloat(m[0]) });
      i += m[0].length;
    } else if (c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else s += src[i++];
      }
      if (src[i] !== '"') throw new AwkError('non-terminated string');
      i++;
      toks.push({ k: 'str', v: s });
    } else if (c === '/' && !operandEnded()) {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '/') {
        if (src[i] === '\\' && src[i + 1] === '/') {
          s += '/';
          i += 2;
        } else s += src[i++];
      }
      if (src[i] !== '/') throw new AwkError('non-terminated regular expression');
      i++;
      toks.push({ k: 're', v: s });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      const name = m ? m[0] : c;
      toks.push({ k: 'name', v: name });
      i += name.length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new AwkError(`syntax error at source line 1: unexpected character '${c}'`);
      toks.push({ k: 'op', v: op });
      i += op.length;
    }
  }
  return toks;
}

type Expr =
  | { t: 'lit'; v: Value }
  | { t: 're'; v: RegExp }
  | { t: 'field'; index: Expr }
  | { t: 'var'; name: string }
  | { t: 'un'; op: string; e: Expr }
  | { t: 'bin'; op: string; l: Expr; r: Expr }
  | { t: 'assign'; op: string; target: Expr; e: Expr }
  | { t: 'incr'; op: '++' | '--'; target: Expr; prefix: boolean }
  | { t: 'call'; name: string; args: Expr[] };

type Stmt =
  { t: 'print'; args: Expr[] } | { t: 'printf'; args: Expr[] } | { t: 'expr'; e: Expr } | { t: 'next' };

interface Rule {
  pattern: 'BEGIN' | 'END' | Expr | undefined;
  action: Stmt[] | undefined;
}

class AwkParser {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t?.k === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) throw new AwkError(`syntax error: expected '${v}'`);
    this.pos++;
  }
  private skipTerminators(): void {
    while (this.isOp('\n') || this.isOp(';')) this.pos++;
  }

  program(): Rule[] {
    const rules: Rule[] = [];
    this.skipTerminators();
    while (this.peek()) {
      let pattern: Rule['pattern'];
      const t = this.peek();
      if (t?.k === 'name' && (t.v === 'BEGIN' || t.v === 'END')) {
        pattern = t.v;
        this.pos++;
      } else if (!this.isOp('{')) {
        pattern = this.expr();
      }
      const action = this.isOp('{') ? this.block() : undefined;
      rules.push({ pattern, action });
      this.skipTerminators();
    }
    return rules;
  }

  private block(): Stmt[] {
    this.expectOp('{');
    const stmts: Stmt[] = [];
    this.skipTerminators();
    while (!this.isOp('}')) {
      if (!this.peek()) throw new AwkError('syntax error: missing }');
      stmts.push(this.statement());
      this.skipTerminators();
    }
    this.pos++;
    return stmts;
  }

  private statement(): Stmt {
    const t = this.peek();
    if (t?.k === 'name' && (t.v === 'print' || t.v === 'printf')) {
      this.pos++;
      const args: Expr[] = [];
      const paren = this.isOp('(');
      if (paren) this.pos++;
      if (!this.isOp(';') && !this.isOp('\n') && !this.isOp('}') && !this.isOp(')') && this.peek()) {
        args.push(this.expr(true));
        while (this.isOp(',')) {
          this.pos++;
          args.push(this.expr(true));
        }
      }
      if (paren) this.expectOp(')');
      return { t: t.v, args };
    }
    if (t?.k === 'name' && t.v === 'next') {
      this.pos++;
      return { t: 'next' };
    }
    return { t: 'expr', e: this.expr() };
  }

  /** `noGt`: inside print, `>` is output redirection in real awk; we do not support it, so keep it a comparison. */
  expr(_noGt = false): Expr {
    return this.assignment();
  }

  private assignment(): Expr {
    const left = this.or();
    const t = this.peek();
    if (
      t?.k === 'op' &&
      ['=', '+=', '-=', '*=', '/='].includes(t.v) &&
      (left.t === 'var' || left.t === 'field')
    ) {
      this.pos++;
      return { t: 'assign', op: t.v, target: left, e: this.assignment() };
    }
    return left;
  }

  private or(): Expr {
    let l = this.and();
    while (this.isOp('||')) {
      this.pos++;
      l = { t: 'bin', op: '||', l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.match();
    while (this.isOp('&&')) {
      this.pos++;
      l = { t: 'bin', op: '&&', l, r: this.match() };
    }
    return l;
  }

  private match(): Expr {
    let l = this.comparison();
    while (this.isOp('~') || this.isOp('!~')) {
      const op = (this.toks[this.pos++] as { v: string }).v;
      l = { t: 'bin', op, l, r: this.comparison() };
    }
    return l;
  }

  private comparison(): Expr {
    const l = this.concat();
    const t = this.peek();
    if (t?.k === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
      this.pos++;
      return { t: 'bin', op: t.v, l, r: this.concat() };
    }
    return l;
  }

  private startsOperand(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.k === 'num' || t.k === 'str' || t.k === 're') return true;
    if (t.k === 'name') return !['BEGIN', 'END'].includes(t.v);
    return t.v === '$' || t.v === '(' || t.v === '!' || t.v === '-' || t.v === '++' || t.v === '--';
  }

  private concat(): Expr {
    let l = this.additive();
    while (this.startsOperand() && !this.isOp('-') && !this.isOp('!')) {
      l = { t: 'bin', op: 'concat', l, r: this.additive() };
    }
    return l;
  }

  private additive(): Expr {
    let l = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.pos++] as { v: string }).v;
      l = { t: 'bin', op, l, r: this.term() };
    }
    return l;
  }

  private term(): Expr {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.toks[this.pos++] as { v: string }).v;
      l = { t: 'bin', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp('!') || this.isOp('-')) {
      const op = (this.toks[this.pos++] as { v: string }).v;
      return { t: 'un', op, e: this.unary() };
    }
    if (this.isOp('++') || this.isOp('--')) {
      const op = (this.toks[this.pos++] as { v: string }).v as '++' | '--';
      return { t: 'incr', op, target: this.primary(), prefix: true };
    }
    const e = this.primary();
    if ((this.isOp('++') || this.isOp('--')) && (e.t === 'var' || e.t === 'field')) {
      const op = (this.toks[this.pos++] as { v: string }).v as '++' | '--';
      return { t: 'incr', op, target: e, prefix: false };
    }
    return e;
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) throw new AwkError('syntax error: unexpected end of program');
    this.pos++;
    if (t.k === 'num') return { t: 'lit', v: t.v };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 're') return { t: 're', v: new RegExp(posixToJs(t.v, true)) };
    if (t.k === 'name') {
      if (this.isOp('(')) {
        this.pos++;
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          args.push(this.expr());
          while (this.isOp(',')) {
            this.pos++;
            args.push(this.expr());
          }
        }
        this.expectOp(')');
        return { t: 'call', name: t.v, args };
      }
      if (t.v === 'length') return { t: 'call', name: 'length', args: [] };
      return { t: 'var', name: t.v };
    }
    if (t.v === '$') return { t: 'field', index: this.primary() };
    if (t.v === '(') {
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    throw new AwkError(`syntax error: unexpected '${t.v === '\n' ? 'newline' : t.v}'`);
  }
}

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function toNum(v: Value): number {
  if (typeof v === 'number') return v;
  const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(v);
  return m ? parseFloat(m[0]) : 0;
}

function toStr(v: Value): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return String(parseFloat(v.toPrecision(6)));
}

function truthy(v: Value): boolean {
  return typeof v === 'number' ? v !== 0 : v !== '';
}

class NextRecord extends Error {}

class AwkRun {
  vars = new Map<string, Value>();
  fields: string[] = [''];
  nr = 0;
  out = '';

  constructor(private readonly fs: string | undefined) {
    this.vars.set('OFS', ' ');
  }

  setRecord(line: string): void {
    const fs = this.fs;
    const parts =
      fs === undefined || fs === ' '
        ? line.split(/[ \t]+/).filter((p) => p !== '')
        : fs.length === 1
          ? line.split(fs)
          : line.split(new RegExp(posixToJs(fs, true)));
    this.fields = [line, ...(line === '' ? [] : parts)];
  }

  private getVar(name: string): Value {
    if (name === 'NR' || name === 'FNR') return this.nr;
    if (name === 'NF') return this.fields.length - 1;
    return this.vars.get(name) ?? '';
  }

  private assign(target: Expr, value: Value): void {
    if (target.t === 'var') {
      this.vars.set(target.name, value);
    } else if (target.t === 'field') {
      const idx = Math.trunc(toNum(this.eval(target.index)));
      if (idx === 0) this.setRecord(toStr(value));
      else {
        while (this.fields.length <= idx) this.fields.push('');
        this.fields[idx] = toStr(value);
        this.fields[0] = this.fields.slice(1).join(toStr(this.getVar('OFS')));
      }
    }
  }

  eval(e: Expr): Value {
    switch (e.t) {
      case 'lit':
        return e.v;
      case 're':
        return e.v.test(this.fields[0]) ? 1 : 0;
      case 'field': {
        const idx = Math.trunc(toNum(this.eval(e.index)));
        const v = this.fields[idx] ?? '';
        return v;
      }
      case 'var':
        return this.getVar(e.name);
      case 'un': {
        const v = this.eval(e.e);
        return e.op === '!' ? (truthy(v) ? 0 : 1) : -toNum(v);
      }
      case 'assign': {
        let v = this.eval(e.e);
        if (e.op !== '=') {
          const cur = toNum(this.eval(e.target));
          const n = toNum(v);
          v = e.op === '+=' ? cur + n : e.op === '-=' ? cur - n : e.op === '*=' ? cur * n : cur / n;
        }
        this.assign(e.target, v);
        return v;
      }
      case 'incr': {
        const cur = toNum(this.eval(e.target));
        const next = e.op === '++' ? cur + 1 : cur - 1;
        this.assign(e.target, next);
        return e.prefix ? next : cur;
      }
      case 'call':
        return this.call(
          e.name,
          e.args.map((a) => this.eval(a)),
        );
      case 'bin':
        return this.binary(e.op, e.l, e.r);
    }
  }

  private binary(op: string, le: Expr, re: Expr): Value {
    if (op === '&&') return truthy(this.eval(le)) && truthy(this.eval(re)) ? 1 : 0;
    if (op === '||') return truthy(this.eval(le)) || truthy(this.eval(re)) ? 1 : 0;
    if (op === '~' || op === '!~') {
      const s = toStr(this.eval(le));
      const re2 = re.t === 're' ? re.v : new RegExp(posixToJs(toStr(this.eval(re)), true));
      return re2.test(s) === (op === '~') ? 1 : 0;
    }
    const l = this.eval(le);
    const r = this.eval(re);
    switch (op) {
      case 'concat':
        return toStr(l) + toStr(r);
      case '+':
        return toNum(l) + toNum(r);
      case '-':
        return toNum(l) - toNum(r);
      case '*':
        return toNum(l) * toNum(r);
      case '/':
        return toNum(l) / toNum(r);
      case '%':
        return toNum(l) % toNum(r);
    }
    const numeric = (v: Value) => typeof v === 'number' || NUMERIC.test(v);
    const cmp =
      numeric(l) && numeric(r) ? toNum(l) - toNum(r) : toStr(l) < toStr(r) ? -1 : toStr(l) > toStr(r) ? 1 : 0;
    const result =
      op === '=='
        ? cmp === 0
        : op === '!='
          ? cmp !== 0
          : op === '<'
            ? cmp < 0
            : op === '>'
              ? cmp > 0
              : op === '<='
                ? cmp <= 0
                : cmp >= 0;
    return result ? 1 : 0;
  }

  private call(name: string, args: Value[]): Value {
    const s = toStr(args[0] ?? this.fields[0]);
    switch (name) {
      case 'length':
        return s.length;
      case 'tolower':
        return s.toLowerCase();
      case 'toupper':
        return s.toUpperCase();
      case 'int':
        return Math.trunc(toNum(args[0] ?? 0));
      case 'substr': {
        const start = Math.trunc(toNum(args[1] ?? 1));
        const len = args[2] === undefined ? undefined : Math.trunc(toNum(args[2]));
        const from = Math.max(start, 1) - 1;
        const end = len === undefined ? undefined : start - 1 + len;
        return s.slice(from, end);
      }
      case 'index':
        return s.indexOf(toStr(args[1] ?? '')) + 1;
      default:
        throw new AwkError(`calling undefined function ${name}`);
    }
  }

  exec(stmts: Stmt[]): void {
    for (const s of stmts) {
      if (s.t === 'next') throw new NextRecord();
      if (s.t === 'expr') {
        this.eval(s.e);
      } else if (s.t === 'print') {
        const values = s.args.length ? s.args.map((a) => toStr(this.eval(a))) : [this.fields[0]];
        this.out += `${values.join(toStr(this.getVar('OFS')))}\n`;
      } else {
        const [fmt, ...rest] = s.args.map((a) => this.eval(a));
        this.out += printfFormat(
          toStr(fmt ?? ''),
          rest.map((v) => v),
        );
      }
    }
  }
}

/** printf with %s %d %i %f %x %c %% and widths (shared with the shell's printf builtin). */
export function printfFormat(fmt: string, args: Value[]): string {
  let argIndex = 0;
  const next = () => args[argIndex++] ?? '';
  const unescaped = fmt.replace(/\\(n|t|\\|r)/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\',
  );
  return unescaped.replace(
    /%([-0 ]*)(\d*)(?:\.(\d+))?([sdifxXc%])/g,
    (_m, flags: string, width: string, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const v = next();
      let s: string;
      if (conv === 'd' || conv === 'i') s = String(Math.trunc(toNum(v)));
      else if (conv === 'f') s = toNum(v).toFixed(prec === undefined ? 6 : parseInt(prec, 10));
      else if (conv === 'x' || conv === 'X') s = Math.trunc(toNum(v)).toString(16);
      else if (conv === 'c') s = typeof v === 'number' ? String.fromCharCode(v) : v.slice(0, 1);
      else s = prec === undefined ? toStr(v) : toStr(v).slice(0, parseInt(prec, 10));
      if (conv === 'X') s = s.toUpperCase();
      const w = width ? parseInt(width, 10) : 0;
      if (s.length < w) {
        if (flags.includes('-')) s = s.padEnd(w);
        else s = s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
      }
      return s;
    },
  );
}

export function awk(argv: string[], io: ToolIo): ExecResult {
  let fs: string | undefined;
  const assigns: [string, string][] = [];
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-F') fs = argv[++i];
    else if (a.startsWith('-F')) fs = a.slice(2);
    else if (a === '-v') {
      const kv = argv[++i] ?? '';
      const eq = kv.indexOf('=');
      assigns.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else if (a === '--') {
      i++;
      break;
    } else break;
  }
  if (fs === '\\t' || fs === 't') fs = '\t';
  const source = argv[i];
  if (source === undefined)
    return {
      stdout: '',
      stderr: 'usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n',
      code: 2,
    };
  let rules: Rule[];
  try {
    rules = new AwkParser(tokenize(source)).program();
  } catch (err) {
    return { stdout: '', stderr: `awk: ${(err as Error).message}\n`, code: 2 };
  }
  const { inputs, errors } = readInputs('awk', argv.slice(i + 1), io);
  const run = new AwkRun(fs);
  for (const [k, v] of assigns) run.vars.set(k, v);
  try {
    for (const r of rules) if (r.pattern === 'BEGIN' && r.action) run.exec(r.action);
    for (const input of inputs) {
      for (const line of splitLines(input.text)) {
        run.nr++;
        run.setRecord(line);
        try {
          for (const r of rules) {
            if (r.pattern === 'BEGIN' || r.pattern === 'END') continue;
            if (r.pattern !== undefined && !truthy(run.eval(r.pattern))) continue;
            run.exec(r.action ?? [{ t: 'print', args: [] }]);
          }
        } catch (err) {
          if (!(err instanceof NextRecord)) throw err;
        }
      }
    }
    for (const r of rules) if (r.pattern === 'END' && r.action) run.exec(r.action);
  } catch (err) {
    return { stdout: run.out, stderr: `awk: ${(err as Error).message}\n`, code: 2 };
  }
  return { stdout: run.out, stderr: errors, code: errors ? 2 : 0 };
}
