import { Option, type Command } from 'commander';
import { urlEnvRefusal } from '../../activities/url-ref';
import { parseGate } from '../../common/gates';
import { parseNotifyTarget } from '../../common/notify';
import { parseRamp } from '../../common/ramp';
import type { RolloutOptions } from '../../common/rollout';
import { rolloutOpsSchema, WINDOW_END_ACTIONS, type RolloutOps } from '../../common/rollout-ops';
import { targetCluster, type TargetRef } from '../../common/targets';
import { parseWindow } from '../../common/windows';
import { issueReason } from '../zod-reason';
import { durationFlag } from './duration';

// `rollout start` flags of the operations features (issue #16) -> RolloutOptions.ops. Every bad value is
// a problem naming its flag (exit 2). The rollout workflow honours them (workflows/rollout/operations.ts
// and start-rules.ts, leases.ts, notifications.ts).

export interface OpsFlags {
  window?: string[];
  windowEnd?: string;
  notify?: string[];
  gate?: string[];
  gateInterval?: string;
  gateTimeout?: string;
  ramp?: string;
  fleetWide?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addOpsOptions(cmd: Command): Command {
  const options = [
    new Option(
      '--window <spec>',
      "maintenance window, e.g. 'Mon-Fri 22:00-06:00 Europe/Berlin' (repeatable): hosts start only inside one",
    ).argParser(collect),
    new Option(
      '--window-end <action>',
      'when a window closes, hosts in flight: continue (to their end) or stop (at their next safe point; they start again in the next window) (default continue)',
    ),
    new Option(
      '--notify <url>',
      'post events (canary done, host needs attention, budget exceeded, gate paused, closed) to: http(s) URL, slack+URL, or env:NAME (a worker variable holding the URL) (repeatable)',
    ).argParser(collect),
    new Option(
      '--gate <check>',
      "health gate before each start: 'http GET URL [expect 200|2xx]' or 'cmd /path ARGS' (on the worker, no shell) (repeatable)",
    ).argParser(collect),
    new Option('--gate-interval <duration>', 'how often a failing gate is checked again (default 30s)'),
    new Option(
      '--gate-timeout <duration>',
      'a gate failing this long pauses the rollout; 0 = never (default 30m)',
    ),
    new Option(
      '--ramp <steps>',
      "after the canary: widths such as 1,2,4,8, or 'exponential', each after the hosts before succeeded",
    ),
    new Option(
      '--fleet-wide',
      "the per-cluster limit (--per-cluster, or the inventory's maxUnavailable) holds across all rollouts (a lease per cluster)",
    ),
  ];
  for (const o of options) cmd.addOption(o);
  cmd.addHelpText('after', `\n${OPS_HELP}`);
  return cmd;
}

export const OPS_HELP = `Operations (issue #16):
  --window 'Mon-Fri 22:00-06:00 Europe/Berlin'   [DAYS] HH:MM-HH:MM ZONE; DAYS: Mon-Fri, Sat,Sun, Fri-Mon, daily;
      the days a window opens on (one over midnight closes the next morning); IANA zone, DST included.
      Outside every window no host starts; the rollout waits ("waiting for the window Mon 22:00 CET, in 3h12m").
  --notify http://127.0.0.1:9000/hook | slack+https://chat.example/hook | env:IBFLEET_NOTIFY_SLACK_URL
      URLs holding a secret (Slack hooks, tokens, user:password@) only as env:NAME, read on the worker
      (IBFLEET_NOTIFY_* or what IBFLEET_CREDENTIAL_ENV_PREFIXES / _NAMES allow). At least once, with an
      Idempotency-Key header and body field; a failing endpoint never stops the rollout.
  --gate 'http GET http://127.0.0.1:9090/healthy expect 200'   --gate 'cmd /usr/local/bin/no-alerts gpu-a'
      cmd gates run on the worker without a shell, only executables its IBFLEET_GATE_COMMANDS lists.
  --ramp 1,2,4,8 | exponential     --fleet-wide (with --per-cluster or the inventory's maxUnavailable)`;

export interface OpsResult {
  ops?: RolloutOps;
  problems: string[];
}

/** The ops block from the flags (undefined when none was given); `maxParallel` bounds the ramp. */
export function parseOpsFlags(
  flags: OpsFlags,
  maxParallel: number,
  env: Record<string, string | undefined>,
): OpsResult {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  const each = <T>(
    flag: string,
    values: readonly string[] | undefined,
    parse: (v: string) => T,
  ): T[] | undefined => {
    if (!values || values.length === 0) return undefined;
    const out: T[] = [];
    for (const v of values) {
      try {
        out.push(parse(v));
      } catch (err) {
        problems.push(`--${flag}: ${(err as Error).message}`);
      }
    }
    return out;
  };
  const windows = each('window', flags.window, parseWindow);
  if (windows) input.windows = windows;
  if (flags.windowEnd !== undefined) {
    if ((WINDOW_END_ACTIONS as readonly string[]).includes(flags.windowEnd))
      input.windowEnd = flags.windowEnd;
    else
      problems.push(
        `--window-end: must be ${WINDOW_END_ACTIONS.join(' or ')} (got ${JSON.stringify(flags.windowEnd)})`,
      );
    if (!flags.window) problems.push('--window-end: needs --window');
  }
  const notify = each('notify', flags.notify, (v) => {
    const t = parseNotifyTarget(v);
    const refusal = 'env' in t ? urlEnvRefusal(t.env, env) : undefined;
    if (refusal) throw new Error(`${refusal} (set the same policy here as on the worker)`);
    return t;
  });
  if (notify) input.notify = notify;
  const gates = each('gate', flags.gate, parseGate);
  if (gates) input.gates = gates;
  const pollIntervalMs = durationFlag('gate-interval', flags.gateInterval, problems);
  const timeoutMs = durationFlag('gate-timeout', flags.gateTimeout, problems, true);
  if ((pollIntervalMs !== undefined || timeoutMs !== undefined) && !flags.gate)
    problems.push(`--${pollIntervalMs !== undefined ? 'gate-interval' : 'gate-timeout'}: needs --gate`);
  if (pollIntervalMs !== undefined || timeoutMs !== undefined)
    input.gateTiming = {
      ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
  if (flags.ramp !== undefined) {
    try {
      input.ramp = parseRamp(flags.ramp, maxParallel);
    } catch (err) {
      problems.push(`--ramp: ${(err as Error).message}`);
    }
  }
  if (flags.fleetWide) input.fleetWide = true;
  if (Object.keys(input).length === 0 && problems.length === 0) return { problems };
  const parsed = rolloutOpsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const flag =
        {
          windows: '--window',
          notify: '--notify',
          gates: '--gate',
          gateTiming: issue.path[1] === 'timeoutMs' ? '--gate-timeout' : '--gate-interval',
          ramp: '--ramp',
        }[String(issue.path[0])] ?? String(issue.path[0]);
      if (!problems.some((p) => p.startsWith(`${flag}:`)))
        problems.push(`${flag}: ${issueReason(issue, input)}`);
    }
  }
  return problems.length > 0 || !parsed.success ? { problems } : { ops: parsed.data, problems };
}

/**
 * The rollout options with the ops block: the flags' (parseOpsFlags), plus the inventory's
 * maxUnavailable of the clusters the targets are in (the fleet-wide lease's limit there).
 */
export function withOpsOptions(
  options: RolloutOptions,
  ops: RolloutOps | undefined,
  clusters: readonly { name: string; maxUnavailable?: number }[],
  targets: readonly TargetRef[],
): RolloutOptions {
  const used = new Set(targets.map(targetCluster));
  const limits = Object.fromEntries(
    clusters
      .filter((c) => used.has(c.name) && c.maxUnavailable !== undefined)
      .map((c) => [c.name, c.maxUnavailable as number]),
  );
  if (!ops && Object.keys(limits).length === 0) return options;
  const base = ops ?? rolloutOpsSchema.parse({});
  return { ...options, ops: Object.keys(limits).length > 0 ? { ...base, clusterLimits: limits } : base };
}
