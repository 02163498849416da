import { procedurePlan } from '../../common/plan';
import { procedures } from '../../common/procedures';
import type { RolloutInput, RolloutOptions } from '../../common/rollout';
import { shardedInventory } from '../../common/rollout-shards';
import { targetCluster } from '../../common/targets';
import { maintenanceTimeoutSeconds, workloadOptions } from '../../common/workloads';
import { kindWords } from '../inventory/select';
import { formatDuration } from '../options/duration';
import { scheduleTargets, simulateSchedule, type ScheduleTarget } from './schedule';

// The --dry-run plan: what would start, in which order, and what would run on each target.

export interface DryRunContext {
  /** Inventory file as given, and the --select expressions. */
  inventoryFile?: string;
  selections?: readonly string[];
  /** Set for `rollout retry --dry-run`. */
  retryOf?: string;
}

export function describeBudget(options: RolloutOptions): string {
  return 'count' in options.maxFailures
    ? String(options.maxFailures.count)
    : `${options.maxFailures.percent}%`;
}

export function describeOptions(options: RolloutOptions): string {
  const canary =
    options.canary > 0
      ? `canary ${options.canary} (then ${options.autoApprove ? 'continues (auto-approve)' : 'waits for approval'})`
      : 'no canary';
  const perCluster = options.perCluster === 0 ? 'unlimited' : String(options.perCluster);
  return `max-parallel ${options.maxParallel}, per-cluster ${perCluster}, ${canary}, max-failures ${describeBudget(options)}, order ${options.order}`;
}

/** The VM policy line of a rollout of a rebooting procedure. */
export function describeVmPolicy(options: RolloutOptions): string {
  const w = workloadOptions(options.host.vms);
  const policy = {
    refuse: 'refuse (a host with powered-on VMs is left untouched)',
    wait: `wait (for the owners to power their VMs off, up to ${formatDuration(w.drainDeadlineMs)})`,
    shutdown: `shutdown (guest shutdown, up to ${formatDuration(w.guestShutdownTimeoutMs)}, ${w.forcePowerOff ? 'then power-off' : 'never a hard power-off'}; powered on again afterwards)`,
  }[w.policy];
  const mm = options.host.maintenanceMode
    ? `; maintenance mode -t ${maintenanceTimeoutSeconds(w)}s, ${w.maintenanceRetries} retries after ${formatDuration(w.maintenanceRetryDelayMs)}, vSAN mode ${w.vsanMode}`
    : '';
  return `${policy}${mm}; VMs are read at run time (preflight lists each host's VMs)`;
}

export function describeHostOptions(options: RolloutOptions): string {
  const t = options.host.timing;
  return (
    `maintenance mode ${options.host.maintenanceMode ? 'on' : 'off'}; boot deadline ${formatDuration(t.bootDeadlineMs)}, ` +
    `poll ${formatDuration(t.pollIntervalMs)} up to ${formatDuration(t.maxPollIntervalMs)}, stability ${formatDuration(t.stabilityMs)}, ` +
    `reboot start ${formatDuration(t.rebootStartMs)}, command timeout ${formatDuration(t.commandTimeoutMs)}, ` +
    `connect timeout ${formatDuration(t.connectTimeoutMs)}, heartbeat timeout ${formatDuration(t.heartbeatTimeoutMs)}`
  );
}

function waveLine(label: string, wave: ScheduleTarget[]): string {
  return `  ${label.padEnd(14)}${wave.map((t) => `${t.name} (${t.cluster})`).join(', ')}`;
}

export function renderDryRun(input: RolloutInput, ctx: DryRunContext = {}): string {
  const kind = procedures[input.procedure].target;
  const n = input.targets.length;
  const clusters = new Set(input.targets.map((t) => targetCluster(t)));
  const rebootsPerTarget = procedures[input.procedure].reboots;
  const lines: string[] = [];
  const id = input.rolloutId;

  lines.push('DRY RUN: nothing is started (no connection to Temporal is made).', '');
  lines.push(`Rollout    ${id}${ctx.retryOf ? ` (retry of ${ctx.retryOf})` : ''}`);
  lines.push(`Procedure  ${input.procedure}  ${JSON.stringify(input.params)}`);
  const from = ctx.inventoryFile ? `, from ${ctx.inventoryFile}` : '';
  const sel = ctx.selections?.length ? ` (select: ${ctx.selections.join(' | ')})` : '';
  lines.push(`Targets    ${n} ${kindWords(kind, n)} in ${clusters.size} cluster group(s)${from}${sel}`);
  const sharded = shardedInventory(n);
  if (sharded)
    lines.push(
      `Shards     ${sharded.shards} shard workflows of up to ${sharded.perShard} targets each start the hosts ` +
        `(ibfleet/rollout/${id}/shard/0..${sharded.shards - 1}); the rollout keeps their limits`,
    );
  lines.push(`Window     ${describeOptions(input.options)}`);
  if (kind !== 'switch' && kind !== 'guest-pair')
    lines.push(`Hosts      ${describeHostOptions(input.options)}`);
  lines.push(`Reboots    ${rebootsPerTarget} per target, ${rebootsPerTarget * n} in total`);
  if (rebootsPerTarget > 0) lines.push(`VMs        ${describeVmPolicy(input.options)}`);
  lines.push(`Started by ${input.startedBy}`, '');

  const schedule = simulateSchedule(scheduleTargets(input.procedure, input.targets), {
    ...input.options,
    ramp: input.options.ops?.ramp,
  });
  lines.push('Schedule (first-fit simulation of the window, every target taking the same time):');
  schedule.canaryWaves.forEach((w, i) => lines.push(waveLine(`canary wave ${i + 1}`, w)));
  if (schedule.canaryWaves.length > 0 && schedule.waves.length > 0)
    lines.push(
      input.options.autoApprove
        ? '  (auto-approve: continues once the canaries succeed)'
        : `  (then waits for: ibfleet rollout approve ${id})`,
    );
  schedule.waves.forEach((w, i) => lines.push(waveLine(`wave ${i + 1}`, w)));
  lines.push(
    `  ${schedule.canaryWaves.length + schedule.waves.length} wave(s)` +
      (schedule.canaryWaves.length ? ` (${schedule.canaryWaves.length} canary)` : ''),
    '',
  );

  lines.push(`Steps on each ${kindWords(kind, 1)}:`);
  const plan = procedurePlan(input.procedure, input.params, {
    maintenanceMode: input.options.host.maintenanceMode,
    vms: input.options.host.vms,
    vsan: input.targets.some((t) => t.kind === 'esxi' && t.vsan === true),
  });
  plan.forEach((s, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${s.step}${s.reboot ? '  [REBOOT]' : ''}`);
    for (const c of s.commands) lines.push(`        $ ${c}`);
    if (s.note) lines.push(`        # ${s.note}`);
  });
  return lines.join('\n') + '\n';
}
