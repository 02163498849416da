import { isDeepStrictEqual } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { RolloutInput } from '../../common/rollout';
import {
  ROLLOUT_SHARD_WORKFLOW_TYPE,
  rolloutShardWorkflowId,
  shardedInventorySchema,
  shardInputs,
  type ShardInput,
} from '../../common/rollout-shards';
import { forEachLimited } from '../../common/for-each-limited';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId } from '../../common/targets';
import { shardCloseSignal, shardStopSignal } from '../../workflows/rollout/shard-messages';
import { CliFailure, UsageError } from '../cli-error';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';
import { isPayloadSizeRefusal, serverSizeRefusal } from './input-size';
import { firstInput } from './original-input';

// The shard workflows of a sharded rollout (common/rollout-shards.ts), as the client handles them. Only
// the client holds the targets, so it starts the shards, right after the rollout. A start cut short
// (the CLI killed in between) leaves the rollout waiting for the missing ones: the same start again
// (same --id) starts them. A rollout terminated from outside cannot close its shards: each notices on
// its own (a signal to the rollout fails, or its check every ROLLOUT_CHECK_INTERVAL_MS when idle),
// stops its hosts at their next safe point and closes; `ibfleet rollout cancel` closes them at once.

/** Shard workflows started (or looked at) at once. */
const SHARD_CONCURRENCY = 4;

/**
 * Starts `shards` of the rollout (the rollout waits for every one to report ready before any host
 * starts). If one cannot start, the rollout is cancelled and the shards started here are ended: no host
 * was touched.
 */
export async function startShards(
  temporal: TemporalAccess,
  rollout: WorkflowHandle,
  input: RolloutInput,
  shards: readonly ShardInput[],
): Promise<void> {
  const started: string[] = [];
  try {
    await forEachLimited(shards, SHARD_CONCURRENCY, async (shard) => {
      const workflowId = rolloutShardWorkflowId(input.rolloutId, shard.shard);
      await temporal.client.workflow
        .start(ROLLOUT_SHARD_WORKFLOW_TYPE, {
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
        })
        .then(
          () => void started.push(workflowId),
          (err: unknown) => {
            // Started meanwhile by another start of the same rollout: the rollout checks what it holds.
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          },
        );
    });
  } catch (err) {
    // Cancelled while it waits for its shards, the rollout closes those that reported and ends.
    await rollout.cancel().catch(() => undefined);
    const why = 'shard workflows of the rollout could not start: ' + (err as Error).message;
    await forEachLimited(started, SHARD_CONCURRENCY, (id) =>
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

/** Whether two start requests of a rollout ask for the same rollout (who sent them aside). */
function sameStart(a: unknown, b: RolloutInput): boolean {
  const plain = (x: unknown) => {
    const { startedBy: _startedBy, ...rest } = JSON.parse(JSON.stringify(x)) as Record<string, unknown>;
    void _startedBy;
    return rest;
  };
  return isDeepStrictEqual(plain(a), plain(b));
}

/** The input a shard workflow was started with; undefined when it does not exist. */
async function shardStartInput(temporal: TemporalAccess, workflowId: string): Promise<unknown> {
  try {
    await temporal.client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  return firstInput(temporal, workflowId);
}

/**
 * The same start again, after one cut short: when the rollout `input` would start already runs with
 * the same start request and waits for shards that were never started, starts those (the shards that
 * exist must hold exactly the targets this start would give them). Returns how many it started, or
 * undefined when this is not such a rollout (then the rollout ID is simply taken).
 */
export async function startMissingShards(
  temporal: TemporalAccess,
  input: RolloutInput,
  startRequest: RolloutInput,
): Promise<number | undefined> {
  const handle = temporal.client.workflow.getHandle(rolloutWorkflowId(input.rolloutId));
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return undefined;
  if (!sameStart(await firstInput(temporal, rolloutWorkflowId(input.rolloutId)), startRequest))
    return undefined;
  const shards = shardInputs(input);
  const missing: ShardInput[] = [];
  const different: string[] = [];
  await forEachLimited(shards, SHARD_CONCURRENCY, async (shard) => {
    const workflowId = rolloutShardWorkflowId(input.rolloutId, shard.shard);
    const existing = await shardStartInput(temporal, workflowId);
    if (existing === undefined) missing.push(shard);
    else if (!isDeepStrictEqual(existing, JSON.parse(JSON.stringify(shard)))) different.push(workflowId);
  });
  if (different.length > 0)
    throw new UsageError(
      `rollout ${input.rolloutId} already runs, but its shard workflow(s) ${different.sort().join(', ')} hold other ` +
        'targets than this start would give them (did the inventory or --select change?); nothing was started',
    );
  if (missing.length === 0) return undefined;
  missing.sort((a, b) => a.shard - b.shard);
  await startShards(temporal, handle, input, missing);
  return missing.length;
}

/** The shard workflows of a sharded rollout (none when it is not sharded). */
async function shardCount(temporal: TemporalAccess, rolloutId: string): Promise<number> {
  const start = (await firstInput(temporal, rolloutWorkflowId(rolloutId))) as Partial<RolloutInput>;
  const inventory = shardedInventorySchema.safeParse(start?.inventory);
  return inventory.success ? inventory.data.shards : 0;
}

/** Each shard's workflow status (RUNNING, COMPLETED, ...), or undefined for a shard never started. */
export async function shardStatuses(
  temporal: TemporalAccess,
  rolloutId: string,
): Promise<(string | undefined)[]> {
  const shards = Array.from({ length: await shardCount(temporal, rolloutId) }, (_, shard) => shard);
  const statuses: (string | undefined)[] = [];
  await forEachLimited(shards, SHARD_CONCURRENCY, async (shard) => {
    try {
      const d = await temporal.client.workflow.getHandle(rolloutShardWorkflowId(rolloutId, shard)).describe();
      statuses[shard] = d.status.name;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  });
  return shards.map((shard) => statuses[shard]);
}

/**
 * Closes the shard workflows still running of a rollout that ended without closing them (terminated
 * from outside, or failed): hosts in flight are asked to stop at their next safe point for `reason`,
 * hosts never started are skipped ("not started: `reason`"). Returns how many shards it reached.
 */
export async function closeLeftoverShards(
  temporal: TemporalAccess,
  rolloutId: string,
  reason: string,
): Promise<number> {
  let reached = 0;
  const shards = Array.from({ length: await shardCount(temporal, rolloutId) }, (_, shard) => shard);
  await forEachLimited(shards, SHARD_CONCURRENCY, async (shard) => {
    const handle = temporal.client.workflow.getHandle(rolloutShardWorkflowId(rolloutId, shard));
    try {
      await handle.signal(shardStopSignal, reason);
      await handle.signal(shardCloseSignal, `not started: ${reason}`);
      reached += 1;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // closed already, or never started
    }
  });
  return reached;
}
