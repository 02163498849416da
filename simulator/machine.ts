// The seam between the simulator's SSH server / shell interpreter and the machines it simulates
// (ESXi hosts, MLNX-OS switches, Linux guests). A machine provides commands; the SSH server
// provides sessions, the shell (pipes, ; && ||, $(...), cat, grep, tail) and faults.

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecContext {
  /** Logged-in user. */
  user: string;
  /** Aborted when the session closes (client gone, host rebooting). */
  signal: AbortSignal;
  /** Standard input (the output of the previous pipeline stage, or ''). */
  stdin: string;
}

/** One program on a machine's PATH: argv[0] is the name as typed. */
export type CommandImpl = (argv: string[], ctx: ExecContext) => ExecResult | Promise<ExecResult>;

/** An interactive CLI (the MLNX-OS shell). Lines in, text out; `close` ends the session. */
export interface InteractiveSession {
  /** Text written when the session opens (banner + first prompt). */
  greeting(): string;
  /** Handle one line typed by the user; returns what the terminal shows next (output + prompt). */
  input(line: string): Promise<{ output: string; close?: boolean }>;
}

export type MachineKind = 'esxi' | 'switch' | 'guest';

export interface SimMachine {
  readonly name: string;
  readonly kind: MachineKind;
  /**
   * For sh-like machines (esxi, guest): programs by name, run by the simulator's shell.
   * Absolute paths are resolved by basename when `paths` lists them (e.g. /opt/mellanox/bin/mst).
   */
  commands?: Map<string, CommandImpl>;
  /** Absolute paths that exist as programs (e.g. "/opt/mellanox/bin/mlxconfig"). */
  paths?: Set<string>;
  /** Files readable with cat/grep/tail (e.g. /var/log/vmksummary.log). */
  readFile?(path: string): string | undefined;
  /** For CLI machines (switch): an exec request runs the line in a fresh CLI session. */
  execCli?(line: string, ctx: ExecContext): Promise<ExecResult>;
  /** Interactive shell: for CLI machines the MLNX-OS CLI; sh-like machines get the simulator's shell. */
  openInteractive?(user: string): InteractiveSession;
  /** Called for every command line the simulator's shell runs (ESXi logs to /var/log/shell.log). */
  onCommandLine?(line: string, user: string): void;
}
