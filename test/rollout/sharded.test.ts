import assert from 'node:assert/strict';
import { parseVmksummaryBoots } from '../../activities/esxi/parsers';
import { allReportHosts } from '../../client/rollout/host-reports';
import { fetchOriginalInput } from '../../client/rollout/original-input';
import { startRolloutWorkflow } from '../../client/rollout/start';
import type { TemporalAccess } from '../../client/deps';
import { rolloutOptionsSchema, type RolloutInput, type RolloutOptions } from '../../common/rollout';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { approveUpdate, pauseUpdate, resumeUpdate } from '../../workflows/messages';
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

  /** Starts through the CLI's own start path, cut into shards of `perShard`. */
  async function start(targets: HostRef[], perShard: number, options: Partial<RolloutOptions>) {
    counter += 1;
    const input: RolloutInput = {
      rolloutId: `sh${process.pid}-${counter}`,
      procedure: 'recovery-cycle',
      params: {},
      targets,
      inventory: { targets: targets.length, shards: Math.ceil(targets.length / perShard), perShard },
      options: rolloutOptionsSchema.parse({ host: fastHostOptions, ...options }),
      startedBy: 'test',
    };
    return { input, handle: await startRolloutWorkflow(access, input) };
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
});
