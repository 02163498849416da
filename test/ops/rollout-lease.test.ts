import assert from 'node:assert/strict';
import { leaseWorkflowId, type LeaseState } from '../../common/lease';
import type { RolloutReport } from '../../common/rollout';
import { rolloutOpsSchema } from '../../common/rollout-ops';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { leaseStateQuery } from '../../workflows/lease-messages';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maxOverlap, startRollout, workIntervals } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';

// The fleet-wide limit (--fleet-wide, issue #16) in real rollouts: two rollouts running at once over
// the same clusters never have more hosts of one cluster out together than --per-cluster allows,
// read from the hosts' own shell.log times; and no lease slot is left held afterwards.

describe('ops: two concurrent --fleet-wide rollouts (dev server, simulated fleet)', function () {
  this.timeout(180_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('ops-lease');
  // Cluster names of this run only: the leases (ibfleet/lease/<cluster>) are fleet-wide on the server.
  const clusterName = (c: string) => `fw${process.pid}-${c}`;
  let hosts: HostRef[];

  before(async () => {
    fleet = await startFleet({
      hosts: 8,
      clusters: 2,
      namePrefix: 'fw-',
      bootTimeMs: 150,
      controlPort: false,
    });
    hosts = fleet.inventory.hosts.map((h) => ({ ...h, cluster: clusterName(h.cluster) }));
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('never has two hosts of one cluster out at once across both rollouts, and leaves no slot held', async () => {
    const { client } = await testEnv();
    const since = Date.now();
    const options = { maxParallel: 2, perCluster: 1, ops: rolloutOpsSchema.parse({ fleetWide: true }) };
    const [a, b] = [
      [hosts[0], hosts[1], hosts[4], hosts[5]],
      [hosts[2], hosts[3], hosts[6], hosts[7]],
    ];
    const first = await startRollout(client, taskQueue, 'recovery-cycle', a, options);
    const second = await startRollout(client, taskQueue, 'recovery-cycle', b, options);
    for (const handle of [first, second]) {
      const report = (await handle.result()) as RolloutReport;
      assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    }
    const intervals = await workIntervals(hosts, since);
    assert.equal(intervals.length, 8, 'every host was worked on');
    for (const cluster of new Set(hosts.map((h) => h.cluster))) {
      const together = maxOverlap(intervals, (i) => i.cluster === cluster);
      assert.equal(together, 1, `at most one host of ${cluster} at once across both rollouts`);
    }
    for (const cluster of new Set(hosts.map((h) => h.cluster))) {
      const state: LeaseState = await client.workflow
        .getHandle(leaseWorkflowId(cluster))
        .query(leaseStateQuery);
      assert.deepEqual(
        [state.holders.length, state.waiters.length],
        [0, 0],
        `no slot of ${cluster} left held`,
      );
    }
  });
});
