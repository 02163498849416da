import type { Timing } from '../../common/procedures';
import { rolloutOptionsSchema, type FailureBudget, type RolloutOptions } from '../../common/rollout';
import { issueReason } from '../zod-reason';
import { formatDuration, parseDuration } from './duration';

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
}

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
    const ms = parseDuration(raw);
    if (ms === undefined)
      problems.push(
        `--${t.flag}: must be a duration with a unit, e.g. 500ms, 30s, 45m, 1h30m (got ${JSON.stringify(raw)})`,
      );
    else {
      timing[t.timing] = ms;
      rawTiming.set(t.timing, raw);
    }
  }
  const host: Record<string, unknown> = {};
  if (Object.keys(timing).length > 0) host.timing = timing;
  if (flags.maintenanceMode === false) host.maintenanceMode = false;
  if (Object.keys(host).length > 0) input.host = host;

  const parsed = rolloutOptionsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag = flagOf(issue.path);
      if (problems.some((p) => p.startsWith(`${flag}:`))) continue;
      const timingKey =
        issue.path[0] === 'host' && issue.path[1] === 'timing' ? String(issue.path[2]) : undefined;
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
    return { options: rolloutOptionsSchema.parse({}), problems };
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
  return { options, problems };
}

/** The checks that need the number of targets. */
export function optionProblemsForTargets(options: RolloutOptions, targetCount: number): string[] {
  const problems: string[] = [];
  if (options.canary > targetCount)
    problems.push(`--canary: ${options.canary} canary hosts but only ${targetCount} target(s) selected`);
  return problems;
}
