import type { ExecContext, ExecResult, InteractiveSession, SimMachine } from '../machine';
import { runCliLine, type CliMode } from './commands';
import { SwitchState, type SwitchStateOptions } from './state';

// A simulated MLNX-OS InfiniBand switch (e.g. a QM9700): the CLI over an interactive session, and exec
// requests. See state.ts for what survives `configuration write` and a reboot.
//
// Interactive sessions: greeting() is the banner and the first prompt; input(line) returns the command's
// output followed by the next prompt. The typed line is not echoed (echo is the terminal's business).
// Lines end in "\n"; a PTY layer may translate them to "\r\n".
//
// Exec requests (`ssh admin@switch 'show ib sm'`): execCli runs the text as if typed in a fresh session
// already in enable mode. Several commands may be given one per line or separated by ";" (so
// "configure terminal; ib sm virt enable; configuration write" works); the real `cli -h '"cmd1" "cmd2"'`
// form is accepted too. Commands run in order and stop at the first `%` error; the exit code is then 1.
// Everything, errors included, goes to stdout as on the switch's terminal (no prompts, no echo).

export type { CliMode } from './commands';
export { SwitchState, DEFAULT_MLNX_OS_VERSION } from './state';
export type { SmConfig, SwitchStateOptions } from './state';
export { renderShowVersion, formatUptime, hostIdFor } from './show-version';

/** A simulated MLNX-OS switch is configured by its state's options (see state.ts). */
export type SwitchOptions = SwitchStateOptions;

export interface SwitchMachine extends SimMachine {
  readonly kind: 'switch';
  readonly state: SwitchState;
  openInteractive(user: string): InteractiveSession;
  execCli(line: string, ctx?: ExecContext): Promise<ExecResult>;
}

export const BANNER = '\nMellanox MLNX-OS Switch Management\n\n';

/** The prompt for a mode, e.g. "sw1 [standalone: master] (config) # ". */
export function promptFor(name: string, mode: CliMode): string {
  switch (mode) {
    case 'user':
      return `${name} [standalone: master] > `;
    case 'enable':
      return `${name} [standalone: master] # `;
    case 'config':
      return `${name} [standalone: master] (config) # `;
  }
}

/** One CLI session: a mode and the switch it acts on. */
export class MlnxCliSession implements InteractiveSession {
  mode: CliMode;
  closed = false;

  constructor(
    private readonly state: SwitchState,
    initialMode: CliMode = 'user',
  ) {
    this.mode = initialMode;
  }

  greeting(): string {
    return BANNER + promptFor(this.state.name, this.mode);
  }

  /** Runs a line; returns its output (no prompt) and whether it failed or closed the session. */
  run(line: string): { output: string; error: boolean; close: boolean } {
    const outcome = runCliLine(line.replace(/\r$/, ''), { state: this.state, mode: this.mode });
    if (outcome.mode) this.mode = outcome.mode;
    if (outcome.close) this.closed = true;
    return { output: outcome.output, error: outcome.error === true, close: outcome.close === true };
  }

  input(line: string): Promise<{ output: string; close?: boolean }> {
    if (this.closed) return Promise.resolve({ output: '', close: true });
    const r = this.run(line);
    if (r.close) return Promise.resolve({ output: r.output, close: true });
    return Promise.resolve({ output: r.output + promptFor(this.state.name, this.mode) });
  }
}

/** Splits an exec request into command lines (see the header comment). */
export function splitExecLine(text: string): string[] {
  const trimmed = text.trim();
  const cliH = /^cli\s+-h\s+(.*)$/s.exec(trimmed);
  if (cliH) {
    const quoted = [...cliH[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    if (quoted.length > 0) return quoted;
    return [cliH[1].replace(/^'|'$/g, '')];
  }
  return trimmed
    .split(/[\n;]/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export function createSwitchMachine(opts: SwitchOptions): SwitchMachine {
  const state = new SwitchState(opts);
  return {
    name: opts.name,
    kind: 'switch',
    state,
    openInteractive: (_user: string) => new MlnxCliSession(state, 'user'),
    execCli: (line: string, _ctx?: ExecContext): Promise<ExecResult> => {
      const session = new MlnxCliSession(state, 'enable');
      let stdout = '';
      for (const command of splitExecLine(line)) {
        const r = session.run(command);
        stdout += r.output;
        if (r.error) return Promise.resolve({ stdout, stderr: '', code: 1 });
        if (r.close) break;
      }
      return Promise.resolve({ stdout, stderr: '', code: 0 });
    },
  };
}
