import { WorkflowFailedError } from '@temporalio/client';
import { forEachLimited } from '../../common/for-each-limited';
import type { Timing } from '../../common/procedures';
import type { ReadSwitchInput, ReadSwitchResult } from '../../workflows/switch-read';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';
import { errorText } from '../rollout/snapshot';
import { planSwitch, type DeclaredSwitch, type SwitchPlan } from './fabric-plan';
import { planWorkflowId } from './read-plans';

// `ibfleet plan` (and `apply`, to run switch-sm-virt only where needed) reads each declared switch
// through the worker: one short read-only workflow per switch (readSwitchWorkflow), ID
// ibfleet/plan/<plan id>/<switch>, never colliding with the switch's own procedure workflow.

const READ_SWITCH_WORKFLOW = 'readSwitchWorkflow';

/** Each declared switch's plan (or why it could not be read), in the order of `switches`. */
export async function readSwitchPlans(
  temporal: TemporalAccess,
  o: { planId: string; switches: readonly DeclaredSwitch[]; timing: Timing; concurrency: number },
): Promise<SwitchPlan[]> {
  const plans = new Map<string, SwitchPlan>();
  await forEachLimited(o.switches, o.concurrency, async (declared) => {
    const input: ReadSwitchInput = { target: declared.ref, timing: o.timing };
    try {
      const handle = await temporal.client.workflow.start(READ_SWITCH_WORKFLOW, {
        workflowId: planWorkflowId(o.planId, declared.ref.name),
        taskQueue: taskQueue(),
        args: [input],
        staticSummary: `plan (read only) of switch ${declared.ref.name}`,
      });
      plans.set(declared.ref.name, planSwitch(declared, (await handle.result()) as ReadSwitchResult));
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      plans.set(declared.ref.name, planSwitch(declared, { error: cause ? cause.message : errorText(err) }));
    }
  });
  return o.switches.map((s) => plans.get(s.ref.name) ?? planSwitch(s, { error: 'not read' }));
}
