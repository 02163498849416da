import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  proxyActivities,
  WorkflowIdReusePolicy,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  procedureParamsSchemas,
  procedureTargetKind,
  procedureWorkflowType,
  type ProcedureInput,
} from '../common/procedures';
import type { ProcedureReport } from '../common/reports';
import {
  rolloutInputSchema,
  type HostPhase,
  type HostProgress,
  type RolloutEvent,
  type RolloutInput,
  type RolloutPhase,
  type RolloutProgress,
  type RolloutReport,
  slowestFirst,
} from '../common/rollout';
import { IbCluster, IbHost, IbPhase, IbProcedure, IbRolloutId } from '../common/search-attributes';
import { targetCluster, targetWorkflowId, type HostRef, type TargetRef } from '../common/targets';
import type { FleetActivities } from '../activities/contract';
import { formatIssues } from '../common/zod-issues';
import { classify, hostFinishedFrom, invalidInput } from './host/procedure-run';
import { refuseUnusableCredentials } from './credential-check';
import { problemList } from './host/validate';
import {
  approveUpdate,
  cancelUpdate,
  hostFinishedSignal,
  pauseUpdate,
  resumeUpdate,
  rolloutProgressQuery,
  stopAtSafePointSignal,
  type HostFinished,
} from './messages';

/** What a rollout carries across continue-as-new (the input itself is passed again unchanged). */
export interface RolloutState {
  startedAtMs: number;
  hosts: HostProgress[];
  approved: boolean;
  paused: boolean;
  cancelReason?: string;
  events: RolloutEvent[];
  continueAsNewCount: number;
  /** Durations of finished hosts, for the ETA. */
  finishedDurationsMs: number[];
}

const terminal: HostPhase[] = ['succeeded', 'failed', 'needs-attention', 'skipped', 'cancelled'];
const problemPhases: HostPhase[] = ['failed', 'needs-attention'];

/**
 * One rollout of one procedure across many targets: a sliding window (a host starts as soon as a slot
 * frees) limited per rollout and per cluster, a canary gate, a failure budget over the whole rollout,
 * pause / resume / cancel at safe points, and continue-as-new so thousands of hosts fit one rollout.
 * Each host runs as a child workflow with its host-derived ID, so one procedure runs per host at a time.
 */
export async function rolloutWorkflow(input: RolloutInput, carried?: RolloutState): Promise<RolloutReport> {
  validateRolloutInput(input);
  const { options } = input;
  const targets = new Map<string, TargetRef>(input.targets.map((t) => [t.name, t]));
  const state: RolloutState = carried ?? {
    startedAtMs: Date.now(),
    hosts: input.targets.map((t, i) => ({
      name: t.name,
      cluster: targetCluster(t),
      phase: 'pending',
      ...(i < options.canary ? { canary: true } : {}),
    })),
    approved: options.canary === 0,
    paused: false,
    events: [{ at: new Date().toISOString(), action: 'started', reason: input.startedBy }],
    continueAsNewCount: 0,
    finishedDurationsMs: [],
  };
  const byName = new Map(state.hosts.map((h) => [h.name, h]));
  const allowedFailures =
    'count' in options.maxFailures
      ? options.maxFailures.count
      : Math.floor((options.maxFailures.percent * state.hosts.length) / 100);

  let phase: RolloutPhase = 'running';
  let lastUpsertedPhase: RolloutPhase | undefined;
  let wake = true;
  const note = (action: RolloutEvent['action'], reason?: string) =>
    state.events.push({ at: new Date().toISOString(), action, ...(reason ? { reason } : {}) });

  const count = (p: HostPhase) => state.hosts.filter((h) => h.phase === p).length;
  const failuresUsed = () => state.hosts.filter((h) => problemPhases.includes(h.phase)).length;
  const budgetExceeded = () => failuresUsed() > allowedFailures;
  const running = () => state.hosts.filter((h) => h.phase === 'running');
  const finished = () => state.hosts.every((h) => terminal.includes(h.phase));
  const canaryDone = () => state.hosts.filter((h) => h.canary).every((h) => terminal.includes(h.phase));

  // --- messages -----------------------------------------------------------------------------
  const closed = () => ['succeeded', 'failed', 'cancelled'].includes(phase);
  setHandler(rolloutProgressQuery, () => progress());
  setHandler(hostFinishedSignal, (f) => recordFinish(f));
  setHandler(
    approveUpdate,
    (reason) => {
      state.approved = true;
      note('approved', reason);
      wake = true;
      return Promise.resolve(computePhase());
    },
    {
      validator: (_reason: string) => {
        if (closed() || state.cancelReason !== undefined)
          throw new Error(`the rollout is ${phase}: nothing to approve`);
        if (state.approved) throw new Error('the rollout is already approved');
      },
    },
  );
  setHandler(
    pauseUpdate,
    (reason) => {
      state.paused = true;
      note('paused', reason);
      wake = true;
      return Promise.resolve(computePhase());
    },
    {
      validator: (_reason: string) => {
        if (closed() || state.cancelReason !== undefined)
          throw new Error(`the rollout is ${phase}: it cannot be paused`);
        if (state.paused) throw new Error('the rollout is already paused');
      },
    },
  );
  setHandler(
    resumeUpdate,
    (reason) => {
      state.paused = false;
      note('resumed', reason);
      wake = true;
      return Promise.resolve(computePhase());
    },
    {
      validator: (_reason: string) => {
        if (!state.paused) throw new Error(`the rollout is not paused (it is ${phase})`);
      },
    },
  );
  setHandler(
    cancelUpdate,
    (reason) => {
      requestCancel(reason || 'cancelled by operator');
      return Promise.resolve(computePhase());
    },
    {
      validator: (_reason: string) => {
        if (closed()) throw new Error(`the rollout already ended (${phase})`);
      },
    },
  );

  // --- the window ----------------------------------------------------------------------------
  if (!carried) await refuseUnusableCredentials(input.targets);
  try {
    await CancellationScope.cancellable(async () => {
      if (!carried && options.order === 'slowest-first') await orderSlowestFirst();
      for (;;) {
        startEligible();
        publish();
        if (finished() || (running().length === 0 && stopStarting())) break;
        // Continue-as-new only when every started child has been acknowledged (its run ID is known).
        if (
          state.cancelReason === undefined &&
          !budgetExceeded() &&
          shouldContinueAsNew() &&
          running().every((h) => h.runId)
        ) {
          await condition(allHandlersFinished);
          note('continued-as-new', `history ${workflowInfo().historyLength} events`);
          state.continueAsNewCount += 1;
          await continueAsNew<typeof rolloutWorkflow>(input, state);
        }
        wake = false;
        await condition(() => wake);
      }
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled from the Temporal UI/CLI: same as `ibfleet rollout cancel`, hosts in flight finish.
    requestCancel('workflow cancellation requested');
    await CancellationScope.nonCancellable(async () => {
      while (running().length > 0) {
        publish();
        wake = false;
        await condition(() => wake);
      }
    });
  }

  // Nothing is silently skipped: hosts never started are listed as such.
  for (const h of state.hosts) {
    if (h.phase === 'pending') {
      h.phase = 'skipped';
      h.reason =
        state.cancelReason !== undefined
          ? `not started: rollout cancelled (${state.cancelReason})`
          : `not started: failure budget exceeded (${failuresUsed()} > ${allowedFailures})`;
    }
  }
  phase =
    state.cancelReason !== undefined
      ? 'cancelled'
      : state.hosts.every((h) => h.phase === 'succeeded')
        ? 'succeeded'
        : 'failed';
  publish();
  await condition(allHandlersFinished);
  return {
    ...progress(),
    problems: state.hosts
      .filter((h) => h.phase !== 'succeeded')
      .map((h) => ({
        name: h.name,
        outcome:
          h.phase === 'skipped'
            ? ('skipped' as const)
            : (h.phase as 'failed' | 'needs-attention' | 'cancelled'),
        reason: h.reason ?? h.phase,
        ...(h.stoppedInStep ? { stoppedInStep: h.stoppedInStep } : {}),
      })),
    finishedAt: new Date().toISOString(),
    startedBy: input.startedBy,
    params: input.params,
    options: input.options,
    events: state.events,
    ...(input.retryOf ? { retryOf: input.retryOf } : {}),
  };

  // --- helpers (closures over the state) ------------------------------------------------------
  /** Read each ESXi host's last reboot duration and reorder the pending hosts, slowest first. */
  async function orderSlowestFirst(): Promise<void> {
    const hosts = input.targets.filter((t): t is HostRef => t.kind === 'esxi');
    if (hosts.length === 0) return;
    const timing = options.host.timing;
    const { readRebootDurations } = proxyActivities<FleetActivities>({
      // Liveness by heartbeat (one per host read); the whole read has a generous bound.
      heartbeatTimeout: timing.connectTimeoutMs + timing.commandTimeoutMs + 30_000,
      startToCloseTimeout: 30 * 60_000,
      retry: { maximumAttempts: 2 },
      summary: `read the last reboot duration of ${hosts.length} host(s) to start the slowest first`,
    });
    try {
      const read = await readRebootDurations({ hosts, timing });
      for (const h of state.hosts) {
        const ms = read.durationsMs[h.name];
        if (ms !== undefined) h.lastRebootMs = ms;
      }
      state.hosts = slowestFirst(state.hosts);
      const known = Object.keys(read.durationsMs).length;
      note(
        'ordered',
        `slowest first: ${known} host(s) with a reboot on record, ${read.unknown.length} without`,
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      // An optimisation, never a reason not to roll out.
      note('ordered', `inventory order: could not read reboot durations (${classify(err).message})`);
    }
  }

  function stopStarting(): boolean {
    return state.cancelReason !== undefined || budgetExceeded();
  }

  function startEligible(): void {
    if (stopStarting() || state.paused) return;
    if (!state.approved && canaryDone()) {
      if (options.autoApprove) {
        state.approved = true;
        note('auto-approved', 'canary finished');
      } else return;
    }
    const inFlight = running();
    const perCluster = new Map<string, number>();
    for (const h of inFlight) perCluster.set(h.cluster, (perCluster.get(h.cluster) ?? 0) + 1);
    let slots = options.maxParallel - inFlight.length;
    for (const h of state.hosts) {
      if (slots <= 0) break;
      if (h.phase !== 'pending') continue;
      if (!state.approved && !h.canary) continue;
      const inCluster = perCluster.get(h.cluster) ?? 0;
      if (options.perCluster > 0 && inCluster >= options.perCluster) continue;
      perCluster.set(h.cluster, inCluster + 1);
      slots -= 1;
      launch(h);
    }
  }

  function launch(h: HostProgress): void {
    const target = targets.get(h.name);
    if (!target) throw ApplicationFailure.nonRetryable(`internal: no target named ${h.name}`);
    h.phase = 'running';
    h.startedAt = new Date().toISOString();
    const childInput: ProcedureInput = {
      procedure: input.procedure,
      target,
      params: input.params,
      options: options.host,
      rolloutId: input.rolloutId,
    };
    const run = async () => {
      const child = await startChild(procedureWorkflowType[input.procedure], {
        workflowId: targetWorkflowId(target),
        args: [childInput],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: `${input.procedure} on ${target.name} (rollout ${input.rolloutId})`,
        typedSearchAttributes: [
          { key: IbHost, value: target.name },
          { key: IbCluster, value: h.cluster },
          { key: IbProcedure, value: input.procedure },
          { key: IbRolloutId, value: input.rolloutId },
          { key: IbPhase, value: 'starting' },
        ],
      });
      h.runId = child.firstExecutionRunId;
      wake = true;
      const report = (await child.result()) as ProcedureReport;
      recordFinish(hostFinishedFrom(report, h.runId));
    };
    // Children outlive the rollout's own cancellation: in-flight hosts finish at a safe point.
    CancellationScope.nonCancellable(run).catch((err: unknown) => recordFinish(fromFailure(h, err)));
  }

  function recordFinish(f: HostFinished): void {
    const h = byName.get(f.name);
    // A host's end arrives twice (its signal, and its result when started by this run): keep the first.
    if (!h || terminal.includes(h.phase) || (h.runId && f.runId && h.runId !== f.runId)) return;
    h.phase = f.outcome === 'succeeded' ? 'succeeded' : f.outcome === 'cancelled' ? 'cancelled' : f.outcome;
    h.runId = f.runId || h.runId;
    h.finishedAt = f.finishedAt;
    h.reboots = f.reboots;
    if (f.reason) h.reason = f.reason;
    if (f.failureType) h.failureType = f.failureType;
    if (f.stoppedInStep) h.stoppedInStep = f.stoppedInStep;
    if (f.leftMidCycle) h.leftMidCycle = true;
    if (h.startedAt) state.finishedDurationsMs.push(Date.parse(f.finishedAt) - Date.parse(h.startedAt));
    if (budgetExceeded() && !state.events.some((e) => e.action === 'budget-exceeded')) {
      note(
        'budget-exceeded',
        `${failuresUsed()} host(s) failed or need attention; ${allowedFailures} allowed`,
      );
    }
    wake = true;
  }

  function requestCancel(reason: string): void {
    if (state.cancelReason !== undefined) return;
    state.cancelReason = reason;
    note('cancel-requested', reason);
    // Hosts in flight stop at their next safe point (before changing anything) or finish their procedure.
    for (const h of running()) {
      const target = targets.get(h.name);
      if (target) {
        getExternalWorkflowHandle(targetWorkflowId(target))
          .signal(stopAtSafePointSignal, reason)
          .catch((err: unknown) =>
            log.warn('could not ask a host to stop', { host: h.name, error: classify(err).message }),
          );
      }
    }
    wake = true;
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > options.continueAsNewAfterEvents;
  }

  function computePhase(): RolloutPhase {
    if (closed()) return phase;
    if (state.cancelReason !== undefined) return 'cancelling';
    if (state.paused) return 'paused';
    if (!state.approved && canaryDone() && !options.autoApprove && !budgetExceeded())
      return 'awaiting-approval';
    return 'running';
  }

  function progress(): RolloutProgress {
    const counts = Object.fromEntries(
      (
        [
          'pending',
          'running',
          'succeeded',
          'failed',
          'needs-attention',
          'skipped',
          'cancelled',
        ] as HostPhase[]
      ).map((p) => [p, count(p)]),
    ) as Record<HostPhase, number>;
    const elapsedMs = Date.now() - state.startedAtMs;
    const done = state.finishedDurationsMs;
    let etaMs: number | undefined;
    if (done.length > 0 && !closed()) {
      const mean = done.reduce((a, b) => a + b, 0) / done.length;
      const width = Math.max(1, Math.min(options.maxParallel, counts.pending + counts.running));
      etaMs = Math.round(((counts.pending + counts.running / 2) * mean) / width);
    }
    return {
      rolloutId: input.rolloutId,
      procedure: input.procedure,
      phase: computePhase(),
      counts,
      total: state.hosts.length,
      hosts: state.hosts,
      startedAt: new Date(state.startedAtMs).toISOString(),
      elapsedMs,
      ...(etaMs !== undefined ? { etaMs } : {}),
      continueAsNewCount: state.continueAsNewCount,
      budget: { allowed: allowedFailures, used: failuresUsed(), exceeded: budgetExceeded() },
    };
  }

  /** Keep the Temporal UI current: IbPhase and a compact markdown table as current details. */
  function publish(): void {
    const p = computePhase();
    if (p !== lastUpsertedPhase) {
      upsertSearchAttributes([{ key: IbPhase, value: p }]);
      lastUpsertedPhase = p;
    }
    const c = progress().counts;
    const inFlight = running().slice(0, 25);
    const problems = state.hosts.filter((h) => problemPhases.includes(h.phase)).slice(0, 20);
    const lines = [
      `**${input.procedure}** rollout \`${input.rolloutId}\` — **${p}** — ${c.succeeded + c.failed + c['needs-attention'] + c.skipped + c.cancelled}/${state.hosts.length} done`,
      '',
      '| pending | running | succeeded | failed | needs attention | skipped | cancelled | budget |',
      '|---|---|---|---|---|---|---|---|',
      `| ${c.pending} | ${c.running} | ${c.succeeded} | ${c.failed} | ${c['needs-attention']} | ${c.skipped} | ${c.cancelled} | ${failuresUsed()}/${allowedFailures} |`,
    ];
    if (inFlight.length > 0) {
      lines.push('', '| in flight | cluster | since |', '|---|---|---|');
      for (const h of inFlight) lines.push(`| ${h.name} | ${h.cluster} | ${h.startedAt ?? ''} |`);
    }
    if (problems.length > 0) {
      lines.push('', '| problem | phase | reason |', '|---|---|---|');
      for (const h of problems)
        lines.push(`| ${h.name} | ${h.phase} | ${(h.reason ?? '').replace(/\|/g, '/').slice(0, 160)} |`);
    }
    if (p === 'awaiting-approval')
      lines.push('', `Canary done: approve with \`ibfleet rollout approve ${input.rolloutId}\``);
    setCurrentDetails(lines.join('\n'));
  }
}

/** A child that failed carries its report in the failure's details; one that could not start does not. */
function fromFailure(h: HostProgress, err: unknown): HostFinished {
  const now = new Date().toISOString();
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      name: h.name,
      runId: '',
      outcome: 'failed',
      reason: `another procedure is already running on ${h.name} (workflow ${err.workflowId}); it was not touched`,
      failureType: 'HostBusy',
      reboots: 0,
      startedAt: h.startedAt ?? now,
      finishedAt: now,
    };
  }
  if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure) {
    const report = err.cause.details?.[0] as ProcedureReport | undefined;
    if (report && typeof report === 'object' && 'outcome' in report)
      return hostFinishedFrom(report, h.runId ?? '');
  }
  const { type, message } = classify(err);
  return {
    name: h.name,
    runId: h.runId ?? '',
    outcome: isCancellation(err) ? 'cancelled' : 'needs-attention',
    reason: `host workflow ended without a report: ${message}`,
    failureType: type,
    reboots: 0,
    startedAt: h.startedAt ?? now,
    finishedAt: now,
  };
}

function validateRolloutInput(input: RolloutInput): void {
  const parsed = rolloutInputSchema.safeParse(input);
  const problems = parsed.success ? [] : formatIssues(parsed.error);
  if (parsed.success) {
    const params = procedureParamsSchemas[input.procedure].safeParse(input.params);
    if (!params.success) problems.push(...formatIssues(params.error, 'params'));
    const kind = procedureTargetKind[input.procedure];
    input.targets.forEach((t, i) => {
      if (t.kind !== kind)
        problems.push(`targets[${i}].kind: ${input.procedure} runs on ${kind} targets, not ${t.kind}`);
    });
    const seen = new Set<string>();
    input.targets.forEach((t, i) => {
      if (seen.has(t.name)) problems.push(`targets[${i}].name: duplicate target ${t.name}`);
      seen.add(t.name);
    });
  }
  if (problems.length > 0) throw invalidInput(`invalid rollout input: ${problemList(problems)}`);
}
