import type { ExecResult, SimMachine } from '../machine';
import { Shell } from './interpreter';

// Entry point of the simulator's shell for sh-like machines.

export { Shell, Output } from './interpreter';
export { parseShell, ShellSyntaxError } from './parser';

export interface RunOptions {
  user: string;
  signal: AbortSignal;
  stdin?: string;
  /** Reuse an interactive session's shell (variables persist between lines). */
  shell?: Shell;
}

/** Logs the line on the machine (ESXi shell.log) and runs it. `combined` is what a terminal shows. */
export async function runCommandLine(
  machine: SimMachine,
  line: string,
  opts: RunOptions,
): Promise<ExecResult & { combined: string }> {
  machine.onCommandLine?.(line, opts.user);
  const shell = opts.shell ?? new Shell({ machine, user: opts.user, signal: opts.signal });
  return shell.run(line, opts.stdin ?? '');
}
