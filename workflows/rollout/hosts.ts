import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { procedureWorkflowType, type ProcedureInput, type ProcedureName } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostOptions } from '../../common/procedures';
import type { HostProgress } from '../../common/rollout';
import { IbCluster, IbHost, IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { targetWorkflowId, type TargetRef } from '../../common/targets';
import { classify, hostFinishedFrom } from '../host/procedure-run';
import { stopAtSafePointSignal, type HostFinished } from '../messages';

// Each host runs as a child workflow with its host-derived ID (one procedure per host at a time). It
// outlives the rollout's run (ABANDON: the rollout may continue-as-new while it runs) and reports its
// end twice: by signal to whichever run of its parent is current, and as its result to the run that
// started it. The first report counts.

/** What every host of one rollout runs. */
export interface HostLaunch {
  rolloutId: string;
  procedure: ProcedureName;
  params: Record<string, unknown>;
  hostOptions: HostOptions;
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
  const run = async () => {
    const child = await startChild(procedureWorkflowType[launch.procedure], {
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
    on.started(child.firstExecutionRunId);
    const report = (await child.result()) as ProcedureReport;
    on.finished(hostFinishedFrom(report, child.firstExecutionRunId));
  };
  // Children outlive the rollout's own cancellation: in-flight hosts finish at a safe point.
  CancellationScope.nonCancellable(run).catch((err: unknown) => on.finished(fromFailure(h, err)));
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
