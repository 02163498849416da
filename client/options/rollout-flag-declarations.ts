import { Option, type Command } from 'commander';
import type { Timing } from '../../common/procedures';
import { rolloutOptionsSchema } from '../../common/rollout';
import { workloadOptionsSchema, type WorkloadOptions } from '../../common/workloads';
import { formatDuration } from './duration';
import type { RolloutFlags } from './rollout-flags';

// Every rollout flag, declared once: `rollout start`, `apply`, `plan` and `schedule create` add the ones
// they take from here (addRolloutFlags), parseRolloutFlags (rollout-flags.ts) reads how each value is
// read and where it goes, and the defaults --help shows are those of the options' zod schemas.

export interface RolloutFlagDeclaration {
  /** The flag without the leading "--". */
  flag: string;
  /** The value's placeholder, e.g. "<n>"; absent for a switch. */
  value?: string;
  help: string;
  /** Said in the help's parentheses before the default, e.g. "esxcli -m". */
  note?: string;
  /** The default --help shows (read from the schemas below). */
  shownDefault?: string;
  hidden?: boolean;
  /** The RolloutOptions field the value goes to, as a dotted path. */
  option: string;
  /**
   * How the value is read: a whole number, a duration with a unit, a failure budget (3 or 5%), text the
   * schema checks, or a switch (set when given; a --no- switch sets false).
   */
  kind: 'count' | 'duration' | 'budget' | 'text' | 'switch';
}

const rolloutDefaults = rolloutOptionsSchema.parse({});
const vmDefaults = workloadOptionsSchema.parse({});
const budget = rolloutDefaults.maxFailures;

const timingFlag = (flag: string, timing: keyof Timing, help: string): RolloutFlagDeclaration => ({
  flag,
  value: '<duration>',
  help,
  option: `host.timing.${timing}`,
  kind: 'duration',
});
const vms = (option: keyof WorkloadOptions) => `host.vms.${option}`;

/** In the order their problems are reported (commands list them in their own order: addRolloutFlags). */
export const ROLLOUT_FLAGS: { readonly [F in keyof RolloutFlags]-?: RolloutFlagDeclaration } = {
  maxParallel: {
    flag: 'max-parallel',
    value: '<n>',
    help: 'targets in flight at once across the rollout',
    shownDefault: String(rolloutDefaults.maxParallel),
    option: 'maxParallel',
    kind: 'count',
  },
  perCluster: {
    flag: 'per-cluster',
    value: '<n>',
    help: 'targets in flight at once per cluster; 0 = unlimited',
    shownDefault: String(rolloutDefaults.perCluster),
    option: 'perCluster',
    kind: 'count',
  },
  canary: {
    flag: 'canary',
    value: '<n>',
    help: 'the first N targets run alone first; then the rollout waits for approval',
    shownDefault: String(rolloutDefaults.canary),
    option: 'canary',
    kind: 'count',
  },
  continueAsNewAfter: {
    flag: 'continue-as-new-after',
    value: '<events>',
    help: 'history events before the rollout continues as new',
    hidden: true,
    option: 'continueAsNewAfterEvents',
    kind: 'count',
  },
  autoApprove: {
    flag: 'auto-approve',
    help: 'continue after the canary targets succeed without waiting for approval (needs --canary)',
    option: 'autoApprove',
    kind: 'switch',
  },
  maxFailures: {
    flag: 'max-failures',
    value: '<n|p%>',
    help: 'failure budget: stop starting targets once more fail',
    shownDefault: 'count' in budget ? String(budget.count) : `${budget.percent}%`,
    option: 'maxFailures',
    kind: 'budget',
  },
  order: {
    flag: 'order',
    value: '<order>',
    help: "start order: inventory, or slowest-first (longest last reboot first, from each host's vmksummary.log; after the canaries)",
    shownDefault: rolloutDefaults.order,
    option: 'order',
    kind: 'text',
  },
  maintenanceMode: {
    flag: 'no-maintenance-mode',
    help: 'do not enter maintenance mode before reboots (ESXi)',
    option: 'host.maintenanceMode',
    kind: 'switch',
  },
  bootDeadline: timingFlag(
    'boot-deadline',
    'bootDeadlineMs',
    'how long a rebooted host may take to answer again',
  ),
  pollInterval: timingFlag('poll-interval', 'pollIntervalMs', 'first poll interval while waiting for a host'),
  maxPollInterval: timingFlag('max-poll-interval', 'maxPollIntervalMs', 'poll interval back-off limit'),
  stability: timingFlag('stability', 'stabilityMs', 'how long a returned host must stay up'),
  rebootStartTimeout: timingFlag(
    'reboot-start-timeout',
    'rebootStartMs',
    'how long a reboot may take to start',
  ),
  commandTimeout: timingFlag('command-timeout', 'commandTimeoutMs', 'timeout of one SSH command'),
  connectTimeout: timingFlag('connect-timeout', 'connectTimeoutMs', 'timeout of one SSH connection attempt'),
  heartbeatTimeout: timingFlag(
    'heartbeat-timeout',
    'heartbeatTimeoutMs',
    'how soon a dead worker is noticed',
  ),
  vmPolicy: {
    flag: 'vm-policy',
    value: '<policy>',
    help: 'powered-on VMs on a host to reboot: refuse (leave the host untouched), wait (for their owners to power them off), shutdown (guest shutdown, powered on again afterwards)',
    shownDefault: vmDefaults.policy,
    option: vms('policy'),
    kind: 'text',
  },
  forcePowerOff: {
    flag: 'force-power-off',
    help: 'with --vm-policy shutdown: power off VMs whose guest did not shut down in time',
    option: vms('forcePowerOff'),
    kind: 'switch',
  },
  maintenanceRetries: {
    flag: 'maintenance-retries',
    value: '<n>',
    help: 'further tries when entering or leaving maintenance mode fails',
    shownDefault: String(vmDefaults.maintenanceRetries),
    option: vms('maintenanceRetries'),
    kind: 'count',
  },
  vsanMode: {
    flag: 'vsan-mode',
    value: '<mode>',
    help: 'vSAN clusters: ensureObjectAccessibility, evacuateAllData or noAction',
    note: 'esxcli -m',
    shownDefault: vmDefaults.vsanMode,
    option: vms('vsanMode'),
    kind: 'text',
  },
  drainDeadline: {
    flag: 'drain-deadline',
    value: '<duration>',
    help: 'with --vm-policy wait: how long a host waits for its VMs to be powered off by their owners',
    shownDefault: formatDuration(vmDefaults.drainDeadlineMs),
    option: vms('drainDeadlineMs'),
    kind: 'duration',
  },
  guestShutdownTimeout: {
    flag: 'guest-shutdown-timeout',
    value: '<duration>',
    help: 'with --vm-policy shutdown: how long the guests get to shut down',
    shownDefault: formatDuration(vmDefaults.guestShutdownTimeoutMs),
    option: vms('guestShutdownTimeoutMs'),
    kind: 'duration',
  },
  maintenanceTimeout: {
    flag: 'maintenance-timeout',
    value: '<duration>',
    help: 'entering maintenance mode gives up after this',
    note: 'esxcli -t, whole seconds',
    shownDefault: formatDuration(vmDefaults.maintenanceTimeoutMs),
    option: vms('maintenanceTimeoutMs'),
    kind: 'duration',
  },
  maintenanceRetryDelay: {
    flag: 'maintenance-retry-delay',
    value: '<duration>',
    help: 'wait between tries of entering or leaving maintenance mode',
    shownDefault: formatDuration(vmDefaults.maintenanceRetryDelayMs),
    option: vms('maintenanceRetryDelayMs'),
    kind: 'duration',
  },
};

/** Every flag with its RolloutFlags field, in ROLLOUT_FLAGS's order. */
export const ROLLOUT_FLAG_LIST = (Object.keys(ROLLOUT_FLAGS) as (keyof RolloutFlags)[]).map((field) => ({
  field,
  ...ROLLOUT_FLAGS[field],
}));

/**
 * Adds the flags of `fields` to `cmd`, in that order; `help` replaces a flag's text where a command
 * means it differently (the default shown stays the schema's).
 */
export function addRolloutFlags(
  cmd: Command,
  fields: readonly (keyof RolloutFlags)[],
  help: Partial<Record<keyof RolloutFlags, string>> = {},
): Command {
  for (const field of fields) {
    const d = ROLLOUT_FLAGS[field];
    const said = [d.note, d.shownDefault === undefined ? undefined : `default ${d.shownDefault}`].filter(
      (s) => s !== undefined,
    );
    const text = `${help[field] ?? d.help}${said.length ? ` (${said.join('; ')})` : ''}`;
    const option = new Option(`--${d.flag}${d.value ? ` ${d.value}` : ''}`, text);
    cmd.addOption(d.hidden ? option.hideHelp() : option);
  }
  return cmd;
}
