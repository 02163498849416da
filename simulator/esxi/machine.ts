import type { CommandImpl, ExecResult, SimMachine } from '../machine';
import { date, lspci, reboot, uname, uptime } from './busybox';
import { esxcli } from './esxcli';
import { out, type EsxiContext, type RebootRequest } from './host-context';
import { flint, mlxconfig, mst } from './mft';
import { appendLog, MAX_SHELL_LOG_LINES, type EsxiState } from './state';
import { vimCmd } from './vim-cmd';
import { esxcfgModule, kill, loadEsxEnable, ps, vmkloadMod } from './vmkernel';
import { nextTransitionAt, settleHost } from './vm-power';
import { readVmx } from './vmx';
import { realSchedule, StateWaiters, type Schedule } from './waiters';

// A simulated ESXi 8 host as the simulator's shell sees it: programs, paths and log files.

const BASE_PATHS = [
  '/bin/esxcli',
  '/sbin/esxcfg-module',
  '/bin/vmkload_mod',
  '/bin/ps',
  '/bin/kill',
  '/bin/reboot',
  '/bin/lspci',
  '/bin/loadESXEnable',
  '/bin/uname',
  '/bin/hostname',
  '/bin/uptime',
  '/bin/date',
  '/bin/whoami',
  '/bin/vim-cmd',
  '/bin/sh',
];
const MFT_PATHS = ['/opt/mellanox/bin/mst', '/opt/mellanox/bin/mlxconfig', '/opt/mellanox/bin/flint'];
// Shared by every host: only two variants exist.
const PATHS_WITH_MFT: ReadonlySet<string> = new Set([...BASE_PATHS, ...MFT_PATHS]);
const PATHS_WITHOUT_MFT: ReadonlySet<string> = new Set(BASE_PATHS);

export interface EsxiHooks {
  now(): number;
  mlxconfigFails(): boolean;
  changed(): void;
  requestReboot(request: RebootRequest): void;
  /** Timers for waiting commands (default setTimeout; tests drive a fake clock). */
  schedule?: Schedule;
  /** Fault: guest shutdowns never finish. */
  guestShutdownHangs?(): boolean;
}

export class EsxiMachine implements SimMachine, EsxiContext {
  readonly kind = 'esxi' as const;
  private commandMap?: Map<string, CommandImpl>;
  private readonly waiters: StateWaiters;

  constructor(
    public state: EsxiState,
    private readonly hooks: EsxiHooks,
  ) {
    this.waiters = new StateWaiters({
      now: () => this.now(),
      schedule: hooks.schedule ?? realSchedule,
      settle: () => this.settle(),
      nextTransitionAt: () => nextTransitionAt(this.state),
    });
  }

  get name(): string {
    return this.state.name;
  }

  now(): number {
    return this.hooks.now();
  }

  mlxconfigFails(): boolean {
    return this.hooks.mlxconfigFails();
  }

  changed(): void {
    this.hooks.changed();
    this.waiters.notify();
  }

  settle(): void {
    if (settleHost(this.state, this.now())) this.changed();
  }

  waitUntil(done: () => boolean, deadline: number | null, signal: AbortSignal): Promise<boolean> {
    return this.waiters.waitUntil(done, deadline, signal);
  }

  guestShutdownHangs(): boolean {
    return this.hooks.guestShutdownHangs?.() === true;
  }

  requestReboot(request: RebootRequest): void {
    this.hooks.requestReboot(request);
  }

  get paths(): Set<string> {
    return (this.state.vibs.mft ? PATHS_WITH_MFT : PATHS_WITHOUT_MFT) as Set<string>;
  }

  /** Built on first use: most of a large fleet's hosts are never logged into. */
  get commands(): Map<string, CommandImpl> {
    this.commandMap ??= this.buildCommands();
    return this.commandMap;
  }

  private buildCommands(): Map<string, CommandImpl> {
    const mftOnly =
      (impl: (argv: string[], stdin: string) => ExecResult): CommandImpl =>
      (argv, ctx) =>
        this.state.vibs.mft
          ? impl(argv, ctx.stdin)
          : { stdout: '', stderr: `sh: ${argv[0]}: not found\n`, code: 127 };
    return new Map<string, CommandImpl>([
      ['esxcli', (argv, ctx) => esxcli(this, argv, ctx)],
      ['vim-cmd', (argv) => vimCmd(this, argv)],
      ['esxcfg-module', (argv) => esxcfgModule(this, argv)],
      ['vmkload_mod', (argv) => vmkloadMod(this, argv)],
      ['ps', () => ps(this)],
      ['kill', (argv) => kill(this, argv)],
      ['reboot', (argv) => reboot(this, argv)],
      ['lspci', () => lspci(this)],
      ['loadESXEnable', (argv) => loadEsxEnable(this, argv)],
      ['uname', (argv) => uname(this, argv)],
      ['hostname', () => out(`${this.state.name}\n`)],
      ['whoami', (_argv, ctx) => out(`${ctx.user}\n`)],
      ['date', (argv) => date(this, argv)],
      ['uptime', () => uptime(this)],
      ['mst', mftOnly((argv) => mst(this, argv))],
      ['mlxconfig', mftOnly((argv, stdin) => mlxconfig(this, argv, stdin))],
      ['flint', mftOnly((argv) => flint(this, argv))],
    ]);
  }

  readFile(path: string): string | undefined {
    switch (path) {
      case '/var/log/vmksummary.log':
        return joinLog(this.state.logs.vmksummary);
      case '/var/log/shell.log':
        return joinLog(this.state.logs.shell);
      case '/etc/hostname':
        return `${this.state.name}\n`;
      default:
        return path.startsWith('/vmfs/volumes/') ? readVmx(this.state, path) : undefined;
    }
  }

  /** Every command line run is logged as ESXi's shell.log does. */
  onCommandLine(line: string, user: string): void {
    const pid = this.state.nextPid++;
    appendLog(
      this.state.logs.shell,
      `${new Date(this.now()).toISOString()} shell[${pid}]: [${user}]: ${line}`,
      MAX_SHELL_LOG_LINES,
    );
    this.changed();
  }
}

function joinLog(lines: string[]): string {
  let text = '';
  for (const l of lines) text += `${l}\n`;
  return text;
}
