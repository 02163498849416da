import { Argument, Command, CommanderError, Option } from 'commander';
import { procedureNames, procedures } from '../common/procedures';
import { CliFailure, EXIT_OK, EXIT_OPERATIONAL, EXIT_USAGE, UsageError } from './cli-error';
import { inventoryCheck, inventoryScanKeys } from './commands/inventory';
import { rolloutControl, type ControlAction } from './commands/rollout-control';
import {
  REPORT_FORMATS,
  rolloutList,
  rolloutReport,
  rolloutStatus,
  rolloutWatch,
} from './commands/rollout-inspect';
import { rolloutRetry } from './commands/rollout-retry';
import { rolloutStart } from './commands/rollout-start';
import { addConvergeCommands } from './commands/converge-program';
import { addScheduleCommands } from './commands/schedule-program';
import type { CliDeps } from './deps';
import { InventoryError } from './inventory/problems';
import { kindWords, SELECT_HELP } from './inventory/select';
import { addRolloutFlags } from './options/rollout-flag-declarations';
import { addOpsOptions } from './options/ops-flags';
import { paramsHelp } from './options/set-params';
import type { StartFlags } from './rollout/prepare';
import { withTerminalSafeOutput } from './terminal-text';

// The `ibfleet` command line (commander). Commands are thin: they hand raw strings to the functions
// in commands/, which validate everything before connecting to Temporal.

const EXIT_CODES_HELP = `Exit codes:
  0  done; for watch/--watch: every target succeeded
  1  some target failed, needs attention or was cancelled (or the rollout itself failed)
  2  bad input or usage: nothing was started
  3  operational error (e.g. Temporal unreachable)
  4  plan: changes are pending
  130 interrupted while watching (the rollout goes on)`;

const TEMPORAL_HELP = `Temporal: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
  TEMPORAL_API_KEY / TEMPORAL_TLS_* / TEMPORAL_PROFILE as for the temporal CLI; IBFLEET_TASK_QUEUE (default ibfleet);
  IBFLEET_UI_URL for the web UI links (default http://localhost:8233).`;

function procedureHelp(): string {
  const lines = ['Procedures (target kind, what it does; --set parameters and their defaults):'];
  for (const p of procedureNames) {
    const { target, summary } = procedures[p];
    lines.push(`  ${p.padEnd(20)} on ${kindWords(target, 2)}: ${summary}`);
    const params = paramsHelp(p);
    lines.push(params.length ? `      ${params.join('\n      ')}` : '      (no parameters)');
  }
  return lines.join('\n');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Holds the exit code an action produced (commander actions return nothing useful). */
interface RunState {
  code: number;
}

export function addStartOptions(cmd: Command): Command {
  cmd
    .requiredOption('-i, --inventory <file>', 'inventory YAML file')
    .option('--select <expr>', 'which targets (repeatable, union; grammar below)', collect);
  addRolloutFlags(cmd, ['maxParallel', 'perCluster', 'canary', 'autoApprove', 'maxFailures', 'order']);
  cmd.option('--set <key=value>', 'procedure parameter (repeatable); lists are comma-separated', collect);
  addRolloutFlags(cmd, [
    'maintenanceMode',
    'bootDeadline',
    'pollInterval',
    'maxPollInterval',
    'stability',
    'rebootStartTimeout',
    'commandTimeout',
    'connectTimeout',
    'heartbeatTimeout',
    'vmPolicy',
    'forcePowerOff',
    'maintenanceRetries',
    'vsanMode',
    'drainDeadline',
    'guestShutdownTimeout',
    'maintenanceTimeout',
    'maintenanceRetryDelay',
    'continueAsNewAfter',
  ]);
  addOpsOptions(cmd);
  return cmd;
}

export function buildProgram(deps: CliDeps, state: RunState): Command {
  const program = new Command('ibfleet');
  program
    .description('Roll InfiniBand configuration changes across VMware ESXi 8 fleets, durably, with Temporal.')
    .version('0.1.0', '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: (s) => deps.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${TEMPORAL_HELP}`);
  const done = (code: number) => {
    state.code = code;
  };

  // ---- inventory ------------------------------------------------------------------------------
  const inventory = program.command('inventory').description('validate the inventory and pin SSH host keys');
  inventory
    .command('check')
    .description('validate an inventory file and summarize it (nothing is contacted without --on-worker)')
    .requiredOption('-i, --inventory <file>', 'inventory YAML file')
    .option(
      '--on-worker',
      'also ask the worker (through Temporal) whether it can use every credential reference',
    )
    .addHelpText(
      'after',
      `
Every problem is reported at once as FILE:LINE:COL: PATH: reason, e.g.
  fleet.yaml:14:15: clusters[0].hosts[1].port: must be at most 65535 (got 70000)

Credential references must name what the worker's policy allows (IBFLEET_CREDENTIAL_ENV_PREFIXES,
default IBFLEET_SSH_; IBFLEET_CREDENTIAL_ENV_NAMES; IBFLEET_CREDENTIAL_KEY_DIRS, default
~/.ssh,/etc/ibfleet/keys: set them here as on the worker). Key files here are read and parsed;
variables and files not here are checked by the worker before a rollout starts (or now: --on-worker).

Examples:
  ibfleet inventory check -i fleet.yaml
  ibfleet inventory check -i fleet.yaml --on-worker`,
    )
    .action(async (opts: { inventory: string; onWorker?: boolean }) =>
      done(await inventoryCheck(opts, deps)),
    );

  inventory
    .command('scan-keys')
    .description("read every endpoint's SSH host key (like ssh-keyscan) and compare it with the pinned one")
    .requiredOption('-i, --inventory <file>', 'inventory YAML file')
    .option('--write', 'pin keys of endpoints without hostKey in the file (comments and layout are kept)')
    .option('--accept-changed', 'with --write: also replace pinned keys that CHANGED (verify them first!)')
    .option('--timeout <duration>', 'per-endpoint timeout', '10s')
    .option('--concurrency <n>', 'endpoints scanned at once', '8')
    .addHelpText(
      'after',
      `
Pinning keys is an explicit operator step: nothing is trusted on first use. The inventory may lack
hostKey entries here (this command loads it as if allowUnpinnedHostKeys were true).
Exit code 0 when every endpoint answered and is pinned to the key it presents, 1 otherwise.

Examples:
  ibfleet inventory scan-keys -i fleet.yaml              # compare only
  ibfleet inventory scan-keys -i fleet.yaml --write      # pin the keys not pinned yet`,
    )
    .action(
      async (opts: {
        inventory: string;
        write?: boolean;
        acceptChanged?: boolean;
        timeout?: string;
        concurrency?: string;
      }) => done(await inventoryScanKeys(opts, deps)),
    );

  // ---- rollout --------------------------------------------------------------------------------
  const rollout = program.command('rollout').description('start, follow and steer rollouts');

  addStartOptions(
    rollout
      .command('start')
      .description('start a rollout of a procedure over inventory targets')
      .addArgument(new Argument('<procedure>', 'the procedure to run').choices(procedureNames)),
  )
    .option('--id <id>', 'rollout ID (default: <procedure>-<yyyymmdd-hhmmss>-<random>, UTC)')
    .addOption(
      new Option(
        '--dry-run',
        'print the plan (targets, waves, commands, reboots) and start nothing',
      ).conflicts('watch'),
    )
    .option('--watch', 'follow the rollout until it closes; exit code from its outcome')
    .addHelpText(
      'after',
      `
${procedureHelp()}

${SELECT_HELP}

Durations take a unit: 500ms, 30s, 45m, 2h, 1h30m. Counts are whole numbers; --max-failures also takes 5%.
Everything is validated before anything starts; any bad value exits with code 2 and no workflow.

Examples:
  ibfleet rollout start preflight -i fleet.yaml --dry-run
  ibfleet rollout start recovery-cycle -i fleet.yaml --select cluster=gpu-a --canary 1 --watch
  ibfleet rollout start sriov-enable -i fleet.yaml --select 'cluster=gpu-a tag=cx7' \\
      --set numVfs=16 --set maxVfs=8 --set devices=mt4129_pciconf0,mt4129_pciconf1 \\
      --max-parallel 4 --per-cluster 2 --max-failures 5% --boot-deadline 30m
  ibfleet rollout start switch-sm-virt -i fleet.yaml --set restartSm=false
  ibfleet rollout start validate-bandwidth -i fleet.yaml --set test=ib_read_bw --set bidirectional=true`,
    )
    .action(async (procedure: string, opts: StartFlags) => done(await rolloutStart(procedure, opts, deps)));

  rollout
    .command('watch')
    .description('follow a rollout live until it closes, then print its summary')
    .argument('<id>', 'rollout ID')
    .addHelpText(
      'after',
      '\nExit code 0 when every target succeeded, 1 otherwise.\n\nExample:\n  ibfleet rollout watch sriov-enable-20250101-120000-ab12',
    )
    .action(async (id: string) => done(await rolloutWatch(id, deps)));

  rollout
    .command('status')
    .description('show where a rollout is (its progress while running, its report once closed)')
    .argument('<id>', 'rollout ID')
    .option('--json', 'print the progress or report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  ibfleet rollout status sriov-enable-20250101-120000-ab12\n  ibfleet rollout status sriov-enable-20250101-120000-ab12 --json | jq .progress.counts',
    )
    .action(async (id: string, opts: { json?: boolean }) => done(await rolloutStatus(id, opts, deps)));

  rollout
    .command('list')
    .description('list rollouts, newest first')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many', '50')
    .addHelpText('after', '\nExample:\n  ibfleet rollout list --limit 10')
    .action(async (opts: { json?: boolean; limit?: string }) => done(await rolloutList(opts, deps)));

  const controls: { action: ControlAction; description: string }[] = [
    { action: 'approve', description: 'let a rollout waiting after its canary targets continue' },
    { action: 'pause', description: 'start no new targets (targets in flight go on)' },
    { action: 'resume', description: 'resume a paused rollout' },
    {
      action: 'cancel',
      description: 'start no new targets; targets in flight stop at a safe point; the rollout ends cancelled',
    },
  ];
  for (const c of controls) {
    rollout
      .command(c.action)
      .description(c.description)
      .argument('<id>', 'rollout ID')
      .option('--reason <text>', 'why (recorded with your user@host)')
      .addHelpText(
        'after',
        `\nExample:\n  ibfleet rollout ${c.action} sriov-enable-20250101-120000-ab12 --reason "canary looks good"`,
      )
      .action(async (id: string, opts: { reason?: string }) =>
        done(await rolloutControl(c.action, id, opts, deps)),
      );
  }

  rollout
    .command('retry')
    .description('start a new rollout (<id>-retry-N) over the targets that did not succeed')
    .argument('<id>', 'the closed rollout to retry')
    .option(
      '-i, --inventory <file>',
      'take the targets from this inventory (by name) instead of the old rollout',
    )
    .addOption(new Option('--dry-run', 'print the plan and start nothing').conflicts('watch'))
    .option('--watch', 'follow the new rollout until it closes; exit code from its outcome')
    .addHelpText(
      'after',
      `
Retried: targets that failed, need attention, were cancelled, skipped or never started.
Targets that succeeded are never touched. Same procedure, parameters and options.

Examples:
  ibfleet rollout retry sriov-enable-20250101-120000-ab12 --watch
  ibfleet rollout retry sriov-enable-20250101-120000-ab12 -i fleet.yaml   # after re-pinning a key`,
    )
    .action(async (id: string, opts: { inventory?: string; watch?: boolean; dryRun?: boolean }) =>
      done(await rolloutRetry(id, opts, deps)),
    );

  rollout
    .command('report')
    .description('print the audit trail of a closed rollout')
    .argument('<id>', 'rollout ID')
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('jsonl'))
    .addHelpText(
      'after',
      `
jsonl: one {"type":"rollout"} line (who, procedure, params, options, times, outcome), then per target
one {"type":"host"} line (outcome, reason, reboots, duration, stoppedInStep) followed by its
{"type":"step"} and {"type":"command"} lines (exit code, duration).

Examples:
  ibfleet rollout report sriov-enable-20250101-120000-ab12 > audit.jsonl
  ibfleet rollout report sriov-enable-20250101-120000-ab12 --format text`,
    )
    .action(async (id: string, opts: { format?: string }) => done(await rolloutReport(id, opts, deps)));

  addScheduleCommands(program, deps, done);
  addConvergeCommands(program, deps, done, addStartOptions);

  return program;
}

function writeError(deps: CliDeps, message: string): void {
  deps.stderr.write(`${message.startsWith('error') ? '' : 'error: '}${message}\n`);
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], rawDeps: CliDeps): Promise<number> {
  // Whatever is printed may quote a host: control characters are escaped (terminal-text.ts).
  const deps = withTerminalSafeOutput(rawDeps);
  const state: RunState = { code: EXIT_OK };
  const program = buildProgram(deps, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? EXIT_OK
        : EXIT_USAGE;
    }
    if (err instanceof InventoryError) {
      writeError(deps, err.message);
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      const lines = err.message.split('\n');
      writeError(
        deps,
        lines.length === 1
          ? lines[0]
          : `${lines.length} problems, nothing was started:\n  ${lines.join('\n  ')}`,
      );
      return err.exitCode;
    }
    if (err instanceof CliFailure) {
      writeError(deps, err.message);
      return err.exitCode;
    }
    const e = err as Error;
    writeError(deps, e.message ?? String(err));
    if (deps.env.IBFLEET_DEBUG) deps.stderr.write(`${e.stack ?? ''}\n`);
    return EXIT_OPERATIONAL;
  }
}
