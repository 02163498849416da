import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { RolloutInput, RolloutReport } from '../../common/rollout';
import { rolloutStartInput, shardInputs } from '../../common/rollout-shards';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { UsageError } from '../cli-error';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';
import { isPayloadSizeRefusal, serverSizeRefusal } from './input-size';
import { startMissingShards, startShards } from './shards';

// Starting the rollout workflow (the agreed interface: type name, input, workflow ID, task queue and
// search attributes). Up to MAX_INLINE_TARGETS targets travel in the input; a larger rollout is started
// with their number only, then its shard workflows, each with a slice of them (shards.ts).

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

/**
 * Starts the rollout and, for a sharded one, its shards; `say` hears what the operator should know on
 * the way (how to finish a start that gets cut short). The same start again, after one cut short
 * between the rollout and its shards, starts the missing shards (shards.ts).
 */
export async function startRolloutWorkflow(
  temporal: TemporalAccess,
  input: RolloutInput,
  say: (line: string) => void = () => undefined,
): Promise<WorkflowHandle<RolloutWorkflow>> {
  const workflowId = rolloutWorkflowId(input.rolloutId);
  const header = rolloutStartInput(input);
  let handle: WorkflowHandle<RolloutWorkflow>;
  try {
    handle = await temporal.client.workflow.start<RolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: taskQueue(),
      args: [header],
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
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const shards = header.inventory?.shards;
      const started = shards ? await startMissingShards(temporal, input, header) : undefined;
      if (started !== undefined) {
        say(
          `rollout ${input.rolloutId} was waiting for its shards: started the ${started} missing shard workflow(s) of ${shards}`,
        );
        return temporal.client.workflow.getHandle<RolloutWorkflow>(workflowId);
      }
      throw new RolloutExistsError(
        `a rollout with ID "${input.rolloutId}" already exists (workflow ${workflowId}, running or closed); ` +
          'rollout IDs are never reused: choose another --id, or omit --id to generate one',
      );
    }
    throw err;
  }
  if (header.inventory) {
    say(
      `rollout ${input.rolloutId} started; starting its ${header.inventory.shards} shard workflows ` +
        `(if this is cut short, the same command with --id ${input.rolloutId} starts the missing ones)`,
    );
    await startShards(temporal, handle, input, shardInputs(input));
  }
  return handle;
}
