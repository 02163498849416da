import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import {
  largestEvents,
  largestHistories,
  shardRunHistories,
  shardWorkflowIds,
  workflowRunHistories,
  type RunHistory,
} from '../../bench/largest-history';
import type { IbfleetResult } from '../../bench/measure-rollout';
import { largestHistoryText } from '../../bench/report-extras';
import { rolloutShardWorkflowId } from '../../common/rollout-shards';

// The benchmark's "largest history" covers every workflow of a rollout: its own runs, its shard
// workflows' runs (a sharded rollout, each shard possibly continued as new) and its hosts, and the
// results name the largest of each kind. Read from a fake client: no server.

/** A fake Temporal client: each workflow ID's runs, oldest first, as history lengths. */
function fakeClient(runs: Record<string, { runId: string; events: number }[]>): {
  client: Client;
  fetched: string[];
} {
  const fetched: string[] = [];
  const handle = (workflowId: string, runId?: string) => {
    const chain = runs[workflowId];
    if (!chain) throw new Error(`unknown workflow ${workflowId}`);
    return {
      describe: () => Promise.resolve({ runId: chain[chain.length - 1].runId }),
      fetchHistory: () => {
        const i = chain.findIndex((r) => r.runId === runId);
        if (i < 0) throw new Error(`${workflowId}: no run ${runId}`);
        fetched.push(`${workflowId}@${runId}`);
        const started = {
          workflowExecutionStartedEventAttributes:
            i > 0 ? { continuedExecutionRunId: chain[i - 1].runId } : {},
        };
        return Promise.resolve({
          events: [started, ...Array.from({ length: chain[i].events - 1 }, () => ({}))],
        });
      },
    };
  };
  return { client: { workflow: { getHandle: handle } } as unknown as Client, fetched };
}

describe('bench: largest history of each kind', () => {
  it('names the shard workflows of a rollout as the client starts them', () => {
    const ids = shardWorkflowIds('r1', 3);
    assert.deepEqual(
      ids,
      [0, 1, 2].map((i) => rolloutShardWorkflowId('r1', i)),
    );
    assert.equal(ids[2], 'ibfleet/rollout/r1/shard/2');
    assert.deepEqual(shardWorkflowIds('r1', 0), []);
  });

  it('follows each run of a workflow back through continue-as-new, oldest first', async () => {
    const { client } = fakeClient({
      'ibfleet/rollout/r1/shard/0': [
        { runId: 'a', events: 9_800 },
        { runId: 'b', events: 4_000 },
        { runId: 'c', events: 120 },
      ],
    });
    assert.deepEqual(await workflowRunHistories(client, 'ibfleet/rollout/r1/shard/0'), [
      { workflowId: 'ibfleet/rollout/r1/shard/0', runId: 'a', events: 9_800 },
      { workflowId: 'ibfleet/rollout/r1/shard/0', runId: 'b', events: 4_000 },
      { workflowId: 'ibfleet/rollout/r1/shard/0', runId: 'c', events: 120 },
    ]);
  });

  it('reads every run of every shard, in shard order', async () => {
    const { client, fetched } = fakeClient({
      'ibfleet/rollout/r1/shard/0': [{ runId: 's0', events: 1_200 }],
      'ibfleet/rollout/r1/shard/1': [
        { runId: 's1a', events: 5_210 },
        { runId: 's1b', events: 300 },
      ],
      'ibfleet/rollout/r1/shard/2': [{ runId: 's2', events: 900 }],
    });
    const runs = await shardRunHistories(client, 'r1', 3);
    assert.deepEqual(
      runs.map((r) => `${r.workflowId}@${r.runId}:${r.events}`),
      [
        'ibfleet/rollout/r1/shard/0@s0:1200',
        'ibfleet/rollout/r1/shard/1@s1a:5210',
        'ibfleet/rollout/r1/shard/1@s1b:300',
        'ibfleet/rollout/r1/shard/2@s2:900',
      ],
    );
    assert.equal(fetched.length, 4);
  });

  it('keeps the rollout, shard and host largest apart, and the overall largest counts the shards', () => {
    const run = (workflowId: string, events: number): RunHistory => ({ workflowId, runId: 'x', events });
    const largest = largestHistories({
      rollout: [run('ibfleet/rollout/r1', 1_389), run('ibfleet/rollout/r1', 1_436)],
      shards: [run('ibfleet/rollout/r1/shard/0', 4_900), run('ibfleet/rollout/r1/shard/3', 5_210)],
      hosts: [run('ibfleet/host/esx-1', 57), run('ibfleet/host/esx-2', 61)],
    });
    assert.equal(largest?.rollout.events, 1_436);
    assert.equal(largest?.shard?.workflowId, 'ibfleet/rollout/r1/shard/3');
    assert.equal(largest?.host?.workflowId, 'ibfleet/host/esx-2');
    // Without the shards the largest would be the rollout's 1,436 events.
    assert.equal(largestEvents(largest), 5_210);

    const unsharded = largestHistories({ rollout: [run('ibfleet/rollout/r2', 30)], shards: [], hosts: [] });
    assert.deepEqual(Object.keys(unsharded ?? {}), ['rollout']);
    assert.equal(largestHistories({ rollout: [], shards: [], hosts: [] }), undefined);
  });

  it('the results name the largest of each kind over several rollouts, and nothing for older results', () => {
    const result = (largestHistory: IbfleetResult['largestHistory']) => ({ largestHistory }) as IbfleetResult;
    const run = (workflowId: string, events: number): RunHistory => ({ workflowId, events });
    const text = largestHistoryText([
      result({ rollout: run('ibfleet/rollout/p', 1_389), shard: run('ibfleet/rollout/p/shard/1', 3_000) }),
      result({
        rollout: run('ibfleet/rollout/q', 1_436),
        shard: run('ibfleet/rollout/q/shard/2', 5_210),
        host: run('ibfleet/host/esx-7', 61),
      }),
    ]);
    assert.equal(
      text,
      'rollout 1436 (ibfleet/rollout/q), shard 5210 (ibfleet/rollout/q/shard/2), host 61 (ibfleet/host/esx-7)',
    );
    assert.equal(largestHistoryText([result(undefined)]), undefined);
  });
});
