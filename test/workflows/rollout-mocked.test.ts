import assert from 'node:assert/strict';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { RebootDurations } from '../../activities/contract';
import {
  rolloutOptionsSchema,
  type RolloutOptions,
  type RolloutProgress,
  type RolloutReport,
} from '../../common/rollout';
import { rolloutWorkflowId, targetWorkflowId, type HostRef } from '../../common/targets';
import {
  approveUpdate,
  cancelUpdate,
  pauseUpdate,
  resumeUpdate,
  rolloutProgressQuery,
} from '../../workflows/messages';
import { procedures } from '../../common/procedures';
import * as realWorkflows from '../../workflows';
import { releaseStubHostSignal } from '../fixtures/mocked-rollout-messages';
import * as stubWorkflows from '../fixtures/stub-rollout-workflows';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';

// The rollout's scheduling rules (workflows/rollout/*) on the REAL rollout workflow with stub procedure
// children (test/fixtures/stub-rollout-workflows.ts: hosts tagged "cx6" fail, "hold" run until
// released): canary and approval, pause/resume, the failure budget, the per-cluster, parallel and vSAN
// limits, cancel. Seconds, where the rollouts of the simulated fleet take minutes
// (test/rollout/rollout.test.ts); the rules alone, without a server: test/rollout/state.test.ts.

let counter = 0;

describe('rollout scheduling with stub procedures (real rollout workflow)', function () {
  this.timeout(60_000);
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  before(async () => {
    const env = await testEnv();
    taskQueue = uniqueTaskQueue('rollout-mocked');
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/stub-rollout-workflows')),
      activities: {
        checkCredentials: () => Promise.resolve({ problems: [], distinctReferences: 1 }),
        readRebootDurations: (): Promise<RebootDurations> =>
          Promise.resolve({ durationsMs: {}, unknown: [] }),
      },
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
  });

  /** ESXi targets `cluster/label[:tag,tag]` with names unique to this run. */
  function hosts(...specs: string[]): HostRef[] {
    const run = ++counter;
    return specs.map((spec) => {
      const [path, tags = ''] = spec.split(':');
      const [cluster, label] = path.split('/');
      return {
        kind: 'esxi',
        name: `${label}-${process.pid}-${run}`,
        cluster,
        tags: tags ? tags.split(',') : [],
        address: '127.0.0.1',
        port: 22,
        username: 'root',
        hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        credential: { type: 'password-env', env: 'IBFLEET_SSH_MOCKED_PASSWORD' },
      };
    });
  }

  async function start(
    targets: HostRef[],
    options: Partial<RolloutOptions>,
  ): Promise<WorkflowHandle & { targets: HostRef[] }> {
    const { client } = await testEnv();
    const rolloutId = `mocked-${process.pid}-${++counter}`;
    const handle = await client.workflow.start('rolloutWorkflow', {
      taskQueue,
      workflowId: rolloutWorkflowId(rolloutId),
      args: [
        {
          rolloutId,
          procedure: 'recovery-cycle',
          params: {},
          targets,
          options: rolloutOptionsSchema.parse({ perCluster: 0, ...options }),
          startedBy: 'tester@testhost',
        },
      ],
    });
    return Object.assign(handle, { targets });
  }

  const progress = (h: WorkflowHandle) => h.query(rolloutProgressQuery);
  const result = (h: WorkflowHandle) => h.result() as Promise<RolloutReport>;

  /** Polls the progress until `ready` holds (bounded): the rollout's state, not a time, is asserted. */
  async function until(h: WorkflowHandle, ready: (p: RolloutProgress) => boolean): Promise<RolloutProgress> {
    let p = await progress(h);
    for (let i = 0; i < 400 && !ready(p); i++) {
      await new Promise((r) => setTimeout(r, 25));
      p = await progress(h);
    }
    assert.ok(
      ready(p),
      `the rollout never got there: ${JSON.stringify(p.hosts.map((x) => [x.name, x.phase]))}`,
    );
    return p;
  }

  /** Hosts in flight whose child workflow has started (its run ID is known). */
  const started = (p: RolloutProgress) =>
    p.hosts.filter((x) => x.phase === 'running' && x.runId).map((x) => x.name);
  const phases = (p: { hosts: RolloutProgress['hosts'] }) => p.hosts.map((x) => x.phase);

  /** An update its validator refused, with a reason matching `why`. */
  async function refused(update: Promise<unknown>, why: RegExp): Promise<void> {
    await assert.rejects(update, (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match(err.cause?.message ?? '', why);
      return true;
    });
  }

  async function release(target: HostRef): Promise<void> {
    const { client } = await testEnv();
    await client.workflow.getHandle(targetWorkflowId(target)).signal(releaseStubHostSignal);
  }

  it('the stub fixture registers every real workflow as it is, only the procedures replaced', () => {
    const procedureTypes: string[] = Object.values(procedures).map((p) => p.workflowType);
    const real = realWorkflows as Record<string, unknown>;
    const stub = stubWorkflows as Record<string, unknown>;
    assert.deepEqual(Object.keys(stub).sort(), Object.keys(real).sort());
    for (const name of Object.keys(real))
      if (procedureTypes.includes(name)) assert.notEqual(stub[name], real[name], name);
      else assert.equal(stub[name], real[name], name);
    assert.equal(stub.rolloutWorkflow, realWorkflows.rolloutWorkflow);
  });

  it('the canary runs alone; then the rollout waits for approval, and approval starts the rest', async () => {
    const h = await start(hosts('a/c1', 'a/h2', 'a/h3'), { canary: 1 });
    const waiting = await until(h, (p) => p.phase === 'awaiting-approval');
    assert.deepEqual(phases(waiting), ['succeeded', 'pending', 'pending']);
    assert.equal(waiting.hosts[0].canary, true);
    assert.match(waiting.waitingFor ?? '', /approval/);
    await refused(h.executeUpdate(resumeUpdate, { args: ['x'] }), /the rollout is not paused/);
    assert.equal(await h.executeUpdate(approveUpdate, { args: ['looks good'] }), 'running');
    await refused(h.executeUpdate(approveUpdate, { args: ['again'] }), /the rollout is already approved/);
    const r = await result(h);
    assert.equal(r.phase, 'succeeded');
    assert.deepEqual(phases(r), ['succeeded', 'succeeded', 'succeeded']);
    assert.deepEqual(
      r.events.map((e) => e.action),
      ['started', 'approved'],
    );
  });

  it('with autoApprove the rollout goes on after a successful canary by itself', async () => {
    const h = await start(hosts('a/c1', 'a/h2'), { canary: 1, autoApprove: true });
    const r = await result(h);
    assert.equal(r.phase, 'succeeded');
    assert.ok(r.events.some((e) => e.action === 'auto-approved'));
  });

  it('a failed canary spends a budget of 0: the other hosts are skipped and never started', async () => {
    const h = await start(hosts('a/c1:cx6', 'a/h2', 'a/h3'), { canary: 1 });
    const r = await result(h);
    assert.equal(r.phase, 'failed');
    assert.deepEqual(phases(r), ['failed', 'skipped', 'skipped']);
    assert.deepEqual(
      r.problems.map((p) => [p.outcome, p.reason, p.stoppedInStep]),
      [
        ['failed', 'verification failed: cards not listed', 'verify-cards-recovery'],
        ['skipped', 'not started: failure budget exceeded (1 > 0)', undefined],
        ['skipped', 'not started: failure budget exceeded (1 > 0)', undefined],
      ],
    );
    const { client } = await testEnv();
    for (const t of h.targets.slice(1))
      await assert.rejects(client.workflow.getHandle(targetWorkflowId(t)).describe(), WorkflowNotFoundError);
  });

  it('the failure budget: hosts go on until one failure more than allowed, then the rest are skipped', async () => {
    const h = await start(hosts('a/h1', 'a/h2:cx6', 'a/h3', 'a/h4:attention', 'a/h5'), {
      maxParallel: 1,
      maxFailures: { count: 1 },
    });
    const r = await result(h);
    assert.equal(r.phase, 'failed');
    assert.deepEqual(phases(r), ['succeeded', 'failed', 'succeeded', 'needs-attention', 'skipped']);
    assert.deepEqual(r.budget, { allowed: 1, used: 2, exceeded: true });
    assert.ok(r.events.some((e) => e.action === 'budget-exceeded'));
  });

  it('a percentage budget counts against every target', async () => {
    const h = await start(hosts('a/h1:cx6', 'a/h2:cx6', 'a/h3', 'a/h4'), {
      maxParallel: 1,
      maxFailures: { percent: 50 },
    });
    const r = await result(h);
    assert.equal(r.phase, 'failed');
    assert.deepEqual(phases(r), ['failed', 'failed', 'succeeded', 'succeeded']);
    assert.deepEqual(r.budget, { allowed: 2, used: 2, exceeded: false });
  });

  it('per-cluster limit: one host per cluster in flight; the next of a cluster starts when its host ends', async () => {
    const targets = hosts('a/a1:hold', 'a/a2:hold', 'b/b1:hold', 'b/b2:hold');
    const [a1, a2, b1, b2] = targets;
    const h = await start(targets, { perCluster: 1, maxParallel: 10 });
    let p = await until(h, (x) => started(x).length === 2);
    assert.deepEqual(started(p), [a1.name, b1.name]);
    assert.deepEqual(phases(p), ['running', 'pending', 'running', 'pending']);

    await release(a1);
    p = await until(h, (x) => started(x).includes(a2.name));
    assert.deepEqual(phases(p), ['succeeded', 'running', 'running', 'pending']);
    for (const t of [b1, a2, b2]) {
      await until(h, (x) => started(x).includes(t.name));
      await release(t);
    }
    assert.equal((await result(h)).phase, 'succeeded');
  });

  it('maxParallel: a sliding window; a host starts as soon as a slot frees', async () => {
    const targets = hosts('a/h1:hold', 'b/h2:hold', 'c/h3:hold', 'd/h4:hold');
    const h = await start(targets, { maxParallel: 2 });
    let p = await until(h, (x) => started(x).length === 2);
    assert.deepEqual(phases(p), ['running', 'running', 'pending', 'pending']);
    await release(targets[1]);
    p = await until(h, (x) => started(x).includes(targets[2].name));
    assert.deepEqual(phases(p), ['running', 'succeeded', 'running', 'pending']);
    for (const t of [targets[0], targets[2], targets[3]]) {
      await until(h, (x) => started(x).includes(t.name));
      await release(t);
    }
    assert.equal((await result(h)).phase, 'succeeded');
  });

  it('a vSAN cluster has one host out at a time whatever --per-cluster says', async () => {
    const targets = hosts('v/v1:hold', 'v/v2:hold', 'n/n1:hold', 'n/n2:hold').map((t) =>
      t.cluster === 'v' ? { ...t, vsan: true } : t,
    );
    const h = await start(targets, { perCluster: 0, maxParallel: 10 });
    const p = await until(h, (x) => started(x).length === 3);
    assert.deepEqual(phases(p), ['running', 'pending', 'running', 'running']);
    for (const t of [targets[0], targets[2], targets[3], targets[1]]) {
      await until(h, (x) => started(x).includes(t.name));
      await release(t);
    }
    assert.equal((await result(h)).phase, 'succeeded');
  });

  it('pause: hosts in flight finish, no new host starts until resume', async () => {
    const targets = hosts('a/h1:hold', 'a/h2', 'a/h3');
    const h = await start(targets, { maxParallel: 1 });
    await until(h, (x) => started(x).length === 1);
    assert.equal(await h.executeUpdate(pauseUpdate, { args: ['look at h1'] }), 'paused');
    await refused(h.executeUpdate(pauseUpdate, { args: ['twice'] }), /the rollout is already paused/);
    await release(targets[0]);
    const p = await until(h, (x) => x.counts.succeeded === 1);
    assert.deepEqual(phases(p), ['succeeded', 'pending', 'pending']);
    assert.equal(p.phase, 'paused');
    assert.equal(p.waitingFor, 'paused by the operator');
    assert.equal(await h.executeUpdate(resumeUpdate, { args: ['fine'] }), 'running');
    const r = await result(h);
    assert.equal(r.phase, 'succeeded');
    assert.deepEqual(
      r.events.map((e) => e.action),
      ['started', 'paused', 'resumed'],
    );
  });

  it("a closing rollout waits for its hosts' results; an update meanwhile is refused, not lost", async () => {
    // A host's end reaches the rollout twice: its signal, then its result. A result arriving in the
    // workflow task that completed the rollout failed that task (UnhandledCommand) and lost the update
    // handled in it. The canary here has signalled its end and returns its result only when released.
    const targets = hosts('a/c1:linger', 'a/h2');
    const h = await start(targets, { canary: 1 });
    await until(h, (p) => p.phase === 'awaiting-approval');
    assert.equal(await h.executeUpdate(cancelUpdate, { args: ['not today'] }), 'cancelling');
    assert.equal((await h.describe()).status.name, 'RUNNING');
    assert.equal((await progress(h)).phase, 'cancelled');
    await refused(
      h.executeUpdate(pauseUpdate, { args: ['late'] }),
      /the rollout already ended \(cancelled\)/,
    );
    await refused(h.executeUpdate(cancelUpdate, { args: ['again'] }), /the rollout already ended/);
    await release(targets[0]);
    const r = await result(h);
    assert.equal(r.phase, 'cancelled');
    assert.deepEqual(phases(r), ['succeeded', 'skipped']);
  });

  it('cancel: a host in flight stops at its safe point, the hosts not started are skipped', async () => {
    const targets = hosts('a/h1:hold', 'a/h2');
    const h = await start(targets, { maxParallel: 1 });
    await until(h, (x) => started(x).length === 1);
    assert.equal(await h.executeUpdate(cancelUpdate, { args: ['change window over'] }), 'cancelling');
    const r = await result(h);
    assert.equal(r.phase, 'cancelled');
    assert.deepEqual(
      r.problems.map((p) => [p.name, p.outcome]),
      [
        [targets[0].name, 'cancelled'],
        [targets[1].name, 'skipped'],
      ],
    );
    assert.match(
      r.problems[0].reason,
      /stopped at a safe point before "verify-cards-recovery" \(change window over\)/,
    );
    assert.equal(r.problems[1].reason, 'not started: rollout cancelled (change window over)');
  });
});
