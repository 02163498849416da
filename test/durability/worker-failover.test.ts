import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { targetWorkflowId } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { auditRecoveryCycle, markHost, type HostMark } from './host-audit';

// Two worker processes poll the same task queue; one is SIGKILLed while hosts are rebooting. The other
// takes over its workflows and (after their heartbeat timeout) its activities, and nothing is done twice.

const ORIGINAL = 'max_vfs=4,4';

interface StartedEvent {
  activityTaskStartedEventAttributes?: {
    identity?: string;
    attempt?: number;
    lastFailure?: { timeoutFailureInfo?: { timeoutType?: unknown } | null } | null;
  };
}

describe('durability: two workers on one task queue, one killed mid-rollout', function () {
  this.timeout(150_000);
  let fleet: Fleet | undefined;
  const workers: WorkerProcess[] = [];

  after(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await fleet?.stop();
  });

  it('finishes on the surviving worker with exact reboot and write counts per host', async () => {
    const { client } = await testEnv();
    const taskQueue = uniqueTaskQueue('failover');
    fleet = await startFleet({
      hosts: 10,
      clusters: 2,
      namePrefix: `fo${process.pid}-`,
      bootTimeMs: [800, 1_200],
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
    });
    const hosts = fleet.inventory.hosts;
    const marks: HostMark[] = [];
    for (const h of hosts) marks.push(await markHost(h));

    const [victim, survivor] = [await spawnWorker(taskQueue), await spawnWorker(taskQueue)];
    workers.push(victim, survivor);
    await Promise.all([victim.ready, survivor.ready]);
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 6,
      perCluster: 0,
    });

    // Kill one worker once three hosts are down at the same time: both workers are busy waiting for boots.
    let down = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('three hosts were never down at once')), 60_000);
      for (const h of hosts) {
        const sim = fleet!.host(h.name);
        sim.on('down', () => {
          down += 1;
          if (down >= 3) {
            clearTimeout(timer);
            resolve();
          }
        });
        sim.on('up', () => (down -= 1));
      }
    });
    await victim.kill('SIGKILL');

    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    const problems: string[] = [];
    for (const m of marks)
      problems.push(
        ...(await auditRecoveryCycle(
          m,
          ORIGINAL,
          report.hosts.find((x) => x.name === m.host.name),
        )),
      );
    assert.deepEqual(problems, []);

    // The kill really interrupted work: some activity was retried after its heartbeat timed out.
    let takenOver = 0;
    for (const h of hosts) {
      const history = await client.workflow.getHandle(targetWorkflowId(h)).fetchHistory();
      for (const e of history.events ?? []) {
        const started = (e as StartedEvent).activityTaskStartedEventAttributes;
        if (
          started &&
          (started.attempt ?? 1) > 1 &&
          started.lastFailure?.timeoutFailureInfo?.timeoutType !== undefined
        )
          takenOver += 1;
      }
    }
    assert.ok(takenOver >= 1, 'at least one activity of the killed worker was taken over after a timeout');
  });
});
