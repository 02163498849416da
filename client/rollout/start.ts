import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { RolloutInput, RolloutReport } from '../../common/rollout';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { UsageError } from '../cli-error';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';
import { isPayloadSizeRefusal, serverSizeRefusal } from './input-size';

// Starting the rollout workflow (written elsewhere; this is the agreed interface: type name, input,
// workflow ID, task queue and search attributes).

export const ROLLOUT_WORKFLOW_TYPE = 'rolloutWorkflow';

export type RolloutWorkflow = (input: RolloutInput) => Promise<RolloutReport>;

/** What the Temporal UI shows under "Details": who started the rollout, and its limits. */
function rolloutStaticDetails(input: RolloutInput): string {
  const o = input.options;
  const budget = 'count' in o.maxFailures ? `${o.maxFailures.count} host(s)` : `${o.maxFailures.percent}%`;
  return [
    `Started by **${input.startedBy}**${input.retryOf ? `, retrying ${input.retryOf}` : ''}.`,
    `Max parallel ${o.maxParallel}, per cluster ${o.perCluster === 0 ? 'unlimited' : o.perCluster}, canary ${o.canary}${o.autoApprove ? ' (auto-approve)' : ''}, failure budget ${budget}.`,
    `Parameters: \`${JSON.stringify(input.params)}\``,
  ].join('\n\n');
}

export class RolloutExistsError extends UsageError {}

export async function startRolloutWorkflow(
  temporal: TemporalAccess,
  input: RolloutInput,
): Promise<WorkflowHandle<RolloutWorkflow>> {
  const workflowId = rolloutWorkflowId(input.rolloutId);
  try {
    return await temporal.client.workflow.start<RolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: taskQueue(),
      args: [input],
      // A rollout ID names one audit trail forever: never reuse it, even after it closed.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `${input.procedure} on ${input.targets.length} target(s) — rollout ${input.rolloutId}`,
      staticDetails: rolloutStaticDetails(input),
      typedSearchAttributes: [
        { key: IbRolloutId, value: input.rolloutId },
        { key: IbProcedure, value: input.procedure },
        { key: IbPhase, value: 'running' },
      ],
    });
  } catch (err) {
    // The CLI checks the size before it starts; a server with a lower limit says so itself.
    if (isPayloadSizeRefusal(err))
      throw await serverSizeRefusal(input, temporal.client.options.loadedDataConverter, err);
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RolloutExistsError(
        `a rollout with ID "${input.rolloutId}" already exists (workflow ${workflowId}, running or closed); ` +
          'rollout IDs are never reused: choose another --id, or omit --id to generate one',
      );
    throw err;
  }
}
