import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { targetWorkflowId } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { fastHostOptions, spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { auditRecoveryCycle, markHost, type HostMark } from './host-audit';

// Two worker processes poll the same task queue; one is SIGKILLed in the middle of the rollout. The other
// takes over its workflows and (after their heartbeat timeout) its activities, and nothing is done twice.
//
// So that the killed worker surely holds work: it starts alone, and one host's `esxcli software vib list`
// hangs, holding that host's read-state activity on it; the second worker joins, then the first is killed
// and the hang cleared. That activity must be taken over by the survivor after its heartbeat timeout.

const ORIGINAL = 'max_vfs=4,4';
const HANGING = 'esxcli software vib list';

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
    const prefix = `fo${process.pid}-`;
    const held = `${prefix}02`;
    fleet = await startFleet({
      hosts: 10,
      clusters: 2,
      namePrefix: prefix,
      bootTimeMs: [400, 800],
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
      hostOverrides: { [held]: { faults: { hang: [HANGING] } } },
    });
    const hosts = fleet.inventory.hosts;
    const marks: HostMark[] = [];
    for (const h of hosts) marks.push(await markHost(h));

    const victim = await spawnWorker(taskQueue);
    workers.push(victim);
    await victim.ready;
    const hung = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${held} never ran "${HANGING}"`)), 60_000);
      fleet!.host(held).on('command', (line: string) => {
        if (!line.includes(HANGING)) return;
        clearTimeout(timer);
        resolve();
      });
    });
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 4,
      perCluster: 0,
      // The hanging command must outlast the second worker's start; heartbeats keep its activity alive.
      host: { ...fastHostOptions, timing: { ...fastHostOptions.timing, commandTimeoutMs: 60_000 } },
    });
    await hung;

    const survivor = await spawnWorker(taskQueue);
    workers.push(survivor);
    await survivor.ready;
    await victim.kill('SIGKILL');
    fleet.setFaults(held, {});

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

    // The held host's read-state was taken over: its last attempt followed a (heartbeat) timeout.
    const history = await client.workflow
      .getHandle(targetWorkflowId({ kind: 'esxi', name: held }))
      .fetchHistory();
    const takenOver = (history.events ?? []).filter((e) => {
      const started = (e as StartedEvent).activityTaskStartedEventAttributes;
      return started && (started.attempt ?? 1) > 1 && started.lastFailure?.timeoutFailureInfo;
    });
    assert.ok(takenOver.length >= 1, 'the activity the killed worker held was retried after its timeout');
  });
});
