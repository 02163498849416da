// Workflows for the gate tests: wait for gates as the rollout will, recording why it waited.
import type { Gate, GateDecision, GateTiming } from '../../common/gates';
import { waitForGates } from '../../workflows/gates';

export async function gateWaitWorkflow(
  gates: Gate[],
  timing: GateTiming,
): Promise<{ decision: GateDecision; waits: string[] }> {
  const waits: string[] = [];
  const { decision } = await waitForGates('gate-test', gates, timing, {}, (d) => waits.push(d.reason));
  return { decision, waits };
}
