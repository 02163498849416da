import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { forEachLimited } from '../common/for-each-limited';
import { rolloutShardWorkflowId } from '../common/rollout-shards';

// The largest history of each kind of workflow a rollout runs: the rollout (every run after
// continue-as-new), its shard workflows (a sharded rollout, above MAX_INLINE_TARGETS targets; each may
// continue as new too) and its host workflows. Temporal's limits apply to each run's history, so the
// largest run of each kind is what the results compare with the 10,000-event target.

/** One run of a workflow and the length of its history. */
export interface RunHistory {
  workflowId: string;
  /** Absent when the host's run was not reported. */
  runId?: string;
  events: number;
}

export interface LargestHistories {
  rollout: RunHistory;
  /** Absent when the rollout was not sharded. */
  shard?: RunHistory;
  /** Absent when no host history was read. */
  host?: RunHistory;
}

/** The run with the most events (the first of equals), or undefined for none. */
export function largestRun(runs: readonly RunHistory[]): RunHistory | undefined {
  let best: RunHistory | undefined;
  for (const r of runs) if (!best || r.events > best.events) best = r;
  return best;
}

/** Largest of each kind; undefined when the rollout's own runs were not read. */
export function largestHistories(runs: {
  rollout: readonly RunHistory[];
  shards: readonly RunHistory[];
  hosts: readonly RunHistory[];
}): LargestHistories | undefined {
  const rollout = largestRun(runs.rollout);
  if (!rollout) return undefined;
  const shard = largestRun(runs.shards);
  const host = largestRun(runs.hosts);
  return { rollout, ...(shard ? { shard } : {}), ...(host ? { host } : {}) };
}

/** The largest of all kinds, in events (0 when nothing was read). */
export function largestEvents(l: LargestHistories | undefined): number {
  return Math.max(0, l?.rollout.events ?? 0, l?.shard?.events ?? 0, l?.host?.events ?? 0);
}

/** The workflow IDs of a sharded rollout's shards (shards 0 … count − 1). */
export function shardWorkflowIds(rolloutId: string, count: number): string[] {
  return Array.from({ length: count }, (_, shard) => rolloutShardWorkflowId(rolloutId, shard));
}

/**
 * Every run of a workflow, oldest first: from its latest run back through each run's
 * continuedExecutionRunId (the run it continued as new from).
 */
export async function workflowRunHistories(
  client: Client,
  workflowId: string,
  maxRuns = 50,
): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId && runs.length < maxRuns) {
    const history: temporal.api.history.v1.IHistory = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    runs.unshift({ workflowId, runId, events: events.length });
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    runId = previous || undefined;
  }
  return runs;
}

/** Every run of every shard of a sharded rollout (none when `count` is 0). */
export async function shardRunHistories(
  client: Client,
  rolloutId: string,
  count: number,
  concurrency = 4,
): Promise<RunHistory[]> {
  const byShard: RunHistory[][] = [];
  const ids = shardWorkflowIds(rolloutId, count);
  await forEachLimited(
    ids.map((id, i) => ({ id, i })),
    concurrency,
    async ({ id, i }) => {
      byShard[i] = await workflowRunHistories(client, id);
    },
  );
  return byShard.flat();
}
