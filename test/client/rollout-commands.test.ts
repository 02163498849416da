import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { TemporalFactory } from '../../client/deps';
import { IbPhase, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { rolloutWorkflowId, targetWorkflowId } from '../../common/targets';
import { rolloutProgressQuery } from '../../workflows/messages';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { releaseStubHostSignal } from '../fixtures/mocked-rollout-messages';
import { harness, tempDir, VALID_INVENTORY } from './harness';

// The rollout commands against a real dev server, the real rollout workflow and stub host procedures
// (test/fixtures/stub-rollout-workflows.ts; the real procedures are tested end to end elsewhere): start,
// status, list, the control updates, watch, report and retry, with their exit codes.

describe('client: rollout commands against Temporal (real rollout, stub procedures)', function () {
  this.timeout(120_000);
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  const savedQueue = process.env.IBFLEET_TASK_QUEUE;
  const connect: TemporalFactory = () =>
    Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
  const id = `cli-test-${process.pid}-${Date.now().toString(36)}`;

  before(async () => {
    const env = await testEnv();
    client = env.client;
    const taskQueue = uniqueTaskQueue('cli-rollout');
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/stub-rollout-workflows')),
      // The CLI asks the worker about credentials before starting (test/client/credential-checks.test.ts
      // tests that): here every reference is usable.
      activities: { checkCredentials: () => Promise.resolve({ problems: [], distinctReferences: 0 }) },
    });
    running = worker.run();
    tmp = tempDir();
    // esx-12 (the host after the canary) runs until the test releases it: the rollout is still running
    // when it is approved a second time.
    const held = VALID_INVENTORY.replace(
      /(address: esx-12\.example\.net\n(\s+)hostKey: .*\n)/,
      '$1$2tags: [hold]\n',
    );
    assert.notEqual(held, VALID_INVENTORY);
    file = tmp.write('fleet.yaml', held);
  });

  /**
   * Waits (bounded) until the rollout's progress shows `phase` and no child of it is open: its canary runs
   * before it waits for approval, and a canary's end reaches the rollout twice (its signal, then its
   * completion). An update in the same workflow task as that completion can be lost (the task fails with
   * UnhandledCommand when the rollout tries to close in it), so control updates wait for both.
   */
  async function untilSettled(rolloutId: string, phase: string): Promise<void> {
    const handle = client.workflow.getHandle(rolloutWorkflowId(rolloutId));
    for (let i = 0; i < 200; i++) {
      const settled =
        (await handle.query(rolloutProgressQuery)).phase === phase &&
        ((await handle.describe()).raw.pendingChildren ?? []).length === 0;
      if (settled) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`rollout ${rolloutId} never settled in ${phase}`);
  }

  after(async () => {
    worker.shutdown();
    await running;
    tmp.cleanup();
    if (savedQueue === undefined) delete process.env.IBFLEET_TASK_QUEUE;
    else process.env.IBFLEET_TASK_QUEUE = savedQueue;
  });

  it('starts a rollout with its search attributes, and refuses the same ID again', async () => {
    const h = harness({ connectTemporal: connect });
    // The canary (esx-11, tagged cx6) fails; a budget of one failure lets the rollout wait for approval.
    const code = await h.run(
      'rollout',
      'start',
      'recovery-cycle',
      '-i',
      file,
      '--select',
      'cluster=gpu-b',
      '--canary',
      '1',
      '--max-failures',
      '1',
      '--id',
      id,
    );
    assert.equal(code, 0, h.stderr());
    assert.match(h.stdout(), new RegExp(`Started rollout ${id}: recovery-cycle on 2 ESXi hosts`));
    assert.match(
      h.stdout(),
      new RegExp(`web UI +http://localhost:8233/namespaces/default/workflows/ibfleet%2Frollout%2F${id}`),
    );
    assert.match(h.stdout(), new RegExp(`approve +ibfleet rollout approve ${id}`));

    const d = await client.workflow.getHandle(rolloutWorkflowId(id)).describe();
    assert.equal(d.type, 'rolloutWorkflow');
    assert.equal(d.typedSearchAttributes.get(IbRolloutId), id);
    assert.equal(d.typedSearchAttributes.get(IbProcedure), 'recovery-cycle');
    assert.equal(d.typedSearchAttributes.get(IbPhase), 'running');

    const again = harness({ connectTemporal: connect });
    assert.equal(await again.run('rollout', 'start', 'recovery-cycle', '-i', file, '--id', id), 2);
    assert.match(again.stderr(), new RegExp(`a rollout with ID "${id}" already exists`));
  });

  it('shows the status, and pauses, resumes and approves through updates', async () => {
    await untilSettled(id, 'awaiting-approval');
    const status = harness({ connectTemporal: connect });
    assert.equal(await status.run('rollout', 'status', id), 0, status.stderr());
    assert.match(status.stdout(), /AWAITING-APPROVAL/);

    for (const [action, phase] of [
      ['pause', 'paused'],
      ['resume', 'awaiting-approval'],
      ['approve', 'running'],
    ] as const) {
      const h = harness({ connectTemporal: connect });
      assert.equal(await h.run('rollout', action, id, '--reason', 'test'), 0, h.stderr());
      assert.match(h.stdout(), new RegExp(`${action} accepted; phase is now ${phase}`));
    }
    const twice = harness({ connectTemporal: connect });
    assert.equal(await twice.run('rollout', 'approve', id), 2);
    assert.match(twice.stderr(), /refused to approve: the rollout is already approved/);
    await client.workflow
      .getHandle(targetWorkflowId({ kind: 'esxi', name: 'esx-12' }))
      .signal(releaseStubHostSignal);
  });

  it('watches to the end: exit 1 because a host failed, with the problem listed', async () => {
    const h = harness({ connectTemporal: connect });
    assert.equal(await h.run('rollout', 'watch', id), 1, h.stderr());
    assert.match(
      h.stdout(),
      /esx-11 +failed +verification failed: cards not listed \(in step verify-cards-recovery\)/,
    );
    assert.match(h.stdout(), new RegExp(`Next: ibfleet rollout retry ${id}`));
  });

  it("prints the audit trail with the hosts' steps and commands", async () => {
    const h = harness({ connectTemporal: connect });
    assert.equal(await h.run('rollout', 'report', id, '--format', 'jsonl'), 0, h.stderr());
    const records = h
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records[0].type, 'rollout');
    assert.equal(records[0].startedBy, 'tester@testhost');
    const hostLines = records.filter((r) => r.type === 'host');
    assert.deepEqual(
      hostLines.map((r) => [r.host, r.outcome]),
      [
        ['esx-11', 'failed'],
        ['esx-12', 'succeeded'],
      ],
    );
    assert.equal(hostLines[0].reason, 'verification failed: cards not listed');
    assert.ok(
      records.some(
        (r) => r.type === 'command' && r.host === 'esx-11' && r.command === 'esxcfg-module -g nmlx5_core',
      ),
    );
    assert.ok(records.some((r) => r.type === 'step' && r.host === 'esx-12'));

    const status = harness({ connectTemporal: connect });
    assert.equal(await status.run('rollout', 'status', id, '--json'), 0, status.stderr());
    const body = JSON.parse(status.stdout()) as { status: string; report: { phase: string; total: number } };
    assert.deepEqual([body.status, body.report.phase, body.report.total], ['COMPLETED', 'failed', 2]);
  });

  it('lists rollouts', async () => {
    // Visibility is eventually consistent: poll, bounded.
    let listed = '';
    for (let i = 0; i < 40 && !listed.includes(id); i++) {
      const h = harness({ connectTemporal: connect });
      assert.equal(await h.run('rollout', 'list', '--json', '--limit', '1000'), 0, h.stderr());
      listed = h.stdout();
      if (!listed.includes(id)) await new Promise((r) => setTimeout(r, 250));
    }
    const row = (JSON.parse(listed) as { rolloutId: string; procedure: string; status: string }[]).find(
      (r) => r.rolloutId === id,
    );
    assert.deepEqual(row && { procedure: row.procedure, status: row.status }, {
      procedure: 'recovery-cycle',
      status: 'COMPLETED',
    });
  });

  it('stops watching on Ctrl-C (exit 130) while the rollout goes on; cancel ends it', async () => {
    const other = `${id}-c`;
    const start = harness({ connectTemporal: connect });
    assert.equal(
      await start.run(
        'rollout',
        'start',
        'recovery-cycle',
        '-i',
        file,
        '--select',
        'cluster=gpu-a',
        '--canary',
        '1',
        '--id',
        other,
      ),
      0,
      start.stderr(),
    );
    let h: ReturnType<typeof harness> | undefined = undefined;
    h = harness({ connectTemporal: connect, onStdout: () => h?.interrupt() });
    assert.equal(await h.run('rollout', 'watch', other), 130, h.stderr());
    assert.match(h.stderr(), new RegExp(`stopped watching; rollout ${other} goes on`));
    assert.equal(
      (await client.workflow.getHandle(rolloutWorkflowId(other)).describe()).status.name,
      'RUNNING',
    );

    await untilSettled(other, 'awaiting-approval');
    const cancel = harness({ connectTemporal: connect });
    assert.equal(await cancel.run('rollout', 'cancel', other, '--reason', 'test over'), 0, cancel.stderr());
    assert.match(cancel.stdout(), /cancel accepted; phase is now cancelling/);
    const watch = harness({ connectTemporal: connect });
    assert.equal(await watch.run('rollout', 'watch', other), 1);
    assert.match(watch.stdout(), /CANCELLED after/);
  });

  it('retries only the failed host, as <id>-retry-1, and refuses control of a closed rollout', async () => {
    const h = harness({ connectTemporal: connect, isTTY: true });
    assert.equal(await h.run('rollout', 'retry', id, '--watch'), 1, h.stderr());
    assert.match(h.stdout(), /Retrying 1 target\(s\) of rollout .* \(1 succeeded and are left alone\)/);
    assert.match(
      h.stdout(),
      new RegExp(`Started rollout ${id}-retry-1: recovery-cycle on 1 ESXi host \\(retry of ${id}\\)`),
    );
    const result = (await client.workflow.getHandle(rolloutWorkflowId(`${id}-retry-1`)).result()) as {
      hosts: { name: string }[];
      retryOf?: string;
    };
    assert.deepEqual(
      result.hosts.map((x) => x.name),
      ['esx-11'],
    );
    assert.equal(result.retryOf, id);

    const closed = harness({ connectTemporal: connect });
    assert.equal(await closed.run('rollout', 'cancel', id), 2);
    assert.match(closed.stderr(), /is COMPLETED: there is nothing to cancel/);
    const missing = harness({ connectTemporal: connect });
    assert.equal(await missing.run('rollout', 'status', `${id}-nope`), 2);
    assert.match(missing.stderr(), /no rollout ".*-nope" in namespace default/);
  });
});
