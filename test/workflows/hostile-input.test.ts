import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { dataConverter } from '../../client/connection';
import { INVALID_INPUT } from '../../common/procedure-failures';
import type { GuestPairRef, HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { createIbfleetWorker } from '../../worker/create-worker';
import { ibfleetBundle, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { startProcedure } from '../procedures/host-audit';

// Workflows do not trust their input (issue 18): anything that can reach the namespace can start a
// host workflow or a rollout. Started directly with a hostile target (an address that is no address,
// an RDMA device with a shell command), they fail at once with a non-retryable InvalidInput naming the
// field, and touch nothing: no activity, no local step, no child workflow, no command on any machine.
// With payload encryption configured, a workflow started with a plain (unencrypted) payload by someone
// without the key is not even decoded: its workflow task fails and nothing runs.

interface EventJson {
  activityTaskScheduledEventAttributes?: unknown;
  markerRecordedEventAttributes?: unknown;
  startChildWorkflowExecutionInitiatedEventAttributes?: unknown;
  workflowTaskFailedEventAttributes?: { failure?: { message?: string | null } | null } | null;
}

async function events(handle: WorkflowHandle): Promise<EventJson[]> {
  return (await handle.fetchHistory()).events ?? [];
}

/** Nothing was scheduled: no activity, no local step (marker), no child workflow. */
async function assertTouchedNothing(handle: WorkflowHandle): Promise<void> {
  const history = await events(handle);
  assert.equal(
    history.filter((e) => e.activityTaskScheduledEventAttributes).length,
    0,
    'an activity was scheduled',
  );
  assert.equal(history.filter((e) => e.markerRecordedEventAttributes).length, 0, 'a local step ran');
  assert.equal(
    history.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length,
    0,
    'a child workflow was started',
  );
}

/** The workflow failed with a non-retryable InvalidInput; its message. */
async function invalidInputMessage(handle: WorkflowHandle): Promise<string> {
  const err = await handle.result().then(
    () => assert.fail('the workflow succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
  assert.equal(err.cause.type, INVALID_INPUT);
  assert.equal(err.cause.nonRetryable, true);
  return err.cause.message;
}

describe('workflows: hostile input', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('hostile-input');
  /** Every command any machine of the fleet ran, by machine. */
  const ran: string[] = [];

  before(async () => {
    fleet = await startFleet({
      hosts: 2,
      guestPairs: 1,
      namePrefix: `hi${process.pid}-`,
      bootTimeMs: 100,
      controlPort: false,
    });
    for (const name of fleet.names())
      fleet.host(name).on('command', (line: string) => ran.push(`${name}: ${line}`));
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('a host workflow started with an address that is no address fails with InvalidInput and touches nothing', async () => {
    const { client } = await testEnv();
    const host: HostRef = { ...fleet.inventory.hosts[0], address: '999.1.1.1' };
    const handle = await startProcedure(client, taskQueue, 'preflight', host);
    const message = await invalidInputMessage(handle);
    assert.match(
      message,
      /^invalid input for preflight: target\.address: must be an IPv4\/IPv6 address or a DNS name/,
    );
    await assertTouchedNothing(handle);
    assert.deepEqual(ran, []);
  });

  it('a bandwidth check started with an RDMA device carrying a command fails with InvalidInput and runs nothing on the guests', async () => {
    const { client } = await testEnv();
    const real = fleet.inventory.guestPairs[0];
    const pair: GuestPairRef = {
      ...real,
      server: { ...real.server, ibDevice: 'mlx5_0;reboot' },
      client: { ...real.client, dataAddress: '10.0.0.300', username: 'ubuntu\n$(reboot)' },
    };
    const handle = await startProcedure(client, taskQueue, 'validate-bandwidth', pair, { tag: 'hostile' });
    const message = await invalidInputMessage(handle);
    assert.match(message, /target\.server\.ibDevice: must be an RDMA device name such as mlx5_0/);
    assert.match(message, /target\.client\.dataAddress: must be an IPv4\/IPv6 address or a DNS name/);
    assert.match(message, /target\.client\.username: must be a user name/);
    await assertTouchedNothing(handle);
    assert.deepEqual(ran, []);
  });

  it('a rollout started with one hostile target among good ones fails with InvalidInput and starts no host', async () => {
    const { client } = await testEnv();
    const [good, other] = fleet.inventory.hosts;
    const handle = await startRollout(client, taskQueue, 'preflight', [
      good,
      { ...other, address: '999.1.1.1', tags: ['x;y z'] },
    ]);
    const message = await invalidInputMessage(handle);
    assert.match(
      message,
      /^invalid rollout input: targets\[1\]\.address: must be an IPv4\/IPv6 address or a DNS name/,
    );
    assert.match(message, /targets\[1\]\.tags\[0\]: must be a tag/);
    await assertTouchedNothing(handle);
    assert.deepEqual(ran, []);
  });

  it('with payload encryption configured, a workflow started with a plain payload is never decoded and runs nothing', async () => {
    const env = await testEnv();
    const codecTaskQueue = uniqueTaskQueue('hostile-plaintext');
    const converter = dataConverter({ IBFLEET_CODEC_KEYS: `hi-1:${randomBytes(32).toString('base64')}` });
    const { worker: encrypted, runner } = await createIbfleetWorker({
      connection: env.nativeConnection,
      taskQueue: codecTaskQueue,
      workflowBundle: await ibfleetBundle(),
      dataConverter: converter,
      tuning: { shutdownGraceTime: '1s' },
    });
    // Someone without the key: a client with Temporal's default (plain JSON) converter.
    const plain = new Client({ connection: env.connection, namespace: env.namespace });
    const handle = await encrypted.runUntil(async () => {
      const h = await startProcedure(plain, codecTaskQueue, 'preflight', fleet.inventory.hosts[1], {
        tag: 'plain',
      });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const failed = (await events(h)).find((e) => e.workflowTaskFailedEventAttributes);
        if (failed) {
          assert.match(
            failed.workflowTaskFailedEventAttributes?.failure?.message ?? '',
            /refusing an unencrypted payload/,
          );
          break;
        }
        assert.ok(Date.now() < deadline, 'the workflow task did not fail');
        await new Promise((r) => setTimeout(r, 200));
      }
      return h;
    });
    await runner.closeAll();
    try {
      await assertTouchedNothing(handle);
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'not decoded: it cannot even fail');
      assert.deepEqual(ran, []);
    } finally {
      await handle.terminate('test: plain payload refused');
    }
  });
});
