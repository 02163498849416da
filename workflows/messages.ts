import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProcedureReport } from '../common/reports';
import type { ProgressRequest, RolloutPhase, RolloutProgress } from '../common/rollout';

// Messages of the rollout workflow and the host procedure workflows. The client imports these
// definitions, so names live in exactly one place.

/**
 * Progress of a rollout (counts, budget, elapsed, ETA, hosts). A query: it never writes history. Hosts:
 * every one by default up to MAX_INLINE_TARGETS, else (or with `{ hosts: 'active' }`) the active ones.
 */
export const rolloutProgressQuery = defineQuery<RolloutProgress, [request?: ProgressRequest]>(
  'rolloutProgress',
);

/** Let the rollout continue past the canary. Returns the phase after the update. */
export const approveUpdate = defineUpdate<RolloutPhase, [reason: string]>('approve');
/** Stop starting new hosts; hosts in flight go on. */
export const pauseUpdate = defineUpdate<RolloutPhase, [reason: string]>('pause');
export const resumeUpdate = defineUpdate<RolloutPhase, [reason: string]>('resume');
/** Start no new host; hosts in flight finish at a safe point; then the rollout ends as cancelled. */
export const cancelUpdate = defineUpdate<RolloutPhase, [reason: string]>('cancel');

export interface HostStepProgress {
  procedure: string;
  target: string;
  /** Current step name, or "done". */
  step: string;
  /** A live line about the current step, e.g. "waiting for 3 VMs to stop: a, b, c". */
  detail?: string;
  stepsDone: string[];
  reboots: number;
}
/** Where a host procedure is: its current step and the steps done. */
export const hostProgressQuery = defineQuery<HostStepProgress>('hostProgress');

/** Ask a host procedure to stop at its next safe point (before it changes anything, or when done). */
export const stopAtSafePointSignal = defineSignal<[reason: string]>('stopAtSafePoint');

/**
 * What a host procedure tells its rollout when it ends (sent by signal, so it reaches the rollout's
 * current run): its name and run, and these fields of its report.
 */
export interface HostFinished extends Pick<
  ProcedureReport,
  | 'outcome'
  | 'reason'
  | 'failureType'
  | 'stoppedInStep'
  | 'leftMidCycle'
  | 'reboots'
  | 'startedAt'
  | 'finishedAt'
> {
  name: string;
  runId: string;
}
export const hostFinishedSignal = defineSignal<[HostFinished]>('hostFinished');
