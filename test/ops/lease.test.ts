import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createLeaseActivities } from '../../activities/lease';
import { leaseWorkflowId, type LeaseSettings, type LeaseState } from '../../common/lease';
import { IbRolloutId } from '../../common/search-attributes';
import { leaseStateQuery } from '../../workflows/lease-messages';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { fakeHostWorkflow, finishSignal, holderStateQuery, leaseHolderWorkflow } from './lease-workflows';

// The fleet-wide limit: two (and more) rollout-like holders take slots of one cluster's lease on a real
// dev server. Checked through the lease's own state (its query) and the holders' view, never by timing.

describe('ops: the per-cluster lease on the dev server', function () {
  this.timeout(180_000);
  let taskQueue: string;
  let client: Client;
  let stopWorker: () => Promise<void>;
  const settings: Partial<LeaseSettings> = { livenessCheckMs: 300, idleTimeoutMs: 0 };

  async function startWorker(): Promise<() => Promise<void>> {
    const env = await testEnv();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('./lease-workflows')),
      activities: createLeaseActivities(),
    });
    const running = worker.run();
    return async () => {
      worker.shutdown();
      await running;
    };
  }

  before(async () => {
    taskQueue = uniqueTaskQueue('lease');
    client = (await testEnv()).client;
    stopWorker = await startWorker();
  });
  after(() => stopWorker());

  const holder = (
    id: string,
    cluster: string,
    host: string,
    limit = 1,
    hostWorkflowId = `${id}-host`,
    leaseSettings = settings,
  ) =>
    client.workflow.start(leaseHolderWorkflow, {
      taskQueue,
      workflowId: id,
      args: [{ cluster, host, hostWorkflowId, limit, settings: leaseSettings }],
    });
  const lease = (cluster: string) => client.workflow.getHandle(leaseWorkflowId(cluster));
  const leaseState = (cluster: string): Promise<LeaseState> => lease(cluster).query(leaseStateQuery);
  /** Polls until `check` holds (each poll is a query; no timing is asserted). */
  async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
    for (;;) {
      const v = await read().catch(() => undefined);
      if (v !== undefined && check(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const hosts = (s: LeaseState) => s.holders.map((h) => h.holder.host);
  const waiting = (s: LeaseState) => s.waiters.map((h) => h.holder.host);

  it('two concurrent rollouts with limit 1: the second waits until the first releases, across a worker restart', async () => {
    const cluster = `${taskQueue}-a`;
    const a = await holder(`${taskQueue}-ra`, cluster, 'esx-01');
    await until(
      () => a.query(holderStateQuery),
      (s) => s === 'granted',
    );
    const b = await holder(`${taskQueue}-rb`, cluster, 'esx-02');
    let s = await until(
      () => leaseState(cluster),
      (x) => x.waiters.length === 1,
    );
    assert.deepEqual([hosts(s), waiting(s)], [['esx-01'], ['esx-02']]);
    assert.equal(await b.query(holderStateQuery), 'queued');

    // The worker goes away and another takes over while the slot is held and the other waits.
    await stopWorker();
    stopWorker = await startWorker();

    await a.signal(finishSignal);
    assert.deepEqual(await a.result(), ['granted at once']);
    await until(
      () => b.query(holderStateQuery),
      (x) => x === 'granted',
    );
    s = await leaseState(cluster);
    assert.deepEqual([hosts(s), waiting(s)], [['esx-02'], []]);
    await b.signal(finishSignal);
    assert.deepEqual(await b.result(), ['queued at 1', `signalled ${cluster} esx-02`]);
  });

  it("grants up to each requester's limit, in request order", async () => {
    const cluster = `${taskQueue}-b`;
    const r1 = await holder(`${taskQueue}-r1`, cluster, 'esx-11', 2);
    await until(
      () => r1.query(holderStateQuery),
      (x) => x === 'granted',
    );
    const r2 = await holder(`${taskQueue}-r2`, cluster, 'esx-12', 2);
    await until(
      () => r2.query(holderStateQuery),
      (x) => x === 'granted',
    );
    // A third with limit 2 waits; a fourth with limit 3 would fit but must not overtake it.
    const r3 = await holder(`${taskQueue}-r3`, cluster, 'esx-13', 2);
    await until(
      () => leaseState(cluster),
      (x) => x.waiters.length === 1,
    );
    const r4 = await holder(`${taskQueue}-r4`, cluster, 'esx-14', 3);
    const s = await until(
      () => leaseState(cluster),
      (x) => x.waiters.length === 2,
    );
    assert.deepEqual(
      [hosts(s), waiting(s)],
      [
        ['esx-11', 'esx-12'],
        ['esx-13', 'esx-14'],
      ],
    );
    await r1.signal(finishSignal);
    // esx-13 takes the freed slot (2 of 2), then esx-14 fits its own limit of 3.
    const after = await until(
      () => leaseState(cluster),
      (x) => x.waiters.length === 0,
    );
    assert.deepEqual(hosts(after), ['esx-12', 'esx-13', 'esx-14']);
    for (const h of [r2, r3, r4]) await h.signal(finishSignal);
    await Promise.all([r1, r2, r3, r4].map((h) => h.result()));
  });

  it('frees the slot of a terminated rollout, but only once its host workflow ended too', async () => {
    const cluster = `${taskQueue}-c`;
    const crashedId = `${taskQueue}-crashed`;
    const hostId = `${taskQueue}-host-21`;
    // The crashed rollout's host runs on (its parent close policy is ABANDON) and is out of service.
    const host = await client.workflow.start(fakeHostWorkflow, {
      taskQueue,
      workflowId: hostId,
      typedSearchAttributes: [{ key: IbRolloutId, value: crashedId }],
    });
    const crashed = await holder(crashedId, cluster, 'esx-21', 1, hostId);
    await until(
      () => crashed.query(holderStateQuery),
      (x) => x === 'granted',
    );
    const next = await holder(`${taskQueue}-next`, cluster, 'esx-22');
    await until(
      () => leaseState(cluster),
      (x) => x.waiters.length === 1,
    );
    await crashed.terminate('simulated crash');

    // Several liveness checks pass while the host still runs: the slot is kept.
    const checks = () => livenessChecks(client, leaseWorkflowId(cluster));
    const seen = await checks();
    await until(checks, (n) => n >= seen + 2);
    let s = await leaseState(cluster);
    assert.deepEqual([hosts(s), waiting(s)], [['esx-21'], ['esx-22']]);

    await host.signal(finishSignal);
    await until(
      () => next.query(holderStateQuery),
      (x) => x === 'granted',
    );
    s = await leaseState(cluster);
    assert.deepEqual(hosts(s), ['esx-22']);
    assert.match(
      s.expired[0].why,
      new RegExp(`rollout ${crashedId} ended and host esx-21 is not running for it`),
    );
    await next.signal(finishSignal);
    await next.result();
  });

  it('frees the slot of a cancelled waiter and continues as new without losing holders', async () => {
    const cluster = `${taskQueue}-d`;
    const keeper = await holder(`${taskQueue}-keep`, cluster, 'esx-31', 1, `${taskQueue}-keep-host`, {
      ...settings,
      continueAsNewAfterEvents: 50,
    });
    await until(
      () => keeper.query(holderStateQuery),
      (x) => x === 'granted',
    );
    // Waiters whose rollout is cancelled (without releasing) leave the queue by the liveness check;
    // each round adds history to the lease until it continues as new.
    for (let i = 0; i < 8; i++) {
      const w = await holder(`${taskQueue}-w${i}`, cluster, `esx-4${i}`, 1);
      await until(
        () => leaseState(cluster),
        (x) => x.waiters.length === 1,
      );
      await w.cancel();
      await w.result().catch(() => undefined);
      await until(
        () => leaseState(cluster),
        (x) => x.waiters.length === 0,
      );
    }
    const described = await lease(cluster).describe();
    assert.equal(described.status.name, 'RUNNING');
    const s = await leaseState(cluster);
    assert.deepEqual(hosts(s), ['esx-31']);
    assert.ok(s.continueAsNewCount >= 1, `continued as new ${s.continueAsNewCount} times`);
    assert.ok(s.expired.length >= 8);
    await keeper.signal(finishSignal);
    await keeper.result();
  });
});

/** Completed liveness-check activities in the current run of the lease. */
async function livenessChecks(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
}
