import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { startShards } from '../../client/rollout/shards';
import { ROLLOUT_WORKFLOW_TYPE, type RolloutWorkflow } from '../../client/rollout/start';
import type { TemporalAccess } from '../../client/deps';
import { rolloutOptionsSchema, type RolloutInput, type RolloutOptions } from '../../common/rollout';
import {
  rolloutShardWorkflowId,
  rolloutStartInput,
  shardInputs,
  type ShardInput,
  type ShardReport,
} from '../../common/rollout-shards';
import { IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId, targetWorkflowId, type HostRef } from '../../common/targets';
import { rolloutProgressQuery } from '../../workflows/messages';
import { releaseStubHostSignal } from '../fixtures/mocked-rollout-messages';
import { fastHostOptions } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';

// A sharded rollout (rollout → shard workflows → hosts) with stub hosts that hold until released
// (test/fixtures/stub-rollout-workflows.ts): the window is filled across shards, and the shards of a
// rollout that ended without closing them (terminated from outside) notice and close on their own.
// Deterministic: hosts run until the test says so.

describe('rollouts: a sharded rollout with stub hosts that hold until released', function () {
  this.timeout(120_000);
  let worker: Worker;
  let running: Promise<void>;
  let access: TemporalAccess;
  const taskQueue = uniqueTaskQueue('sharded-stub');
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  let counter = 0;

  before(async () => {
    const env = await testEnv();
    access = { client: env.client, namespace: env.namespace ?? 'default', close: () => Promise.resolve() };
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/stub-rollout-workflows')),
      activities: { checkCredentials: () => Promise.resolve({ problems: [], distinctReferences: 1 }) },
    });
    running = worker.run();
  });
  after(async () => {
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
    worker?.shutdown();
    await running;
  });

  /** `n` stub hosts that hold until released, named `<prefix>-NN`. */
  function holdingHosts(prefix: string, n: number): HostRef[] {
    return Array.from({ length: n }, (_, i) => ({
      kind: 'esxi',
      name: `${prefix}-${String(i).padStart(2, '0')}`,
      address: `127.0.0.${i + 1}`,
      port: 22,
      username: 'root',
      hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
      cluster: 'c1',
      tags: ['hold'],
    }));
  }

  function shardedInput(
    targets: HostRef[],
    perShard: number,
    options: Partial<RolloutOptions>,
  ): RolloutInput {
    counter += 1;
    return {
      rolloutId: `shs${process.pid}-${counter}`,
      procedure: 'preflight',
      params: {},
      targets,
      inventory: { targets: targets.length, shards: Math.ceil(targets.length / perShard), perShard },
      options: rolloutOptionsSchema.parse({ host: fastHostOptions, canary: 0, perCluster: 0, ...options }),
      startedBy: 'test',
    };
  }

  /** The rollout and its shards as the CLI starts them, each shard's input adjusted by `shard`. */
  async function start(input: RolloutInput, shard: (s: ShardInput) => ShardInput = (s) => s) {
    const handle = await access.client.workflow.start<RolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
      workflowId: rolloutWorkflowId(input.rolloutId),
      taskQueue,
      args: [rolloutStartInput(input)],
      typedSearchAttributes: [{ key: IbRolloutId, value: input.rolloutId }],
    });
    await startShards(access, handle, input, shardInputs(input).map(shard));
    return handle;
  }

  /** Waits (bounded) until every host's workflow runs. */
  async function untilRunning(hosts: HostRef[]): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const statuses = await Promise.all(
        hosts.map((h) =>
          access.client.workflow
            .getHandle(targetWorkflowId(h))
            .describe()
            .then(
              (d) => d.status.name,
              () => 'NOT_STARTED',
            ),
        ),
      );
      if (statuses.every((s) => s === 'RUNNING')) return;
      assert.ok(Date.now() < deadline, `hosts never all ran: ${statuses.join(' ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits (bounded) until the workflow's history shows a signal it sent was delivered. */
  async function untilSignalled(workflowId: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const history = await access.client.workflow.getHandle(workflowId).fetchHistory();
      if (history.events?.some((e) => e.externalWorkflowExecutionSignaledEventAttributes)) return;
      assert.ok(Date.now() < deadline, `${workflowId} never signalled`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('fills the window across shards: as many hosts run at once as --max-parallel allows, no more', async () => {
    const hosts = holdingHosts('shs-win', 12);
    const input = shardedInput(hosts, 4, { maxParallel: 10 });
    const handle = await start(input);
    // Hosts #0-#9 of the three shards all run (each holds until released); #10 and #11 wait for a slot.
    await untilRunning(hosts.slice(0, 10));
    const progress = await handle.query(rolloutProgressQuery);
    assert.deepEqual(
      { running: progress.counts.running, pending: progress.counts.pending },
      { running: 10, pending: 2 },
    );
    for (const h of hosts.slice(10))
      await assert.rejects(
        access.client.workflow.getHandle(targetWorkflowId(h)).describe(),
        WorkflowNotFoundError,
        `${h.name} waits for a slot`,
      );
    // Each release frees a slot: the last two start, and everything ends.
    for (const h of hosts.slice(0, 2))
      await access.client.workflow.getHandle(targetWorkflowId(h)).signal(releaseStubHostSignal);
    await untilRunning(hosts.slice(10));
    for (const h of hosts.slice(2))
      await access.client.workflow.getHandle(targetWorkflowId(h)).signal(releaseStubHostSignal);
    const report = await handle.result();
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.equal(report.counts.succeeded, 12);
  });

  it('a terminated rollout: each shard notices (a failed signal, or its periodic check when idle), stops its hosts at a safe point and closes', async () => {
    const hosts = holdingHosts('shs-run', 8);
    const input = shardedInput(hosts, 4, { maxParallel: 6 });
    // Shard 0 checks only every 5 minutes: it must learn it from its own signal (a host's end);
    // shard 1 checks every 300 ms.
    const handle = await start(input, (s) => (s.shard === 1 ? { ...s, rolloutCheckIntervalMs: 300 } : s));
    const inFlight = hosts.slice(0, 6);
    await untilRunning(inFlight);

    await handle.terminate('terminated from the Temporal UI');
    await access.client.workflow.getHandle(targetWorkflowId(hosts[0])).signal(releaseStubHostSignal);

    const [first, second] = await Promise.all(
      [0, 1].map(
        (n) =>
          access.client.workflow
            .getHandle(rolloutShardWorkflowId(input.rolloutId, n))
            .result() as Promise<ShardReport>,
      ),
    );
    const all = [...first.hosts, ...second.hosts];
    assert.deepEqual(
      all.map((h) => `${h.name} ${h.phase}`),
      [
        'shs-run-00 succeeded',
        'shs-run-01 cancelled',
        'shs-run-02 cancelled',
        'shs-run-03 cancelled',
        'shs-run-04 cancelled',
        'shs-run-05 cancelled',
        'shs-run-06 skipped',
        'shs-run-07 skipped',
      ],
    );
    const ended = new RegExp(`rollout ${input.rolloutId} ended without closing its shards`);
    for (const h of all.filter((x) => x.phase === 'cancelled')) {
      assert.match(h.reason ?? '', ended, `${h.name}: ${h.reason}`);
      assert.equal(h.stoppedInStep, 'verify-cards-recovery', `${h.name} stopped at its safe point`);
    }
    for (const h of all.filter((x) => x.phase === 'skipped'))
      assert.match(h.reason ?? '', new RegExp(`^not started: ${ended.source}`), h.name);
    for (const h of inFlight)
      assert.notEqual(
        (await access.client.workflow.getHandle(targetWorkflowId(h)).describe()).status.name,
        'RUNNING',
        `${h.name} ended`,
      );
  });

  it('a terminated rollout whose shards are idle (it waited for a shard never started): they notice by their periodic check and close', async () => {
    const hosts = holdingHosts('shs-idle', 6);
    const input = shardedInput(hosts, 2, { maxParallel: 6 });
    const handle = await access.client.workflow.start<RolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
      workflowId: rolloutWorkflowId(input.rolloutId),
      taskQueue,
      args: [rolloutStartInput(input)],
      typedSearchAttributes: [{ key: IbRolloutId, value: input.rolloutId }],
    });
    // A start cut short: the third shard never started, so the rollout waits and no host starts.
    const shards = shardInputs(input)
      .slice(0, 2)
      .map((s) => ({ ...s, rolloutCheckIntervalMs: 300 }));
    await startShards(access, handle, input, shards);
    // Both reported ready (idle from then on: the rollout waits for the third), then it is terminated.
    for (const s of shards) await untilSignalled(rolloutShardWorkflowId(input.rolloutId, s.shard));
    await handle.terminate('terminated from the Temporal UI');
    const reports = await Promise.all(
      shards.map(
        (s) =>
          access.client.workflow
            .getHandle(rolloutShardWorkflowId(input.rolloutId, s.shard))
            .result() as Promise<ShardReport>,
      ),
    );
    const all = reports.flatMap((r) => r.hosts);
    assert.deepEqual(
      all.map((h) => h.phase),
      ['skipped', 'skipped', 'skipped', 'skipped'],
    );
    for (const h of all)
      assert.match(
        h.reason ?? '',
        new RegExp(`^not started: rollout ${input.rolloutId} ended without closing its shards`),
      );
  });
});
