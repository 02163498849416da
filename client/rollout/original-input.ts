import { rolloutInputSchema, type RolloutInput } from '../../common/rollout';
import { rolloutShardWorkflowId, type ShardInput } from '../../common/rollout-shards';
import { rolloutWorkflowId } from '../../common/targets';
import { forEachLimited } from '../../common/for-each-limited';
import { CliFailure } from '../cli-error';
import type { TemporalAccess } from '../deps';

// The input a rollout was started with, read from the first event of its first run (a rollout that
// continued-as-new carries other input in later runs); a sharded rollout's targets from its shards'
// inputs. retry needs its targets and options; report needs the options for the audit trail.

async function startedEvent(temporal: TemporalAccess, workflowId: string, runId?: string) {
  const response = await temporal.client.workflowService.getWorkflowExecutionHistory({
    namespace: temporal.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const attrs = response.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!attrs)
    throw new CliFailure(`workflow ${workflowId}: first history event is not WorkflowExecutionStarted`);
  return attrs;
}

/** The first argument of the workflow's first run, decoded as the client encoded it. */
export async function firstInput(temporal: TemporalAccess, workflowId: string): Promise<unknown> {
  let attrs = await startedEvent(temporal, workflowId);
  const firstRunId = attrs.firstExecutionRunId;
  if (firstRunId && attrs.continuedExecutionRunId)
    attrs = await startedEvent(temporal, workflowId, firstRunId);
  const payload = attrs.input?.payloads?.[0];
  if (!payload) throw new CliFailure(`workflow ${workflowId} was started without input`);
  // History holds payloads as encoded by the client: undo the codecs (e.g. encryption) first, last one first.
  const { payloadConverter, payloadCodecs } = temporal.client.options.loadedDataConverter;
  let payloads = [payload];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return payloadConverter.fromPayload(payloads[0]);
}

export async function fetchOriginalInput(temporal: TemporalAccess, rolloutId: string): Promise<RolloutInput> {
  const workflowId = rolloutWorkflowId(rolloutId);
  const parsed = rolloutInputSchema.safeParse(await firstInput(temporal, workflowId));
  if (!parsed.success)
    throw new CliFailure(
      `workflow ${workflowId}: its input is not a rollout input (${parsed.error.issues[0]?.message})`,
    );
  // Checked (every target too) with the schema the rollout workflow checks its input with.
  const input = parsed.data;
  if (!input.inventory) return input;
  const slices: RolloutInput['targets'][] = [];
  const shards = Array.from({ length: input.inventory.shards }, (_, shard) => shard);
  await forEachLimited(shards, 8, async (shard) => {
    const shardInput = (await firstInput(temporal, rolloutShardWorkflowId(rolloutId, shard))) as ShardInput;
    slices[shard] = shardInput.targets;
  });
  const { inventory, ...rest } = input;
  void inventory;
  const withTargets = { ...rest, targets: slices.flat() };
  const check = rolloutInputSchema.safeParse(withTargets);
  if (!check.success)
    throw new CliFailure(
      `rollout ${rolloutId}: the targets in its shards are not valid (${check.error.issues[0]?.message})`,
    );
  return check.data;
}
