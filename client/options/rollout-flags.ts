import { procedures, type ProcedureName } from '../../common/procedures';
import { rolloutOptionsSchema, type FailureBudget, type RolloutOptions } from '../../common/rollout';
import { issueReason } from '../zod-reason';
import { durationFlag, formatDuration } from './duration';
import { ROLLOUT_FLAG_LIST, type RolloutFlagDeclaration } from './rollout-flag-declarations';

// Command-line flags of `rollout start` -> RolloutOptions; each flag is declared, with how its value is
// read and where it goes, in rollout-flag-declarations.ts. Flags arrive as raw strings so that every bad
// value is reported (all at once, each naming its flag) before anything starts.

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

export function parseFailureBudget(text: string): FailureBudget | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { count: Number(t) };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(t);
  return m ? { percent: Number(m[1]) } : undefined;
}

/** The flag an options path came from, for messages. */
function flagOf(path: readonly PropertyKey[]): string {
  const key = path.join('.');
  const f = ROLLOUT_FLAG_LIST.find((d) => key === d.option || key.startsWith(`${d.option}.`));
  return f ? `--${f.flag}` : key;
}

/** The value of one given flag, or undefined (with a problem naming the flag when it is bad). */
function flagValue(d: RolloutFlagDeclaration, raw: string | boolean, problems: string[]): unknown {
  if (typeof raw === 'boolean')
    // commander gives a --no- switch true unless it is given.
    return d.kind === 'switch' && raw === !d.flag.startsWith('no-') ? raw : undefined;
  switch (d.kind) {
    case 'count':
      if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
      problems.push(`--${d.flag}: must be a whole number (got ${JSON.stringify(raw)})`);
      return undefined;
    case 'duration':
      return durationFlag(d.flag, raw, problems);
    case 'budget': {
      const budget = parseFailureBudget(raw);
      if (!budget)
        problems.push(
          `--${d.flag}: must be a number of hosts (3) or a percentage (5%) (got ${JSON.stringify(raw)})`,
        );
      return budget;
    }
    default:
      return raw;
  }
}

/** Sets `value` at the dotted `path` of `into`, making the objects on the way. */
function setPath(into: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = into;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

export interface OptionsResult {
  options: RolloutOptions;
  problems: string[];
}

export function parseRolloutFlags(flags: RolloutFlags): OptionsResult {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  /** The text given, by option path (for the limits of durations). */
  const given = new Map<string, string>();
  for (const d of ROLLOUT_FLAG_LIST) {
    const raw = flags[d.field];
    if (raw === undefined) continue;
    const value = flagValue(d, raw, problems);
    if (value === undefined) continue;
    setPath(input, d.option, value);
    if (typeof raw === 'string') given.set(d.option, raw);
  }

  const parsed = rolloutOptionsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag = flagOf(issue.path);
      if (problems.some((p) => p.startsWith(`${flag}:`))) continue;
      const d = ROLLOUT_FLAG_LIST.find((f) => f.option === issue.path.join('.'));
      if (d?.kind === 'duration' && (issue.code === 'too_big' || issue.code === 'too_small')) {
        const limit =
          issue.code === 'too_big'
            ? `at most ${formatDuration(Number(issue.maximum))}`
            : `at least ${formatDuration(Number(issue.minimum))}`;
        problems.push(`${flag}: must be ${limit} (got ${given.get(d.option) ?? '?'})`);
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

/** The VM-policy flags given (those of HostOptions.vms), by flag name. */
function workloadFlagsGiven(flags: RolloutFlags): string[] {
  return ROLLOUT_FLAG_LIST.filter(
    (d) => d.option.startsWith('host.vms.') && flags[d.field] !== undefined,
  ).map((d) => `--${d.flag}`);
}

/** VM-policy flags for a procedure that reboots nothing (preflight, a switch, a guest pair): refused, not ignored. */
export function workloadFlagProblems(procedure: ProcedureName, flags: RolloutFlags): string[] {
  if (procedures[procedure].reboots > 0) return [];
  return workloadFlagsGiven(flags).map(
    (f) => `${f}: ${procedure} reboots no host, so no VM is stopped and maintenance mode is not entered`,
  );
}
