import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { RolloutInput, RolloutReport } from '../../common/rollout';
import {
  ROLLOUT_SHARD_WORKFLOW_TYPE,
  rolloutShardWorkflowId,
  rolloutStartInput,
  shardInputs,
} from '../../common/rollout-shards';
import { forEachLimited } from '../../common/for-each-limited';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { CliFailure, UsageError } from '../cli-error';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';
import { isPayloadSizeRefusal, serverSizeRefusal } from './input-size';

// Starting the rollout workflow (the agreed interface: type name, input, workflow ID, task queue and
// search attributes). Up to MAX_INLINE_TARGETS targets travel in the input; a larger rollout is started
// with their number only, then its shard workflows, each with a slice of them (common/rollout-shards.ts).

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

/** Shard workflows started at once for a sharded rollout. */
const SHARD_START_CONCURRENCY = 4;

export async function startRolloutWorkflow(
  temporal: TemporalAccess,
  input: RolloutInput,
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
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new RolloutExistsError(
        `a rollout with ID "${input.rolloutId}" already exists (workflow ${workflowId}, running or closed); ` +
          'rollout IDs are never reused: choose another --id, or omit --id to generate one',
      );
    throw err;
  }
  if (header.inventory) await startShards(temporal, handle, input);
  return handle;
}

/**
 * Starts a sharded rollout's shard workflows, each with its slice of the targets as its input (the
 * rollout waits for every one to report ready before any host starts). If one cannot start, the
 * rollout is cancelled and the shards started are ended: no host was touched.
 */
async function startShards(
  temporal: TemporalAccess,
  handle: WorkflowHandle<RolloutWorkflow>,
  input: RolloutInput,
): Promise<void> {
  const shards = shardInputs(input);
  const started: string[] = [];
  try {
    await forEachLimited(shards, SHARD_START_CONCURRENCY, async (shard) => {
      const workflowId = rolloutShardWorkflowId(input.rolloutId, shard.shard);
      await temporal.client.workflow.start(ROLLOUT_SHARD_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: taskQueue(),
        args: [shard],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `shard ${shard.shard} of rollout ${input.rolloutId}: targets #${shard.offset} to #${shard.offset + shard.targets.length - 1}`,
        typedSearchAttributes: [
          { key: IbRolloutId, value: input.rolloutId },
          { key: IbProcedure, value: input.procedure },
          { key: IbPhase, value: 'running' },
        ],
      });
      started.push(workflowId);
    });
  } catch (err) {
    // Cancelled while it waits for its shards, the rollout closes those that reported and ends.
    await handle.cancel().catch(() => undefined);
    const why = 'shard workflows of the rollout could not start: ' + (err as Error).message;
    await forEachLimited(started, SHARD_START_CONCURRENCY, (id) =>
      temporal.client.workflow
        .getHandle(id)
        .terminate(why)
        .then(
          () => undefined,
          () => undefined,
        ),
    );
    if (isPayloadSizeRefusal(err))
      throw await serverSizeRefusal(input, temporal.client.options.loadedDataConverter, err);
    throw new CliFailure(
      `rollout ${input.rolloutId}: ${why}; the rollout was cancelled before any host was touched`,
    );
  }
}
