import type { CommandImpl, ExecResult, SimMachine } from '../machine';
import type { AndOr, ListNode, Pipeline, SimpleCommand, Word } from './ast';
import { builtins } from './builtins';
import type { Builtin } from './io';
import { parseShell, ShellSyntaxError } from './parser';

// Runs parsed command lines against a SimMachine: variables, $(...), pipes, && || ; and `exit`, and
// command lookup (machine programs, then the shell's own utilities; absolute paths through
// machine.paths or the standard bin directories). A program it does not have fails as busybox's sh
// does for an unknown command: `sh: NAME: not found`, exit 127.

const STANDARD_DIRS = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin']);

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
class AbortedSignal extends Error {}

type Resolved = { kind: 'machine'; impl: CommandImpl } | { kind: 'builtin'; fn: Builtin };

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
  lastStatus = 0;
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
      ]);
  }

  /** A pipeline stage or a substitution: its variables and `exit` stay inside. */
  private child(): Shell {
    const sh = new Shell(this.ctx, new Map(this.vars));
    sh.lastStatus = this.lastStatus;
    return sh;
  }

  /** Parses and runs one command line. Never throws. */
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
      if (!(err instanceof ShellSyntaxError)) throw err;
      out.err(`${err.message}\n`);
      return (this.lastStatus = 2);
    }
    try {
      return await this.list(list, out, stdin);
    } catch (err) {
      if (err instanceof ExitSignal) {
        this.exitRequested = true;
        return (this.lastStatus = err.code);
      }
      if (err instanceof AbortedSignal) return (this.lastStatus = 130);
      throw err;
    }
  }

  private async list(list: ListNode, out: Output, stdin: string): Promise<number> {
    let status = 0;
    for (const item of list.items) status = await this.andOr(item, out, stdin);
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
    let input = stdin;
    let status = 0;
    for (let i = 0; i < p.commands.length; i++) {
      const last = i === p.commands.length - 1;
      // Each stage of a real pipeline is a subshell; only the streams connect them.
      const stage = last ? out : new Output();
      const sh = last ? this : this.child();
      try {
        status = await sh.simple(p.commands[i], stage, input);
      } catch (err) {
        if (last || !(err instanceof ExitSignal)) throw err;
        status = err.code;
      }
      if (!last) {
        input = stage.stdout;
        out.err(stage.stderr);
      }
    }
    return (this.lastStatus = status);
  }

  private lookupVar(name: string): string {
    return name === '?' ? String(this.lastStatus) : (this.vars.get(name) ?? '');
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
  private async expandWord(word: Word, out: Output, split = true): Promise<string[]> {
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

  private async simple(cmd: SimpleCommand, out: Output, stdin: string): Promise<number> {
    if (this.ctx.signal.aborted) throw new AbortedSignal();
    const substitutionsBefore = this.substitutions;
    const assignments: [string, string][] = [];
    for (const a of cmd.assignments)
      assignments.push([a.name, (await this.expandWord(a.value, out, false)).join('')]);
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await this.expandWord(w, out)));
    for (const [k, v] of assignments) this.vars.set(k, v);
    // A bare assignment's status is that of its last command substitution, else 0.
    if (!argv.length) return this.substitutions > substitutionsBefore ? this.lastStatus : 0;
    return this.invoke(argv, out, stdin);
  }

  private resolve(name: string): Resolved | undefined {
    const machine = this.ctx.machine;
    if (name.includes('/')) {
      const base = basename(name);
      const standard = STANDARD_DIRS.has(dirname(name));
      if (!machine.paths?.has(name) && !standard) return undefined;
      const impl = machine.commands?.get(base);
      if (impl) return { kind: 'machine', impl };
      const fn = builtins.get(base);
      return fn && standard ? { kind: 'builtin', fn } : undefined;
    }
    const impl = machine.commands?.get(name);
    if (impl) return { kind: 'machine', impl };
    const fn = builtins.get(name);
    return fn ? { kind: 'builtin', fn } : undefined;
  }

  private async invoke(argv: string[], out: Output, stdin: string): Promise<number> {
    const name = argv[0];
    if (name === 'exit') {
      const code = argv[1] === undefined ? this.lastStatus : parseInt(argv[1], 10);
      throw new ExitSignal(Number.isNaN(code) ? 2 : code & 255);
    }
    const resolved = this.resolve(name);
    if (!resolved) {
      out.err(`sh: ${name}: not found\n`);
      return 127;
    }
    let result: ExecResult;
    try {
      const machine = this.ctx.machine;
      result =
        resolved.kind === 'machine'
          ? await resolved.impl(argv, { user: this.ctx.user, signal: this.ctx.signal, stdin })
          : resolved.fn(argv, { stdin, readFile: (path) => machine.readFile?.(path) });
    } catch (err) {
      out.err(`sh: ${name}: ${(err as Error).message}\n`);
      return 1;
    }
    out.out(result.stdout);
    out.err(result.stderr);
    return result.code;
  }
}
