import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  condition,
  patched,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { procedures, type ProcedureInput, type ProcedureName } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostOptions } from '../../common/procedures';
import type { HostProgress } from '../../common/rollout';
import { IbCluster, IbHost, IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { vsanPeersOf } from '../../common/rollout-vsan';
import { targetWorkflowId, type HostRef, type TargetRef } from '../../common/targets';
import { classify } from '../host/failures';
import { hostFinishedFrom } from '../host/host-finished';
import { stopAtSafePointSignal, type HostFinished } from '../messages';
import type { ClusterLeases } from './leases';

// Each host runs as a child workflow with its host-derived ID (one procedure per host at a time). It
// outlives the rollout's run (ABANDON: the rollout may continue-as-new while it runs) and reports its
// end twice: by signal to whichever run of its parent is current, and as its result to the run that
// started it. The first report counts.

/**
 * Since this patch a rollout (or shard) returns only once every host workflow its run started has
 * returned its result: a result arriving while the run completes made that workflow task fail
 * (UnhandledCommand), and an update (cancel) handled in that task was lost. Before it, the run
 * returned once each host had signalled its end.
 */
export const CLOSE_AFTER_HOST_RESULTS_PATCH = 'ibfleet-close-after-host-results';

/** What every host of one rollout runs. */
export interface HostLaunch {
  rolloutId: string;
  procedure: ProcedureName;
  params: Record<string, unknown>;
  hostOptions: HostOptions;
  /** The vSAN hosts the launcher knows, by cluster (only for procedures the vSAN limit applies to). */
  vsanHosts?: ReadonlyMap<string, readonly HostRef[]>;
  /** The fleet-wide limit: a slot of the host's cluster lease is taken before the host starts. */
  leases?: ClusterLeases;
  /** The host workflows this run started (or is starting) whose result has not come back yet. */
  openChildren: number;
}

export interface HostCallbacks {
  /** The child started: its run ID. */
  started(runId: string): void;
  finished(f: HostFinished): void;
}

/** Starts the host's workflow; its start and its end come back through `on`. */
export function launchHost(launch: HostLaunch, target: TargetRef, h: HostProgress, on: HostCallbacks): void {
  const childInput: ProcedureInput = {
    procedure: launch.procedure,
    target,
    params: launch.params,
    options: launch.hostOptions,
    rolloutId: launch.rolloutId,
  };
  const vsanPeers = launch.vsanHosts && vsanPeersOf(target, launch.vsanHosts);
  if (vsanPeers) childInput.vsanPeers = vsanPeers;
  // This launch's run of the host: its end is told with it, whatever run the host is at by then.
  let runId: string | undefined;
  const run = async () => {
    if (launch.leases) {
      const lease = await launch.leases.acquire(target);
      if (!lease.held) return on.finished(notStarted(h, lease.outcome, lease.reason));
    }
    launch.openChildren += 1;
    try {
      const child = await startChild(procedures[launch.procedure].workflowType, {
        workflowId: targetWorkflowId(target),
        args: [childInput],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: `${launch.procedure} on ${target.name} (rollout ${launch.rolloutId})`,
        typedSearchAttributes: [
          { key: IbHost, value: target.name },
          { key: IbCluster, value: h.cluster },
          { key: IbProcedure, value: launch.procedure },
          { key: IbRolloutId, value: launch.rolloutId },
          { key: IbPhase, value: 'starting' },
        ],
      });
      runId = child.firstExecutionRunId;
      on.started(runId);
      const report = (await child.result()) as ProcedureReport;
      on.finished(hostFinishedFrom(report, child.firstExecutionRunId));
    } finally {
      launch.openChildren -= 1;
    }
  };
  // Children outlive the rollout's own cancellation: in-flight hosts finish at a safe point.
  CancellationScope.nonCancellable(run).catch((err: unknown) =>
    on.finished(fromFailure({ name: h.name, startedAt: h.startedAt, runId }, err)),
  );
}

/** Waits (since CLOSE_AFTER_HOST_RESULTS_PATCH) until every host workflow this run started has returned its result. */
export async function awaitHostResults(launch: HostLaunch): Promise<void> {
  if (patched(CLOSE_AFTER_HOST_RESULTS_PATCH)) await condition(() => launch.openChildren === 0);
}

/** Asks hosts in flight to stop at their next safe point (before changing anything) or finish. */
export function stopHosts(targets: readonly TargetRef[], reason: string): void {
  for (const target of targets) {
    getExternalWorkflowHandle(targetWorkflowId(target))
      .signal(stopAtSafePointSignal, reason)
      .catch((err: unknown) =>
        log.warn('could not ask a host to stop', { host: target.name, error: classify(err).message }),
      );
  }
}

/** A host that did not start, and why. */
export function notStarted(
  h: Pick<HostProgress, 'name' | 'startedAt'>,
  outcome: 'cancelled' | 'needs-attention',
  reason: string,
): HostFinished {
  const now = new Date().toISOString();
  return {
    name: h.name,
    runId: '',
    outcome,
    reason,
    reboots: 0,
    startedAt: h.startedAt ?? now,
    finishedAt: now,
  };
}

/** A child that failed carries its report in the failure's details; one that could not start does not. */
function fromFailure(h: Pick<HostProgress, 'name' | 'startedAt' | 'runId'>, err: unknown): HostFinished {
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
