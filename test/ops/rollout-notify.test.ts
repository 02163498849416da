import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { rolloutOpsSchema } from '../../common/rollout-ops';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { approveUpdate } from '../../workflows/messages';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { HttpReceiver } from './http-receiver';

// Notifications of a real rollout (--notify, issue #16) at a local HTTP receiver: the canary awaiting
// approval, a host needing attention (a VM runs on it and the VM policy is refuse), the failure budget
// exceeded, and the rollout closed; each once, with its idempotency key.

describe('ops: a rollout notifies a local HTTP receiver (dev server, simulated fleet)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  let receiver: HttpReceiver;
  const taskQueue = uniqueTaskQueue('ops-notify');

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      namePrefix: 'nt-',
      bootTimeMs: 150,
      controlPort: false,
      hostOverrides: { 'nt-03': { vms: [{ name: 'busy' }] } },
    });
    receiver = await new HttpReceiver().start();
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
    await receiver?.stop();
  });

  it('sends canary awaiting approval, host needs attention, budget exceeded and closed, each once', async () => {
    const { client } = await testEnv();
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', fleet.inventory.hosts, {
      canary: 1,
      maxParallel: 2,
      perCluster: 0,
      ops: rolloutOpsSchema.parse({ notify: [{ url: receiver.url() }] }),
    });
    await receiver.received(1);
    await handle.executeUpdate(approveUpdate, { args: ['canary fine'] });
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'failed');
    await receiver.received(4);
    const bodies = receiver.jsonBodies() as { kind: string; idempotencyKey: string; text: string }[];
    const rolloutId = report.rolloutId;
    assert.deepEqual(bodies.map((b) => b.idempotencyKey).sort(), [
      `ibfleet:${rolloutId}:budget-exceeded`,
      `ibfleet:${rolloutId}:canary-awaiting-approval`,
      `ibfleet:${rolloutId}:host-needs-attention:nt-03`,
      `ibfleet:${rolloutId}:rollout-closed`,
    ]);
    assert.equal(bodies[0].kind, 'canary-awaiting-approval', 'the canary first');
    assert.equal(bodies.at(-1)?.kind, 'rollout-closed', 'the close last');
    assert.match(
      bodies.find((b) => b.kind === 'host-needs-attention')?.text ?? '',
      /nt-03 needs attention.*busy/,
    );
    assert.equal(receiver.requests.length, 4, 'nothing sent twice');
  });
});
