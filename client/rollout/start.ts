import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { RolloutInput, RolloutReport } from '../../common/rollout';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { UsageError } from '../cli-error';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';

// Starting the rollout workflow (written elsewhere; this is the agreed interface: type name, input,
// workflow ID, task queue and search attributes).

export const ROLLOUT_WORKFLOW_TYPE = 'rolloutWorkflow';

export type RolloutWorkflow = (input: RolloutInput) => Promise<RolloutReport>;

export class RolloutExistsError extends UsageError {}

export async function startRolloutWorkflow(temporal: TemporalAccess, input: RolloutInput): Promise<WorkflowHandle<RolloutWorkflow>> {
  const workflowId = rolloutWorkflowId(input.rolloutId);
  try {
    return await temporal.client.workflow.start<RolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: taskQueue(),
      args: [input],
      // A rollout ID names one audit trail forever: never reuse it, even after it closed.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: IbRolloutId, value: input.rolloutId },
        { key: IbProcedure, value: input.procedure },
        { key: IbPhase, value: 'running' },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RolloutExistsError(
        `a rollout with ID "${input.rolloutId}" already exists (workflow ${workflowId}, running or closed); ` +
          'rollout IDs are never reused: choose another --id, or omit --id to generate one',
      );
    throw err;
  }
}
