import { procedureReboots, type ProcedureName, type Timing } from '../../common/procedures';
import { rolloutOptionsSchema, type FailureBudget, type RolloutOptions } from '../../common/rollout';
import type { WorkloadOptions } from '../../common/workloads';
import { issueReason } from '../zod-reason';
import { durationFlag, formatDuration } from './duration';

// Command-line flags of `rollout start` -> RolloutOptions. Flags arrive as raw strings so that every
// bad value is reported (all at once, each naming its flag) before anything starts.

export interface RolloutFlags {
  maxParallel?: string;
  perCluster?: string;
  canary?: string;
  autoApprove?: boolean;
  maxFailures?: string;
  order?: string;
  /** commander sets false for --no-maintenance-mode. */
  maintenanceMode?: boolean;
  continueAsNewAfter?: string;
  bootDeadline?: string;
  pollInterval?: string;
  maxPollInterval?: string;
  stability?: string;
  rebootStartTimeout?: string;
  commandTimeout?: string;
  connectTimeout?: string;
  heartbeatTimeout?: string;
  vmPolicy?: string;
  drainDeadline?: string;
  guestShutdownTimeout?: string;
  forcePowerOff?: boolean;
  maintenanceTimeout?: string;
  maintenanceRetries?: string;
  maintenanceRetryDelay?: string;
  vsanMode?: string;
}

/** VM-policy duration flags: flag name, RolloutFlags field, WorkloadOptions field. */
export const WORKLOAD_DURATION_FLAGS: readonly {
  flag: string;
  field: keyof RolloutFlags;
  option: keyof WorkloadOptions;
  help: string;
}[] = [
  {
    flag: 'drain-deadline',
    field: 'drainDeadline',
    option: 'drainDeadlineMs',
    help: 'with --vm-policy wait: how long a host waits for its VMs to be powered off by their owners (default 1h)',
  },
  {
    flag: 'guest-shutdown-timeout',
    field: 'guestShutdownTimeout',
    option: 'guestShutdownTimeoutMs',
    help: 'with --vm-policy shutdown: how long the guests get to shut down (default 5m)',
  },
  {
    flag: 'maintenance-timeout',
    field: 'maintenanceTimeout',
    option: 'maintenanceTimeoutMs',
    help: 'entering maintenance mode gives up after this (esxcli -t, whole seconds; default 10m)',
  },
  {
    flag: 'maintenance-retry-delay',
    field: 'maintenanceRetryDelay',
    option: 'maintenanceRetryDelayMs',
    help: 'wait between tries of entering or leaving maintenance mode (default 30s)',
  },
];

/** Timing flags: flag name (without --), RolloutFlags field, Timing field. */
export const TIMING_FLAGS: readonly {
  flag: string;
  field: keyof RolloutFlags;
  timing: keyof Timing;
  help: string;
}[] = [
  {
    flag: 'boot-deadline',
    field: 'bootDeadline',
    timing: 'bootDeadlineMs',
    help: 'how long a rebooted host may take to answer again',
  },
  {
    flag: 'poll-interval',
    field: 'pollInterval',
    timing: 'pollIntervalMs',
    help: 'first poll interval while waiting for a host',
  },
  {
    flag: 'max-poll-interval',
    field: 'maxPollInterval',
    timing: 'maxPollIntervalMs',
    help: 'poll interval back-off limit',
  },
  {
    flag: 'stability',
    field: 'stability',
    timing: 'stabilityMs',
    help: 'how long a returned host must stay up',
  },
  {
    flag: 'reboot-start-timeout',
    field: 'rebootStartTimeout',
    timing: 'rebootStartMs',
    help: 'how long a reboot may take to start',
  },
  {
    flag: 'command-timeout',
    field: 'commandTimeout',
    timing: 'commandTimeoutMs',
    help: 'timeout of one SSH command',
  },
  {
    flag: 'connect-timeout',
    field: 'connectTimeout',
    timing: 'connectTimeoutMs',
    help: 'timeout of one SSH connection attempt',
  },
  {
    flag: 'heartbeat-timeout',
    field: 'heartbeatTimeout',
    timing: 'heartbeatTimeoutMs',
    help: 'how soon a dead worker is noticed',
  },
];

const INT_FLAGS = [
  { flag: 'max-parallel', field: 'maxParallel', option: 'maxParallel' },
  { flag: 'per-cluster', field: 'perCluster', option: 'perCluster' },
  { flag: 'canary', field: 'canary', option: 'canary' },
  { flag: 'continue-as-new-after', field: 'continueAsNewAfter', option: 'continueAsNewAfterEvents' },
] as const;

export function parseFailureBudget(text: string): FailureBudget | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { count: Number(t) };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(t);
  return m ? { percent: Number(m[1]) } : undefined;
}

/** The flag an options path came from, for messages. */
function flagOf(path: readonly PropertyKey[]): string {
  const key = path.join('.');
  const workload = WORKLOAD_DURATION_FLAGS.find((w) => key === `host.vms.${w.option}`);
  if (workload) return `--${workload.flag}`;
  if (key === 'host.vms.policy') return '--vm-policy';
  if (key === 'host.vms.maintenanceRetries') return '--maintenance-retries';
  if (key === 'host.vms.vsanMode') return '--vsan-mode';
  const int = INT_FLAGS.find((f) => f.option === key);
  if (int) return `--${int.flag}`;
  if (key.startsWith('maxFailures')) return '--max-failures';
  if (key === 'order') return '--order';
  const timing = TIMING_FLAGS.find((t) => key === `host.timing.${t.timing}`);
  if (timing) return `--${timing.flag}`;
  if (key === 'host.maintenanceMode') return '--no-maintenance-mode';
  return key;
}

export interface OptionsResult {
  options: RolloutOptions;
  problems: string[];
}

export function parseRolloutFlags(flags: RolloutFlags): OptionsResult {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};

  for (const f of INT_FLAGS) {
    const raw = flags[f.field];
    if (raw === undefined) continue;
    if (/^\d+$/.test(raw.trim())) input[f.option] = Number(raw.trim());
    else problems.push(`--${f.flag}: must be a whole number (got ${JSON.stringify(raw)})`);
  }
  if (flags.autoApprove) input.autoApprove = true;
  if (flags.maxFailures !== undefined) {
    const budget = parseFailureBudget(flags.maxFailures);
    if (budget) input.maxFailures = budget;
    else
      problems.push(
        `--max-failures: must be a number of hosts (3) or a percentage (5%) (got ${JSON.stringify(flags.maxFailures)})`,
      );
  }

  if (flags.order !== undefined) input.order = flags.order;

  const timing: Record<string, number> = {};
  const rawTiming = new Map<string, string>();
  for (const t of TIMING_FLAGS) {
    const raw = flags[t.field];
    if (typeof raw !== 'string') continue;
    const ms = durationFlag(t.flag, raw, problems);
    if (ms !== undefined) {
      timing[t.timing] = ms;
      rawTiming.set(t.timing, raw);
    }
  }
  const host: Record<string, unknown> = {};
  if (Object.keys(timing).length > 0) host.timing = timing;
  if (flags.maintenanceMode === false) host.maintenanceMode = false;
  const vms = workloadInput(flags, problems, rawTiming);
  if (vms) host.vms = vms;
  if (Object.keys(host).length > 0) input.host = host;

  const parsed = rolloutOptionsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag = flagOf(issue.path);
      if (problems.some((p) => p.startsWith(`${flag}:`))) continue;
      const timingKey =
        issue.path[0] === 'host' && (issue.path[1] === 'timing' || issue.path[1] === 'vms')
          ? String(issue.path[2])
          : undefined;
      if (timingKey && (issue.code === 'too_big' || issue.code === 'too_small')) {
        const limit =
          issue.code === 'too_big'
            ? `at most ${formatDuration(Number(issue.maximum))}`
            : `at least ${formatDuration(Number(issue.minimum))}`;
        problems.push(`${flag}: must be ${limit} (got ${rawTiming.get(timingKey) ?? '?'})`);
      } else {
        problems.push(`${flag}: ${issueReason(issue, input)}`);
      }
    }
    return { options: rolloutOptionsSchema.parse({}), problems: [...problems, ...workloadConflicts(flags)] };
  }
  const options = parsed.data;
  if (options.autoApprove && options.canary === 0)
    problems.push(
      '--auto-approve: needs --canary N (N ≥ 1): it skips the wait for approval after the canary targets, and without --canary there is none',
    );
  const t = options.host.timing;
  if (t.pollIntervalMs > t.maxPollIntervalMs)
    problems.push(
      `--poll-interval: must not exceed --max-poll-interval (${formatDuration(t.pollIntervalMs)} > ${formatDuration(t.maxPollIntervalMs)})`,
    );
  problems.push(...workloadConflicts(flags));
  return { options, problems };
}

/** HostOptions.vms from the VM-policy flags, or undefined when none was given (the defaults apply). */
function workloadInput(
  flags: RolloutFlags,
  problems: string[],
  raw: Map<string, string>,
): Record<string, unknown> | undefined {
  const vms: Record<string, unknown> = {};
  if (flags.vmPolicy !== undefined) vms.policy = flags.vmPolicy;
  if (flags.vsanMode !== undefined) vms.vsanMode = flags.vsanMode;
  if (flags.forcePowerOff) vms.forcePowerOff = true;
  if (flags.maintenanceRetries !== undefined) {
    if (/^\d+$/.test(flags.maintenanceRetries.trim()))
      vms.maintenanceRetries = Number(flags.maintenanceRetries.trim());
    else
      problems.push(
        `--maintenance-retries: must be a whole number (got ${JSON.stringify(flags.maintenanceRetries)})`,
      );
  }
  for (const w of WORKLOAD_DURATION_FLAGS) {
    const text = flags[w.field];
    if (typeof text !== 'string') continue;
    const ms = durationFlag(w.flag, text, problems);
    if (ms !== undefined) {
      vms[w.option] = ms;
      raw.set(w.option, text);
    }
  }
  return Object.keys(vms).length > 0 ? vms : undefined;
}

/** VM-policy flags that mean nothing with the chosen policy or without maintenance mode: refused, not ignored. */
function workloadConflicts(flags: RolloutFlags): string[] {
  const problems: string[] = [];
  const policy = flags.vmPolicy ?? 'refuse';
  if (flags.forcePowerOff && policy !== 'shutdown')
    problems.push(`--force-power-off: only with --vm-policy shutdown (the policy is ${policy})`);
  if (flags.guestShutdownTimeout !== undefined && policy !== 'shutdown')
    problems.push(`--guest-shutdown-timeout: only with --vm-policy shutdown (the policy is ${policy})`);
  if (flags.drainDeadline !== undefined && policy !== 'wait')
    problems.push(`--drain-deadline: only with --vm-policy wait (the policy is ${policy})`);
  if (flags.maintenanceMode === false)
    for (const [flag, given] of [
      ['--maintenance-timeout', flags.maintenanceTimeout],
      ['--maintenance-retries', flags.maintenanceRetries],
      ['--maintenance-retry-delay', flags.maintenanceRetryDelay],
      ['--vsan-mode', flags.vsanMode],
    ] as const)
      if (given !== undefined) problems.push(`${flag}: not with --no-maintenance-mode`);
  return problems;
}

/** The checks that need the number of targets. */
export function optionProblemsForTargets(options: RolloutOptions, targetCount: number): string[] {
  const problems: string[] = [];
  if (options.canary > targetCount)
    problems.push(`--canary: ${options.canary} canary hosts but only ${targetCount} target(s) selected`);
  return problems;
}

/** The VM-policy flags given, by flag name. */
function workloadFlagsGiven(flags: RolloutFlags): string[] {
  return [
    ...(flags.vmPolicy !== undefined ? ['--vm-policy'] : []),
    ...(flags.forcePowerOff ? ['--force-power-off'] : []),
    ...(flags.maintenanceRetries !== undefined ? ['--maintenance-retries'] : []),
    ...(flags.vsanMode !== undefined ? ['--vsan-mode'] : []),
    ...WORKLOAD_DURATION_FLAGS.filter((w) => flags[w.field] !== undefined).map((w) => `--${w.flag}`),
  ];
}

/** VM-policy flags for a procedure that reboots nothing (preflight, a switch, a guest pair): refused, not ignored. */
export function workloadFlagProblems(procedure: ProcedureName, flags: RolloutFlags): string[] {
  if (procedureReboots[procedure] > 0) return [];
  return workloadFlagsGiven(flags).map(
    (f) => `${f}: ${procedure} reboots no host, so no VM is stopped and maintenance mode is not entered`,
  );
}
