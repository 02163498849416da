import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { IbPhase } from '../../common/search-attributes';
import { targetWorkflowId, type HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { commandsSince, markHost } from '../procedures/host-audit';

// Issue #12, on the worker: a rollout started by any means (here straight through the client, not the
// CLI) first checks every credential on the worker and, when one cannot work, fails with InvalidInput
// naming the hosts, fields and reasons — before any host is touched, including the hosts whose
// credentials are fine. Issue #18.1: a reference the policy refuses (TEMPORAL_API_KEY) is one of them.

describe('rollouts: the credential check before the first host', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('credential-precheck');

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      clusters: 1,
      namePrefix: 'cpc-',
      bootTimeMs: 150,
      controlPort: false,
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('fails the rollout with InvalidInput naming each host and field, and touches no host at all', async () => {
    const { client } = await testEnv();
    const [unset, reserved, fine] = fleet.inventory.hosts;
    const targets: HostRef[] = [
      { ...unset, credential: { type: 'password-env', env: 'IBFLEET_SSH_PRECHECK_NOT_SET' } },
      { ...reserved, credential: { type: 'password-env', env: 'TEMPORAL_API_KEY' } },
      fine,
    ];
    const marks = await Promise.all(fleet.inventory.hosts.map((h) => markHost(h)));

    const handle = await startRollout(client, taskQueue, 'preflight', targets, {
      maxParallel: 3,
      perCluster: 0,
    });
    const err = await handle.result().then(
      () => assert.fail('the rollout should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, 'InvalidInput');
    assert.equal(err.cause.nonRetryable, true);
    const message = err.cause.message;
    assert.match(message, /no host was touched/);
    assert.match(
      message,
      new RegExp(
        `${unset.name}: credential\\.env: environment variable IBFLEET_SSH_PRECHECK_NOT_SET \\(the password\\) is not set`,
      ),
    );
    assert.match(
      message,
      new RegExp(
        `${reserved.name}: credential\\.env: environment variable TEMPORAL_API_KEY is one of the worker's own settings`,
      ),
    );
    assert.ok(!message.includes(fine.name), message);

    for (const m of marks) assert.deepEqual(await commandsSince(m), [], `nothing ran on ${m.host.name}`);
    for (const h of fleet.inventory.hosts)
      await assert.rejects(
        client.workflow.getHandle(targetWorkflowId(h)).describe(),
        WorkflowNotFoundError,
        `no host workflow for ${h.name}`,
      );
    assert.equal((await handle.describe()).typedSearchAttributes.get(IbPhase), 'failed');
  });
});
