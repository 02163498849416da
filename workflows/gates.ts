import { CancellationScope, proxyActivities, sleep } from '@temporalio/workflow';
import type { GateActivities } from '../activities/gates';
import {
  decideAfterCheck,
  type Gate,
  type GateCheck,
  type GateDecision,
  type GateState,
  type GateTiming,
} from '../common/gates';

// Health gates in workflow code: one check is an activity (the worker calls the endpoints and runs the
// commands); what follows from it is the pure controller (common/gates/controller.ts) on the workflow's
// clock. A check is cheap and read-only, so a lost attempt is simply repeated.

const { evaluateGates } = proxyActivities<GateActivities>({
  // Every gate runs at once, each bounded (10 s per request, 30 s per command).
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidInput'] },
  summary: 'check the health gates',
});

/** Runs every gate once; the check is stamped with the workflow's time. */
export async function checkGates(rolloutId: string, gates: readonly Gate[]): Promise<GateCheck> {
  const { results } = await evaluateGates({ rolloutId, gates: [...gates] });
  return { atMs: Date.now(), results };
}

/**
 * Checks the gates until they pass ('start') or the controller pauses ('pause'), sleeping the poll
 * interval (a durable timer) in between; `onWait` hears each reason for waiting (for the live view).
 * Cancellable with the caller's scope.
 */
export async function waitForGates(
  rolloutId: string,
  gates: readonly Gate[],
  timing: GateTiming,
  state: GateState,
  onWait: (decision: Extract<GateDecision, { action: 'wait' }>, state: GateState) => void = () => undefined,
): Promise<{ state: GateState; decision: Exclude<GateDecision, { action: 'wait' }> }> {
  let current = state;
  for (;;) {
    const check = await checkGates(rolloutId, gates);
    const { state: next, decision } = decideAfterCheck(current, check, timing);
    current = next;
    if (decision.action !== 'wait') return { state: current, decision };
    onWait(decision, current);
    await CancellationScope.cancellable(() => sleep(Math.max(1, decision.recheckAtMs - Date.now())));
  }
}
