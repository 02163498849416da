import { Argument, type Command } from 'commander';
import type { CliDeps } from '../deps';
import { addRolloutFlags } from '../options/rollout-flag-declarations';
import {
  scheduleControl,
  scheduleCreate,
  scheduleList,
  type ScheduleAction,
  type ScheduleCreateFlags,
} from './schedule';

// The `ibfleet schedule` commands (commander wiring; the work is in schedule.ts).

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addScheduleCommands(program: Command, deps: CliDeps, done: (code: number) => void): void {
  const schedule = program
    .command('schedule')
    .description('scheduled drift checks: a read-only preflight on a cron schedule (Temporal Schedules)');

  const create = schedule
    .command('create')
    .description('create a schedule that runs a read-only preflight and reports hosts that drifted')
    .addArgument(new Argument('<procedure>', 'what the schedule runs').choices(['preflight']))
    .requiredOption(
      '-i, --inventory <file>',
      'inventory YAML file (its desired: blocks are the expected state)',
    )
    .requiredOption(
      '--cron <expr>',
      'when: 5 cron fields (minute hour day-of-month month day-of-week) or @daily etc.',
    )
    .option('--time-zone <zone>', 'IANA time zone of --cron (default UTC)')
    .option(
      '--notify <url>',
      'where drift is reported (repeatable): URL, slack+URL or env:NAME (see rollout start --help)',
      collect,
    )
    .option('--select <expr>', 'which hosts (repeatable, union; as for rollout start)', collect)
    .option('--id <name>', 'schedule name (schedule ID ibfleet-drift-<name>; default preflight)');
  addRolloutFlags(create, ['maxParallel', 'perCluster'], {
    maxParallel: 'hosts checked at once',
    perCluster: 'hosts checked at once per cluster; 0 = unlimited',
  });
  create
    .option('--paused', 'create the schedule paused')
    .addHelpText(
      'after',
      `
Each run starts the workflow ibfleet/drift/<name>-<time>, which runs the preflight rollout
drift-<name>-<yyyymmdd-hhmmss> (it changes nothing; see rollout list / status) and reports every host
that drifted: cards missing (mst status lists none), recovery mode left on (mst_recovery=1 stored),
maintenance mode left on, and, where the inventory declares a cluster's desired state, SRIOV_EN /
NUM_OF_VFS not as declared, max_vfs not as declared, or VFs missing. Drift is posted to --notify
(event drift-detected; drift-check-failed when the check could not run). A run still going when the
next is due is skipped; runs missed while Temporal was down are made up within 10 minutes.

Examples:
  ibfleet schedule create preflight -i fleet.yaml --cron '0 3 * * *'
  ibfleet schedule create preflight -i fleet.yaml --cron '30 2 * * 1-5' --time-zone Europe/Berlin \\
      --select cluster=gpu-a --id gpu-a-nightly --notify env:IBFLEET_NOTIFY_SLACK_URL`,
    )
    .action(async (procedure: string, opts: ScheduleCreateFlags) =>
      done(await scheduleCreate(procedure, opts, deps)),
    );

  schedule
    .command('list')
    .description('list the drift-check schedules: cron, state, next and last run')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  ibfleet schedule list')
    .action(async (opts: { json?: boolean }) => done(await scheduleList(opts, deps)));

  const controls: { action: ScheduleAction; description: string }[] = [
    { action: 'pause', description: 'stop starting runs (a run in progress goes on)' },
    { action: 'resume', description: 'start runs again' },
    { action: 'trigger', description: 'start a run now' },
    { action: 'delete', description: 'delete the schedule (runs already started go on)' },
  ];
  for (const c of controls) {
    const cmd = schedule
      .command(c.action)
      .description(c.description)
      .argument('<name>', 'schedule name (or its ID ibfleet-drift-<name>)');
    if (c.action === 'pause' || c.action === 'resume')
      cmd.option('--reason <text>', 'why (kept as the schedule note)');
    cmd
      .addHelpText('after', `\nExample:\n  ibfleet schedule ${c.action} preflight`)
      .action(async (name: string, opts: { reason?: string }) =>
        done(await scheduleControl(c.action, name, opts, deps)),
      );
  }
}
