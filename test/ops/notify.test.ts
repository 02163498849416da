import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify';
import {
  idempotencyKey,
  jsonPayload,
  notifyEventSchema,
  notifyWorkflowId,
  parseNotifyTarget,
  rolloutClosedEvent,
  slackPayload,
  NotifySpecError,
  type NotifyEventInput,
  type NotifyTarget,
} from '../../common/notify';
import type { RolloutProgress } from '../../common/rollout';
import type { NotifyOutcome } from '../../workflows/notify';
import { historyText } from '../security/history-text';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { HttpReceiver } from './http-receiver';
import { fireAndForgetWorkflow } from './notify-workflows';

// Notifications: the targets and payloads (pure), and sending on a real dev server to local receivers,
// one of which fails and recovers: at least once, each attempt with the same idempotency key, the
// sender never waiting, the secret URL of a reference never in a history.

const progress: RolloutProgress = {
  rolloutId: 'rc-1',
  procedure: 'recovery-cycle',
  phase: 'failed',
  counts: { pending: 0, running: 0, succeeded: 2, failed: 0, 'needs-attention': 1, skipped: 0, cancelled: 0 },
  total: 3,
  hosts: [
    { name: 'esx-01', cluster: 'a', phase: 'succeeded' },
    { name: 'esx-02', cluster: 'a', phase: 'succeeded' },
    { name: 'esx-03', cluster: 'a', phase: 'needs-attention', reason: 'host did not return within 45m' },
  ],
  startedAt: '2026-01-01T00:00:00.000Z',
  elapsedMs: 1000,
  continueAsNewCount: 0,
  budget: { allowed: 1, used: 1, exceeded: false },
};

describe('ops: notification targets and payloads', () => {
  it('parses URLs, references and forced formats', () => {
    assert.deepEqual(parseNotifyTarget('http://127.0.0.1:9000/hook'), {
      url: 'http://127.0.0.1:9000/hook',
      format: 'auto',
    });
    assert.deepEqual(parseNotifyTarget('slack+https://chat.example.com/hooks/ops'), {
      url: 'https://chat.example.com/hooks/ops',
      format: 'slack',
    });
    assert.deepEqual(parseNotifyTarget('env:IBFLEET_NOTIFY_SLACK_URL'), {
      env: 'IBFLEET_NOTIFY_SLACK_URL',
      format: 'auto',
    });
    assert.deepEqual(parseNotifyTarget('json+env:IBFLEET_NOTIFY_X'), {
      env: 'IBFLEET_NOTIFY_X',
      format: 'json',
    });
  });

  it('refuses URLs that carry a secret, without printing the secret', () => {
    const refused = (text: string, reason: RegExp) =>
      assert.throws(
        () => parseNotifyTarget(text),
        (e: Error) => e instanceof NotifySpecError && reason.test(e.message) && !e.message.includes('s3cr3t'),
      );
    refused(
      'https://hooks.slack.com/services/T0/B0/s3cr3t',
      /hooks\.slack\.com is a Slack webhook.*env:NAME/,
    );
    refused('https://ops:s3cr3t@example.com/hook', /example\.com carries user:password@/);
    refused('https://example.com/hook?token=s3cr3t', /secret-looking query parameter "token"/);
    refused('https://example.com/hook?api_key=s3cr3t', /secret-looking query parameter "api_key"/);
    refused('ftp://example.com/x', /must be an http\(s\) URL or env:NAME/);
    refused('env:TEMPORAL_API_KEY', /worker's own settings/);
    refused('env:IBFLEET_CODEC_KEYS', /worker's own settings/);
    refused('env:1BAD', /not an environment variable name/);
  });

  it('builds the same idempotency key for the same event, and one per host for host events', () => {
    const event = notifyEventSchema.parse(rolloutClosedEvent(progress, '2026-01-01T00:01:00.000Z'));
    assert.equal(idempotencyKey(event), 'ibfleet:rc-1:rollout-closed');
    assert.equal(notifyWorkflowId(event), 'ibfleet/notify/rc-1/rollout-closed');
    assert.equal(
      idempotencyKey({ rolloutId: 'rc-1', kind: 'host-needs-attention', subject: 'esx-03' }),
      'ibfleet:rc-1:host-needs-attention:esx-03',
    );
    const json = jsonPayload(event);
    assert.equal(json.idempotencyKey, 'ibfleet:rc-1:rollout-closed');
    assert.equal(
      json.text,
      'rollout rc-1 (recovery-cycle) failed: 2/3 succeeded, 0 failed, 1 need attention, 0 cancelled, 0 skipped',
    );
    assert.deepEqual(json.lines, ['esx-03: needs-attention (host did not return within 45m)']);
    assert.deepEqual(slackPayload({ ...event, text: 'a <b> & c' }), {
      text: '*ibfleet* a &lt;b&gt; &amp; c\n• esx-03: needs-attention (host did not return within 45m)',
    });
  });
});

describe('ops: notifications on the dev server', function () {
  this.timeout(120_000);
  const SECRET_PATH = '/services/T000/B000/XsecretTOKENx';
  const fast = { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 4 };
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  const receivers: HttpReceiver[] = [];
  const env: Record<string, string | undefined> = {};

  const receiver = async () => {
    const r = await new HttpReceiver().start();
    receivers.push(r);
    return r;
  };
  const event = (rolloutId: string): NotifyEventInput => ({
    ...rolloutClosedEvent({ ...progress, rolloutId }, '2026-01-01T00:01:00.000Z'),
  });

  before(async () => {
    const testenv = await testEnv();
    taskQueue = uniqueTaskQueue('notify');
    worker = await Worker.create({
      connection: testenv.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('./notify-workflows')),
      activities: createNotifyActivities({ env }),
    });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('does not wait for delivery; an endpoint that fails and recovers gets the event again with the same key', async () => {
    const { client } = await testEnv();
    const flaky = await receiver();
    flaky.status = 503;
    const slack = await receiver();
    env.IBFLEET_NOTIFY_SLACK_URL = slack.url(SECRET_PATH);
    const targets: NotifyTarget[] = [
      { url: flaky.url(), format: 'auto' },
      { env: 'IBFLEET_NOTIFY_SLACK_URL', format: 'slack' },
    ];
    const e = event(`${taskQueue}-a`);
    // The sender finishes while the flaky endpoint still fails: it never waits for delivery.
    const sender = await client.workflow.execute(fireAndForgetWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-sender-a`,
      args: [targets, e, { retry: { ...fast, maximumAttempts: 100 } }],
    });
    assert.equal(sender, 'done');
    await flaky.received(2);
    flaky.status = 200; // recovers
    const outcomes = (await client.workflow.getHandle(notifyWorkflowId(e)).result()) as NotifyOutcome[];
    assert.deepEqual(
      outcomes.map((o) => o.delivered),
      [true, true],
    );

    const key = `ibfleet:${taskQueue}-a:rollout-closed`;
    assert.ok(flaky.requests.length >= 3, `${flaky.requests.length} attempts`);
    for (const r of flaky.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['idempotency-key'], key);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal((JSON.parse(r.body) as { idempotencyKey: string }).idempotencyKey, key);
    }
    assert.equal(new Set(flaky.requests.map((r) => r.body)).size, 1, 'every attempt sends the same body');
    const body = JSON.parse(flaky.requests[0].body) as { kind: string; rolloutId: string; ibfleet: number };
    assert.deepEqual([body.ibfleet, body.kind, body.rolloutId], [1, 'rollout-closed', `${taskQueue}-a`]);

    // The Slack endpoint: once (the second start was a no-op), Slack's payload, the key in the header.
    assert.equal(slack.requests.length, 1);
    assert.equal(slack.requests[0].path, SECRET_PATH);
    assert.equal(slack.requests[0].headers['idempotency-key'], key);
    assert.deepEqual(Object.keys(JSON.parse(slack.requests[0].body) as object), ['text']);

    // The URL behind the reference is in no history.
    for (const id of [`${taskQueue}-sender-a`, notifyWorkflowId(e)]) {
      const text = await historyText(client, id);
      assert.ok(text.all.includes('IBFLEET_NOTIFY_SLACK_URL'), 'the reference is');
      assert.ok(!text.all.includes('XsecretTOKENx'), `secret in the history of ${id}`);
    }
  });

  it('an endpoint that never recovers fails only the notify workflow, naming the endpoint; a refused one is tried once', async () => {
    const { client } = await testEnv();
    const down = await receiver();
    down.status = 500;
    const gone = await receiver();
    gone.status = 404;
    const fine = await receiver();
    const targets: NotifyTarget[] = [
      { url: down.url(), format: 'json' },
      { url: gone.url(), format: 'json' },
      { env: 'HOME', format: 'auto' }, // not allowed by the policy: refused on the worker
      { url: fine.url(), format: 'json' },
    ];
    const e = event(`${taskQueue}-b`);
    const sender = await client.workflow.execute(fireAndForgetWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-sender-b`,
      args: [targets, e, { retry: fast }],
    });
    assert.equal(sender, 'done');
    const err = await client.workflow
      .getHandle(notifyWorkflowId(e))
      .result()
      .then(
        () => assert.fail('the notify workflow should fail'),
        (x: unknown) => x,
      );
    assert.ok(err instanceof WorkflowFailedError);
    const cause = err.cause as ApplicationFailure;
    assert.equal(cause.type, 'NotifyFailed');
    assert.match(cause.message, /^3 of 4 endpoint\(s\) did not take rollout-closed/);
    assert.match(cause.message, new RegExp(`${down.url()} \\(.*answered HTTP 500`));
    assert.match(cause.message, new RegExp(`${gone.url()} \\(.*answered HTTP 404`));
    assert.match(
      cause.message,
      /env:HOME \(env:HOME: environment variable HOME is not allowed to hold a URL \(allowed: IBFLEET_SSH_\*, IBFLEET_NOTIFY_\*/,
    );
    assert.equal(down.requests.length, fast.maximumAttempts, 'retried up to the bound');
    assert.equal(gone.requests.length, 1, '4xx is not retried');
    assert.equal(fine.requests.length, 1);
  });
});
