import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { parseVmksummaryBoots } from '../../activities/esxi/parsers';
import { allReportHosts } from '../../client/rollout/host-reports';
import { fetchOriginalInput } from '../../client/rollout/original-input';
import { startShards } from '../../client/rollout/shards';
import {
  RolloutExistsError,
  ROLLOUT_WORKFLOW_TYPE,
  startRolloutWorkflow,
  type RolloutWorkflow,
} from '../../client/rollout/start';
import { UsageError } from '../../client/cli-error';
import type { TemporalAccess } from '../../client/deps';
import { rolloutOptionsSchema, type RolloutInput, type RolloutOptions } from '../../common/rollout';
import {
  rolloutShardWorkflowId,
  rolloutStartInput,
  shardInputs,
  type ShardReport,
} from '../../common/rollout-shards';
import { IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId, type HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { approveUpdate, cancelUpdate, pauseUpdate, resumeUpdate } from '../../workflows/messages';
import { harness } from '../client/harness';
import { fastHostOptions, sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maxOverlap, waitForProgress, workIntervals } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';

// A sharded rollout (rollout → shard workflows → hosts) on the simulated fleet, with shards of 4 so a
// dozen hosts make three shards: the rules hold across shards exactly as in a rollout that starts its
// hosts itself — the window and the per-cluster limit (read from the hosts' own logs), the canary and
// approval, pause and resume, the failure budget over the whole rollout — and retry and the audit
// trail read every host back from the shards.

describe('rollouts: a sharded rollout (rollout → shards → hosts) on the simulated fleet', () => {
  let worker: RunningWorker;
  let access: TemporalAccess;
  const taskQueue = uniqueTaskQueue('sharded');
  const fleets: Fleet[] = [];
  let previousQueue: string | undefined;
  let counter = 0;

  async function fleet(prefix: string, hosts: number, clusters: number, extra = {}): Promise<Fleet> {
    const f = await startFleet({
      hosts,
      clusters,
      namePrefix: prefix,
      bootTimeMs: 150,
      controlPort: false,
      ...extra,
    });
    fleets.push(f);
    return f;
  }

  function shardedInput(
    targets: HostRef[],
    perShard: number,
    options: Partial<RolloutOptions>,
    procedure: RolloutInput['procedure'] = 'recovery-cycle',
  ): RolloutInput {
    counter += 1;
    return {
      rolloutId: `sh${process.pid}-${counter}`,
      procedure,
      params: {},
      targets,
      inventory: { targets: targets.length, shards: Math.ceil(targets.length / perShard), perShard },
      options: rolloutOptionsSchema.parse({ host: fastHostOptions, ...options }),
      startedBy: 'test',
    };
  }

  /** Starts through the CLI's own start path, cut into shards of `perShard`. */
  async function start(targets: HostRef[], perShard: number, options: Partial<RolloutOptions>) {
    const input = shardedInput(targets, perShard, options);
    return { input, handle: await startRolloutWorkflow(access, input) };
  }

  /** A start cut short: the rollout, and of its shards only the first `shards` (the CLI was killed then). */
  async function startCutShort(
    input: RolloutInput,
    shards: number,
  ): Promise<WorkflowHandle<RolloutWorkflow>> {
    const handle = await access.client.workflow.start<RolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
      workflowId: rolloutWorkflowId(input.rolloutId),
      taskQueue,
      args: [rolloutStartInput(input)],
      typedSearchAttributes: [{ key: IbRolloutId, value: input.rolloutId }],
    });
    await startShards(access, handle, input, shardInputs(input).slice(0, shards));
    return handle;
  }

  before(async () => {
    const env = await testEnv();
    access = { client: env.client, namespace: env.namespace ?? 'default', close: () => Promise.resolve() };
    previousQueue = process.env.IBFLEET_TASK_QUEUE;
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    if (previousQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = previousQueue;
    await worker?.stop();
    for (const f of fleets) await f.stop();
  });

  it('keeps the window and the per-cluster limit across shards, runs the canary alone until approved, pauses and resumes', async () => {
    const f = await fleet('shw-', 12, 3);
    const hosts = f.inventory.hosts;
    const since = Date.now();
    const { input, handle } = await start(hosts, 4, { maxParallel: 4, perCluster: 2, canary: 1 });

    const waiting = await waitForProgress(handle, (p) => p.phase === 'awaiting-approval');
    assert.equal(waiting.shards, 3);
    assert.equal(waiting.counts.succeeded, 1);
    assert.equal(waiting.counts.pending, 11, 'nothing but the canary ran before approval');
    assert.equal(await handle.executeUpdate(pauseUpdate, { args: ['hold on'] }), 'paused');
    assert.equal(await handle.executeUpdate(approveUpdate, { args: ['canary fine'] }), 'paused');
    assert.equal((await waitForProgress(handle, (p) => p.phase === 'paused')).counts.running, 0);
    assert.equal(await handle.executeUpdate(resumeUpdate, { args: [''] }), 'running');

    const report = await handle.result();
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.equal(report.counts.succeeded, 12);
    const intervals = await workIntervals(hosts, since);
    assert.equal(intervals.length, 12, 'every host was worked on');
    assert.ok(maxOverlap(intervals) <= 4, `at most 4 hosts at once (saw ${maxOverlap(intervals)})`);
    for (const c of new Set(hosts.map((h) => h.cluster))) {
      const inCluster = maxOverlap(intervals, (i) => i.cluster === c);
      assert.ok(inCluster <= 2, `at most 2 hosts of ${c} at once (saw ${inCluster})`);
    }
    const canary = intervals.find((i) => i.host === hosts[0].name)!;
    assert.ok(
      intervals.filter((i) => i.host !== canary.host).every((i) => i.start > canary.end),
      'the canary ran alone',
    );
    const detail = await allReportHosts(access, report);
    assert.deepEqual(
      detail.map((h) => h.name),
      hosts.map((h) => h.name),
    );
    for (const h of hosts) {
      assert.equal(detail.find((d) => d.name === h.name)?.reboots, 2, `${h.name} rebooted twice`);
      assert.ok(parseVmksummaryBoots(await sshRead(h, 'cat /var/log/vmksummary.log')).bootCount >= 3);
    }
    assert.deepEqual(
      (await fetchOriginalInput(access, input.rolloutId)).targets.map((t) => t.name),
      hosts.map((h) => h.name),
      'retry finds every target in the shards',
    );
  });

  it('counts the failure budget over every shard: a host that never returns stops the starts in all of them', async () => {
    const f = await fleet('shb-', 8, 1, { hostOverrides: { 'shb-06': { faults: { neverReturn: true } } } });
    const { handle } = await start(f.inventory.hosts, 4, {
      maxParallel: 1,
      perCluster: 0,
      maxFailures: { count: 0 },
      host: { ...fastHostOptions, timing: { ...fastHostOptions.timing, bootDeadlineMs: 2_000 } },
    });
    const report = await handle.result();
    assert.equal(report.phase, 'failed');
    assert.equal(report.budget.exceeded, true);
    assert.deepEqual(
      {
        succeeded: report.counts.succeeded,
        attention: report.counts['needs-attention'],
        skipped: report.counts.skipped,
      },
      { succeeded: 5, attention: 1, skipped: 2 },
    );
    const detail = await allReportHosts(access, report);
    assert.match(detail.find((h) => h.name === 'shb-06')?.reason ?? '', /did not return/);
    assert.deepEqual(
      detail.filter((h) => h.phase === 'skipped').map((h) => h.name),
      ['shb-07', 'shb-08'],
    );
    assert.match(
      detail.find((h) => h.name === 'shb-08')?.reason ?? '',
      /not started: failure budget exceeded/,
    );
  });

  it('a start cut short between the rollout and its shards: the same start again starts the missing shards, and the rollout runs', async () => {
    const f = await fleet('shr-', 6, 2);
    const input = shardedInput(f.inventory.hosts, 2, { maxParallel: 6, perCluster: 0 }, 'preflight');
    await startCutShort(input, 1);

    const said: string[] = [];
    const handle = await startRolloutWorkflow(access, input, (line) => said.push(line));
    assert.deepEqual(said, [
      `rollout ${input.rolloutId} was waiting for its shards: started the 2 missing shard workflow(s) of 3`,
    ]);
    const report = await handle.result();
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.equal(report.counts.succeeded, 6);

    // Nothing is missing any more: the ID is simply taken. Other targets under the same ID are refused.
    await assert.rejects(startRolloutWorkflow(access, input), RolloutExistsError);
    const reordered = { ...input, targets: [...input.targets].reverse() };
    await assert.rejects(
      startRolloutWorkflow(access, reordered),
      RolloutExistsError,
      'the rollout is closed',
    );
  });

  it('refuses to complete a cut-short start whose shards hold other targets (the inventory changed)', async () => {
    const f = await fleet('shd-', 4, 1);
    const input = shardedInput(f.inventory.hosts, 2, { maxParallel: 1, perCluster: 0 }, 'preflight');
    const handle = await startCutShort(input, 1);
    const status = harness({ connectTemporal: () => Promise.resolve(access) });
    assert.equal(await status.run('rollout', 'status', input.rolloutId), 0, status.stderr());
    assert.match(
      status.stdout(),
      new RegExp(`1 of its 2 shard workflows were never started .*--id ${input.rolloutId} starts them`),
    );
    const swapped = { ...input, targets: [...input.targets].reverse() };
    await assert.rejects(startRolloutWorkflow(access, swapped), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(
        err.message,
        /shard workflow\(s\) \S+\/shard\/0 hold other targets than this start would give them/,
      );
      return true;
    });
    assert.equal(
      (
        await access.client.workflow
          .getHandle(rolloutShardWorkflowId(input.rolloutId, 1))
          .describe()
          .catch(() => undefined)
      )?.status.name,
      undefined,
      'no shard was started',
    );
    await handle.executeUpdate(cancelUpdate, { args: ['test over'] });
    assert.equal((await handle.result()).phase, 'cancelled');
  });

  it('a cancel while the rollout waits for shards that never started ends it at once; the shard that started closes', async () => {
    const f = await fleet('shc-', 6, 2);
    const input = shardedInput(f.inventory.hosts, 2, { maxParallel: 6, perCluster: 0 });
    const handle = await startCutShort(input, 1);
    assert.equal(await handle.executeUpdate(cancelUpdate, { args: ['started by mistake'] }), 'cancelling');
    const report = await handle.result();
    assert.equal(report.phase, 'cancelled');
    assert.equal(report.counts.skipped, 6, JSON.stringify(report.counts));
    const shard = (await access.client.workflow
      .getHandle(rolloutShardWorkflowId(input.rolloutId, 0))
      .result()) as ShardReport;
    assert.deepEqual(
      shard.hosts.map((h) => h.phase),
      ['skipped', 'skipped'],
    );
  });

  it('a terminated rollout: `rollout status` says its shards still run, `ibfleet rollout cancel` closes them at once', async () => {
    const f = await fleet('sht-', 6, 2);
    const input = shardedInput(f.inventory.hosts, 2, { maxParallel: 2, perCluster: 0 });
    const handle = await startCutShort(input, 2); // its shards idle: the rollout waits for the third
    await handle.terminate('terminated from the Temporal UI');
    const shardIds = [0, 1].map((n) => rolloutShardWorkflowId(input.rolloutId, n));
    for (const id of shardIds)
      assert.equal((await access.client.workflow.getHandle(id).describe()).status.name, 'RUNNING');

    const status = harness({ connectTemporal: () => Promise.resolve(access) });
    assert.equal(await status.run('rollout', 'status', input.rolloutId), 0, status.stderr());
    assert.match(
      status.stdout(),
      /2 of its shard workflows are still running: each notices within 5 minutes that the rollout ended, .*`ibfleet rollout cancel \S+` closes them now/,
    );
    const h = harness({ connectTemporal: () => Promise.resolve(access) });
    assert.equal(await h.run('rollout', 'cancel', input.rolloutId, '--reason', 'clean up'), 0, h.stderr());
    assert.match(
      h.stdout(),
      new RegExp(
        `rollout ${input.rolloutId} is TERMINATED; closed its 2 shard workflow\\(s\\) still running`,
      ),
    );
    const shards = await Promise.all(
      shardIds.map((id) => access.client.workflow.getHandle(id).result() as Promise<ShardReport>),
    );
    const hosts = shards.flatMap((s) => s.hosts);
    assert.deepEqual(
      hosts.map((x) => x.phase),
      ['skipped', 'skipped', 'skipped', 'skipped'],
    );
    assert.match(
      hosts[0].reason ?? '',
      /^not started: rollout terminated, cancelled clean up \(by tester@testhost\)/,
    );

    const again = harness({ connectTemporal: () => Promise.resolve(access) });
    assert.equal(await again.run('rollout', 'cancel', input.rolloutId), 2);
    assert.match(again.stderr(), /is TERMINATED: there is nothing to cancel/);
  });
});
