import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CommandImpl, ExecResult, SimMachine } from '../machine';
import type { AndOr, Command, ListNode, Pipeline, SimpleCommand, Word } from './ast';
import { builtins } from './builtins';
import type { Builtin, ToolIo } from './io';
import { parseShell, ShellSyntaxError } from './parser';

// Runs parsed command lines against a SimMachine: variables, $(...), pipes, && || ;, for/if/while,
// redirections to /dev/null and 2>&1, `sh -c`, and command lookup (machine programs, then the
// shell's own utilities; absolute paths through machine.paths or the standard bin directories).

const STANDARD_DIRS = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin']);
const SHELL_NAMES = new Set(['sh', 'bash', 'ash', 'dash']);
const MAX_LOOP_ITERATIONS = 100_000;

/** Output of a run: separate streams plus the interleaved text a terminal would show. */
export class Output {
  stdout = '';
  stderr = '';
  combined = '';
  out(text: string): void {
    if (!text) return;
    this.stdout += text;
    this.combined += text;
  }
  err(text: string): void {
    if (!text) return;
    this.stderr += text;
    this.combined += text;
  }
}

class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
class LoopControl extends Error {
  constructor(
    readonly kind: 'break' | 'continue',
    readonly levels: number,
  ) {
    super(kind);
  }
}
class AbortedSignal extends Error {}

type Resolved =
  { kind: 'machine'; impl: CommandImpl; path: string } | { kind: 'builtin'; fn: Builtin; path: string };

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
function dirname(path: string): string {
  const idx = path.lastIndexOf('/');
  return idx <= 0 ? '/' : path.slice(0, idx);
}

export interface ShellContext {
  machine: SimMachine;
  user: string;
  signal: AbortSignal;
}

export class Shell {
  readonly vars: Map<string, string>;
  positional: string[] = [];
  lastStatus = 0;
  errexit = false;
  /** Set when `exit` ran at this shell's top level (an interactive session then ends). */
  exitRequested = false;
  private substitutions = 0;

  constructor(
    private readonly ctx: ShellContext,
    vars?: Map<string, string>,
  ) {
    this.vars =
      vars ??
      new Map([
        ['HOME', ctx.user === 'root' ? '/root' : `/home/${ctx.user}`],
        ['USER', ctx.user],
        ['LOGNAME', ctx.user],
        ['HOSTNAME', ctx.machine.name],
        ['PATH', '/bin:/sbin:/usr/bin:/usr/sbin:/opt/mellanox/bin'],
        ['SHELL', '/bin/sh'],
        ['IFS', ' \t\n'],
      ]);
  }

  private child(): Shell {
    const sh = new Shell(this.ctx, new Map(this.vars));
    sh.positional = this.positional;
    sh.lastStatus = this.lastStatus;
    return sh;
  }

  /** Parses and runs one command line (or script). Never throws. */
  async run(source: string, stdin = ''): Promise<ExecResult & { combined: string }> {
    const out = new Output();
    const code = await this.runSource(source, out, stdin);
    return { stdout: out.stdout, stderr: out.stderr, combined: out.combined, code };
  }

  private async runSource(source: string, out: Output, stdin: string): Promise<number> {
    let list: ListNode;
    try {
      list = parseShell(source);
    } catch (err) {
      if (err instanceof ShellSyntaxError) {
        out.err(`${err.message}\n`);
        return (this.lastStatus = 2);
      }
      throw err;
    }
    try {
      return await this.list(list, out, stdin);
    } catch (err) {
      if (err instanceof ExitSignal) {
        this.exitRequested = true;
        return (this.lastStatus = err.code);
      }
      if (err instanceof AbortedSignal) return (this.lastStatus = 130);
      if (err instanceof LoopControl) return this.lastStatus;
      throw err;
    }
  }

  private async list(list: ListNode, out: Output, stdin: string): Promise<number> {
    let status = 0;
    for (const item of list.items) {
      status = await this.andOr(item, out, stdin);
      if (this.errexit && status !== 0 && item.rest.length === 0 && !item.first.negated)
        throw new ExitSignal(status);
    }
    return status;
  }

  private async andOr(node: AndOr, out: Output, stdin: string): Promise<number> {
    let status = await this.pipeline(node.first, out, stdin);
    for (const { op, pipeline } of node.rest) {
      if ((op === '&&') === (status === 0)) status = await this.pipeline(pipeline, out, stdin);
    }
    return status;
  }

  private async pipeline(p: Pipeline, out: Output, stdin: string): Promise<number> {
    let status: number;
    if (p.commands.length === 1) {
      status = await this.command(p.commands[0], out, stdin);
    } else {
      let input = stdin;
      status = 0;
      for (let i = 0; i < p.commands.length; i++) {
        const last = i === p.commands.length - 1;
        const stage = last ? out : new Output();
        // Each stage of a real pipeline is a subshell; only the streams connect them.
        const sh = last ? this : this.child();
        status = await sh.command(p.commands[i], stage, input);
        if (!last) {
          input = stage.stdout;
          out.err(stage.stderr);
        }
      }
    }
    if (p.negated) status = status === 0 ? 1 : 0;
    this.lastStatus = status;
    return status;
  }

  private async command(cmd: Command, out: Output, stdin: string): Promise<number> {
    if (this.ctx.signal.aborted) throw new AbortedSignal();
    switch (cmd.type) {
      case 'simple':
        return this.simple(cmd, out, stdin);
      case 'group': {
        if (!cmd.subshell) return this.list(cmd.body, out, stdin);
        const sh = this.child();
        try {
          return await sh.list(cmd.body, out, stdin);
        } catch (err) {
          if (err instanceof ExitSignal) return err.code;
          throw err;
        }
      }
      case 'if': {
        for (const branch of cmd.branches) {
          if ((await this.list(branch.condition, out, stdin)) === 0)
            return this.list(branch.body, out, stdin);
        }
        return cmd.otherwise ? this.list(cmd.otherwise, out, stdin) : 0;
      }
      case 'for': {
        const items: string[] = [];
        for (const w of cmd.items) items.push(...(await this.expandWord(w, out)));
        let status = 0;
        for (const item of cmd.items.length ? items : this.positional) {
          this.vars.set(cmd.variable, item);
          const r = await this.loopBody(cmd.body, out, stdin);
          status = r.status;
          if (r.stop) break;
        }
        return status;
      }
      case 'while': {
        let status = 0;
        for (let n = 0; ; n++) {
          if (n >= MAX_LOOP_ITERATIONS) {
            out.err('sh: loop iteration limit reached\n');
            return 1;
          }
          if (n % 100 === 99) await yieldToEventLoop();
          if (this.ctx.signal.aborted) throw new AbortedSignal();
          const cond = await this.list(cmd.condition, out, stdin);
          if ((cond === 0) === cmd.until) break;
          const r = await this.loopBody(cmd.body, out, stdin);
          status = r.status;
          if (r.stop) break;
        }
        return status;
      }
    }
  }

  private async loopBody(
    body: ListNode,
    out: Output,
    stdin: string,
  ): Promise<{ status: number; stop: boolean }> {
    try {
      return { status: await this.list(body, out, stdin), stop: false };
    } catch (err) {
      if (!(err instanceof LoopControl)) throw err;
      if (err.levels > 1) throw new LoopControl(err.kind, err.levels - 1);
      return { status: 0, stop: err.kind === 'break' };
    }
  }

  private lookupVar(name: string): string {
    if (name === '?') return String(this.lastStatus);
    if (name === '#') return String(this.positional.length);
    if (name === '$') return '4242';
    if (name === '0') return 'sh';
    if (/^[1-9]$/.test(name)) return this.positional[parseInt(name, 10) - 1] ?? '';
    const m = /^([A-Za-z_][A-Za-z0-9_]*):?-(.*)$/.exec(name);
    if (m) {
      const v = this.vars.get(m[1]);
      return v === undefined || v === '' ? m[2] : v;
    }
    return this.vars.get(name) ?? '';
  }

  private async substitute(body: ListNode, out: Output): Promise<string> {
    const sh = this.child();
    const subOut = new Output();
    let status: number;
    try {
      status = await sh.list(body, subOut, '');
    } catch (err) {
      if (!(err instanceof ExitSignal)) throw err;
      status = err.code;
    }
    out.err(subOut.stderr);
    this.lastStatus = status;
    this.substitutions++;
    return subOut.stdout.replace(/\n+$/, '');
  }

  /** Expands a word into fields: unquoted substitutions and variables are split on whitespace. */
  async expandWord(word: Word, out: Output, split = true): Promise<string[]> {
    const fields: string[] = [];
    let cur = '';
    let has = false;
    for (const part of word.parts) {
      if (part.type === 'lit') {
        cur += part.text;
        if (part.text !== '' || part.quoted) has = true;
        continue;
      }
      const value = part.type === 'var' ? this.lookupVar(part.name) : await this.substitute(part.body, out);
      if (part.quoted || !split) {
        cur += value;
        has = true;
        continue;
      }
      const pieces = value.split(/[ \t\n]+/);
      for (let k = 0; k < pieces.length; k++) {
        if (k > 0 && has) {
          fields.push(cur);
          cur = '';
          has = false;
        }
        if (pieces[k] !== '') {
          cur += pieces[k];
          has = true;
        }
      }
    }
    if (has) fields.push(cur);
    return fields;
  }

  private async expandToString(word: Word, out: Output): Promise<string> {
    return (await this.expandWord(word, out)).join(' ');
  }

  private async simple(cmd: SimpleCommand, out: Output, stdin: string): Promise<number> {
    const substitutionsBefore = this.substitutions;
    const assignments: [string, string][] = [];
    for (const a of cmd.assignments)
      assignments.push([a.name, await this.expandWord(a.value, out, false).then((f) => f.join(''))]);
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await this.expandWord(w, out)));
    for (const [k, v] of assignments) this.vars.set(k, v);
    // A bare assignment's status is that of its last command substitution, else 0.
    if (!argv.length) return this.substitutions > substitutionsBefore ? this.lastStatus : 0;

    // Redirections: route the command's streams; the simulated file system is read-only.
    let input = stdin;
    let fd1: 'out' | 'err' | 'null' = 'out';
    let fd2: 'out' | 'err' | 'null' = 'err';
    for (const r of cmd.redirects) {
      if (r.type === 'dup') {
        if (r.from === 1 && r.to === 2) fd1 = fd2;
        else if (r.from === 2 && r.to === 1) fd2 = fd1;
      } else if (r.type === 'in') {
        const path = await this.expandToString(r.source, out);
        const text = this.ctx.machine.readFile?.(path);
        if (text === undefined) {
          out.err(`sh: can't open '${path}': No such file or directory\n`);
          return 1;
        }
        input = text;
      } else {
        const target = await this.expandToString(r.target, out);
        const dest = target === '/dev/stderr' ? 'err' : target === '/dev/stdout' ? 'out' : 'null';
        if (r.fd === 1 || r.fd === 'both') fd1 = dest;
        if (r.fd === 2 || r.fd === 'both') fd2 = dest;
      }
    }
    if (fd1 === 'out' && fd2 === 'err') return this.invoke(argv, out, input);
    const local = new Output();
    const status = await this.invoke(argv, local, input);
    const route = (dest: 'out' | 'err' | 'null', text: string) => {
      if (dest === 'out') out.out(text);
      else if (dest === 'err') out.err(text);
    };
    route(fd1, local.stdout);
    route(fd2, local.stderr);
    return status;
  }

  private toolIo(stdin: string): ToolIo {
    const machine = this.ctx.machine;
    const readFile = (path: string) => machine.readFile?.(path);
    const isDirectory = (path: string) => {
      if (
        [
          '/',
          '/tmp',
          '/bin',
          '/sbin',
          '/usr/bin',
          '/usr/sbin',
          '/etc',
          '/var',
          '/var/log',
          '/root',
          '/home',
        ].includes(path)
      )
        return true;
      const prefix = path.endsWith('/') ? path : `${path}/`;
      for (const p of machine.paths ?? []) if (p.startsWith(prefix)) return true;
      return false;
    };
    return {
      stdin,
      signal: this.ctx.signal,
      readFile,
      isDirectory,
      pathExists: (path) =>
        machine.paths?.has(path) === true || readFile(path) !== undefined || this.resolve(path) !== undefined,
    };
  }

  resolve(name: string): Resolved | undefined {
    const machine = this.ctx.machine;
    const commands = machine.commands;
    if (name.includes('/')) {
      const base = basename(name);
      if (machine.paths?.has(name) || STANDARD_DIRS.has(dirname(name))) {
        const impl = commands?.get(base);
        if (impl) return { kind: 'machine', impl, path: name };
        const fn = builtins.get(base);
        if (fn && STANDARD_DIRS.has(dirname(name))) return { kind: 'builtin', fn, path: name };
      }
      return undefined;
    }
    const impl = commands?.get(name);
    if (impl) {
      let path = `/bin/${name}`;
      for (const p of machine.paths ?? []) if (basename(p) === name) path = p;
      return { kind: 'machine', impl, path };
    }
    const fn = builtins.get(name);
    return fn ? { kind: 'builtin', fn, path: `/bin/${name}` } : undefined;
  }

  private async invoke(argv: string[], out: Output, stdin: string): Promise<number> {
    const name = argv[0];
    const base = name.includes('/') && STANDARD_DIRS.has(dirname(name)) ? basename(name) : name;
    const special = await this.special(base, argv, out, stdin);
    if (special !== undefined) return special;

    const resolved = this.resolve(name);
    if (!resolved) {
      out.err(`sh: ${name}: not found\n`);
      return 127;
    }
    let result: ExecResult;
    try {
      result =
        resolved.kind === 'machine'
          ? await resolved.impl(argv, { user: this.ctx.user, signal: this.ctx.signal, stdin })
          : await resolved.fn(argv, this.toolIo(stdin));
    } catch (err) {
      out.err(`sh: ${name}: ${(err as Error).message}\n`);
      return 1;
    }
    out.out(result.stdout);
    out.err(result.stderr);
    return result.code;
  }

  /** Builtins that need the interpreter itself. Returns undefined when `name` is not one. */
  private async special(
    name: string,
    argv: string[],
    out: Output,
    stdin: string,
  ): Promise<number | undefined> {
    switch (name) {
      case 'exit': {
        const code = argv[1] === undefined ? this.lastStatus : parseInt(argv[1], 10);
        throw new ExitSignal(Number.isNaN(code) ? 2 : code & 255);
      }
      case 'break':
      case 'continue':
        throw new LoopControl(name, Math.max(1, parseInt(argv[1] ?? '1', 10) || 1));
      case 'cd':
      case 'export':
      case 'readonly':
      case 'local':
        for (const a of argv.slice(1)) {
          const eq = a.indexOf('=');
          if (name !== 'cd' && eq > 0) this.vars.set(a.slice(0, eq), a.slice(eq + 1));
        }
        return 0;
      case 'unset':
        argv.slice(1).forEach((a) => this.vars.delete(a));
        return 0;
      case 'set':
        for (const a of argv.slice(1)) {
          if (/^-[a-z]*e/.test(a)) this.errexit = true;
          if (/^\+[a-z]*e/.test(a)) this.errexit = false;
        }
        return 0;
      case 'eval':
        return this.runSource(argv.slice(1).join(' '), out, stdin);
      case 'exec':
      case 'sudo':
      case 'nohup': {
        let i = 1;
        while (name === 'sudo' && argv[i]?.startsWith('-')) i += argv[i] === '-u' ? 2 : 1;
        return argv.length > i ? this.invoke(argv.slice(i), out, stdin) : 0;
      }
      case 'env': {
        let i = 1;
        for (; i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]); i++) {
          const eq = argv[i].indexOf('=');
          this.vars.set(argv[i].slice(0, eq), argv[i].slice(eq + 1));
        }
        if (i < argv.length) return this.invoke(argv.slice(i), out, stdin);
        out.out([...this.vars].map(([k, v]) => `${k}=${v}\n`).join(''));
        return 0;
      }
      case 'command':
      case 'which':
      case 'type': {
        const names = argv.slice(1).filter((a) => !a.startsWith('-'));
        if (name === 'command' && !argv.includes('-v') && !argv.includes('-V')) {
          return names.length ? this.invoke(names, out, stdin) : 0;
        }
        let status = 0;
        for (const n of names) {
          const r = SHELL_NAMES.has(n) ? { path: `/bin/${n}` } : this.resolve(n);
          if (r) out.out(name === 'type' ? `${n} is ${r.path}\n` : `${r.path}\n`);
          else {
            if (name === 'type') out.err(`sh: type: ${n}: not found\n`);
            status = 1;
          }
        }
        return status;
      }
      case 'timeout':
        return this.timeout(argv, out, stdin);
    }
    if (SHELL_NAMES.has(name)) return this.subShell(argv, out, stdin);
    return undefined;
  }

  private async subShell(argv: string[], out: Output, stdin: string): Promise<number> {
    const sh = this.child();
    let script: string | undefined;
    let i = 1;
    for (; i < argv.length && argv[i].startsWith('-') && argv[i] !== '-'; i++) {
      const flags = argv[i];
      if (flags.includes('e')) sh.errexit = true;
      if (flags.includes('c')) {
        script = argv[++i];
        if (script === undefined) {
          out.err(`${argv[0]}: -c requires an argument\n`);
          return 2;
        }
        sh.positional = argv.slice(i + 2);
        i = argv.length;
        break;
      }
    }
    if (script === undefined) {
      const file = argv[i];
      script = file !== undefined ? this.ctx.machine.readFile?.(file) : stdin;
      if (script === undefined) {
        out.err(`${argv[0]}: can't open '${file ?? ''}': No such file or directory\n`);
        return 127;
      }
    }
    return sh.runSource(script, out, script === stdin ? '' : stdin);
  }

  private async timeout(argv: string[], out: Output, stdin: string): Promise<number> {
    let i = 1;
    while (argv[i]?.startsWith('-')) i += argv[i] === '-s' || argv[i] === '-k' ? 2 : 1;
    const m = /^(\d*\.?\d+)([smh]?)$/.exec(argv[i] ?? '');
    if (!m || argv.length <= i + 1) {
      out.err('timeout: invalid time interval\n');
      return 125;
    }
    const ms = parseFloat(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 1000);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    this.ctx.signal.addEventListener('abort', onAbort);
    const sh = new Shell({ ...this.ctx, signal: controller.signal }, this.vars);
    const local = new Output();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    try {
      const r = await Promise.race([sh.invoke(argv.slice(i + 1), local, stdin), expired]);
      out.out(local.stdout);
      out.err(local.stderr);
      if (r === 'timeout') {
        controller.abort();
        return 124;
      }
      return r;
    } finally {
      clearTimeout(timer);
      this.ctx.signal.removeEventListener('abort', onAbort);
    }
  }
}
