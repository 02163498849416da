import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleSummary,
} from '@temporalio/client';
import { cronProblem } from '../../common/cron';
import { parseNotifyTarget, type NotifyTarget } from '../../common/notify';
import { isKnownTimeZone } from '../../common/windows/zone-time';
import type { RolloutInput } from '../../common/rollout';
import type { HostRef } from '../../common/targets';
import { urlEnvRefusal } from '../../activities/url-ref';
import { driftCheckInputSchema, SCHEDULE_NAME, type DriftCheckInput } from '../../common/drift-check';
import { EXIT_OK, UsageError } from '../cli-error';
import { taskQueue } from '../connection';
import type { CliDeps } from '../deps';
import { convergeParamsFor } from '../inventory/desired';
import { payloadEncodingFromEnv, refuseOversizedRollout } from '../rollout/input-size';
import { prepareRollout } from '../rollout/prepare';
import { table, withTemporal } from './with-temporal';

// `ibfleet schedule create|list|pause|resume|trigger|delete`: scheduled drift checks as Temporal
// Schedules. Each run starts driftCheckWorkflow (workflows/drift-check.ts): a read-only preflight
// rollout of the selected hosts, compared with the inventory's desired state; drifted hosts are reported
// (its result, the UI) and notified (--notify).

export const SCHEDULE_ID_PREFIX = 'ibfleet-drift-';
const DRIFT_WORKFLOW_TYPE = 'driftCheckWorkflow';

export interface ScheduleCreateFlags {
  inventory: string;
  select?: string[];
  cron?: string;
  timeZone?: string;
  notify?: string[];
  id?: string;
  maxParallel?: string;
  perCluster?: string;
  paused?: boolean;
}

export function scheduleId(name: string): string {
  return `${SCHEDULE_ID_PREFIX}${name}`;
}

/** `preflight` or `ibfleet-drift-preflight` → `preflight`. */
function scheduleName(arg: string): string {
  const name = arg.startsWith(SCHEDULE_ID_PREFIX) ? arg.slice(SCHEDULE_ID_PREFIX.length) : arg;
  if (!SCHEDULE_NAME.test(name))
    throw new UsageError(`schedule name "${arg}": must be 1-40 letters, digits, "_" or "-"`);
  return name;
}

function notifyTargets(values: readonly string[], env: CliDeps['env'], problems: string[]): NotifyTarget[] {
  const out: NotifyTarget[] = [];
  for (const v of values) {
    try {
      const t = parseNotifyTarget(v);
      const refusal = 'env' in t ? urlEnvRefusal(t.env, env) : undefined;
      if (refusal) problems.push(`--notify: ${refusal} (set the same policy here as on the worker)`);
      else out.push(t);
    } catch (err) {
      problems.push(`--notify: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Everything `schedule create` checks before it may talk to Temporal (all problems at once, exit 2). */
export function prepareDriftSchedule(
  procedure: string,
  flags: ScheduleCreateFlags,
  deps: Pick<CliDeps, 'now' | 'randomSuffix' | 'identity' | 'env'>,
): { name: string; input: DriftCheckInput & { rollout: RolloutInput }; cron: string; timeZone?: string } {
  const problems: string[] = [];
  if (procedure !== 'preflight')
    problems.push(
      `<procedure>: schedules run the read-only preflight only (a drift check), not ${procedure}`,
    );
  const cron = flags.cron ?? '';
  const cronWhy = flags.cron === undefined ? 'is required, e.g. --cron "0 3 * * *"' : cronProblem(cron);
  if (cronWhy) problems.push(`--cron: ${cronWhy}`);
  if (flags.timeZone !== undefined && !isKnownTimeZone(flags.timeZone))
    problems.push(`--time-zone: "${flags.timeZone}" is not an IANA time zone such as Europe/Berlin or UTC`);
  const name = flags.id ?? 'preflight';
  if (!SCHEDULE_NAME.test(name))
    problems.push(`--id: must be 1-40 letters, digits, "_" or "-" (got ${JSON.stringify(name)})`);
  const notify = notifyTargets(flags.notify ?? [], deps.env, problems);

  let prepared;
  try {
    prepared = prepareRollout(
      'preflight',
      {
        inventory: flags.inventory,
        select: flags.select,
        maxParallel: flags.maxParallel,
        perCluster: flags.perCluster,
        // Every host is checked: a host that fails preflight is a finding, not a reason to stop.
        maxFailures: '100%',
        id: 'drift-check-template',
      },
      deps,
    );
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.message.split('\n'));
  }
  if (problems.length > 0 || !prepared) throw new UsageError(problems.join('\n'));
  const { input: rollout, inventory } = prepared;
  const hosts = rollout.targets.filter((t): t is HostRef => t.kind === 'esxi');
  const input: DriftCheckInput & { rollout: RolloutInput } = {
    schedule: name,
    rollout: { ...rollout, startedBy: `schedule ${scheduleId(name)} (created by ${deps.identity()})` },
    desired: convergeParamsFor(inventory.clusters, hosts).clusters,
    notify,
  };
  const check = driftCheckInputSchema.safeParse(input);
  if (!check.success)
    throw new UsageError(
      check.error.issues.map((i) => `drift check ${i.path.join('.')}: ${i.message}`).join('\n'),
    );
  return { name, input, cron, ...(flags.timeZone ? { timeZone: flags.timeZone } : {}) };
}

export async function scheduleCreate(
  procedure: string,
  flags: ScheduleCreateFlags,
  deps: CliDeps,
): Promise<number> {
  const { name, input, cron, timeZone } = prepareDriftSchedule(procedure, flags, deps);
  // The schedule's action carries the input as one payload, like a rollout's (and the rollout carries it on).
  await refuseOversizedRollout(input.rollout, payloadEncodingFromEnv(deps.env));
  const id = scheduleId(name);
  return withTemporal(deps, async (temporal) => {
    let handle;
    try {
      handle = await temporal.client.schedule.create({
        scheduleId: id,
        spec: { cronExpressions: [cron], ...(timeZone ? { timezone: timeZone } : {}) },
        action: {
          type: 'startWorkflow',
          workflowType: DRIFT_WORKFLOW_TYPE,
          workflowId: `ibfleet/drift/${name}`,
          taskQueue: taskQueue(),
          args: [input],
          staticSummary: `drift check ${name}: preflight on ${input.rollout.targets.length} host(s)`,
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
        // The server keeps the spec as calendars: the cron line as written is kept for `schedule list`.
        memo: { cron, timeZone: timeZone ?? 'UTC', hosts: input.rollout.targets.length },
        state: { paused: flags.paused === true, note: `created by ${deps.identity()}` },
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning)
        throw new UsageError(
          `a schedule ${id} already exists: choose another --id, or delete it first (ibfleet schedule delete ${name})`,
        );
      throw err;
    }
    const d = await handle.describe();
    const next = d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString());
    deps.stdout.write(
      [
        `Created schedule ${id}: drift check of ${input.rollout.targets.length} host(s), cron '${cron}'${timeZone ? ` (${timeZone})` : ' (UTC)'}${flags.paused ? ', paused' : ''}`,
        `  next runs  ${next.length > 0 ? next.join(', ') : '(none while paused)'}`,
        `  notify     ${input.notify && input.notify.length > 0 ? (flags.notify ?? []).join(', ') : "(none: findings are in each run's result)"}`,
        `  list       ibfleet schedule list`,
      ].join('\n') + '\n',
    );
    return EXIT_OK;
  });
}

function summaryRow(s: ScheduleSummary): {
  name: string;
  cron: string;
  timeZone: string;
  paused: boolean;
  next?: string;
  last?: string;
  note?: string;
} {
  const memo = (s.memo ?? {}) as { cron?: string; timeZone?: string };
  const last = s.info.recentActions[s.info.recentActions.length - 1];
  return {
    name: s.scheduleId.slice(SCHEDULE_ID_PREFIX.length),
    cron: memo.cron ?? '?',
    timeZone: memo.timeZone ?? '?',
    paused: s.state.paused,
    ...(s.info.nextActionTimes[0] ? { next: s.info.nextActionTimes[0].toISOString() } : {}),
    ...(last ? { last: `${last.takenAt.toISOString()} ${last.action.workflow.workflowId}` } : {}),
    ...(s.state.note ? { note: s.state.note } : {}),
  };
}

export async function scheduleList(opts: { json?: boolean }, deps: CliDeps): Promise<number> {
  return withTemporal(deps, async (temporal) => {
    const rows: ReturnType<typeof summaryRow>[] = [];
    for await (const s of temporal.client.schedule.list())
      if (s.scheduleId.startsWith(SCHEDULE_ID_PREFIX)) rows.push(summaryRow(s));
    rows.sort((a, b) => a.name.localeCompare(b.name));
    if (opts.json) deps.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0)
      deps.stdout.write(
        'No drift-check schedules (create one: ibfleet schedule create preflight -i fleet.yaml --cron "0 3 * * *").\n',
      );
    else
      deps.stdout.write(
        table([
          ['NAME', 'CRON', 'ZONE', 'STATE', 'NEXT RUN', 'LAST RUN'],
          ...rows.map((r) => [
            r.name,
            r.cron,
            r.timeZone,
            r.paused ? 'paused' : 'active',
            r.next ?? '-',
            r.last ?? '-',
          ]),
        ]).join('\n') + '\n',
      );
    return EXIT_OK;
  });
}

export type ScheduleAction = 'pause' | 'resume' | 'trigger' | 'delete';

export async function scheduleControl(
  action: ScheduleAction,
  nameArg: string,
  flags: { reason?: string },
  deps: CliDeps,
): Promise<number> {
  const name = scheduleName(nameArg);
  if (flags.reason !== undefined && flags.reason.trim() === '')
    throw new UsageError('--reason: must not be empty');
  const note = `${flags.reason ? `${flags.reason} ` : ''}(${action} by ${deps.identity()})`;
  return withTemporal(deps, async (temporal) => {
    const handle = temporal.client.schedule.getHandle(scheduleId(name));
    try {
      if (action === 'pause') await handle.pause(note);
      else if (action === 'resume') await handle.unpause(note);
      else if (action === 'trigger') await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      else await handle.delete();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new UsageError(`no schedule ${scheduleId(name)} (see ibfleet schedule list)`);
      throw err;
    }
    const done = {
      pause: 'paused',
      resume: 'resumed',
      trigger: 'triggered (a drift check starts now)',
      delete: 'deleted',
    }[action];
    deps.stdout.write(`Schedule ${scheduleId(name)} ${done}.\n`);
    return EXIT_OK;
  });
}
