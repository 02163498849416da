import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createHostActivities } from '../../activities/esxi';
import { ModuleOptionsError } from '../../activities/esxi/parsers';
import type { SshRunner } from '../../activities/ssh';
import { asActivity } from '../../activities/step-context';
import type { Timing } from '../../common/procedures';
import type { HostRef } from '../../common/targets';
import { fastTiming } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';

// Issue 18 item 9: a deterministic refusal (a RangeError from a step's own argument check) was a plain
// error to Temporal, so the step ran eight times before the procedure failed. The activity boundary
// makes such refusals non-retryable failures of their own type.

const host: HostRef = {
  kind: 'esxi',
  name: 'refusal-01',
  cluster: 'test',
  tags: [],
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  credential: { type: 'password-env', env: 'IBFLEET_SSH_PASSWORD_REFUSAL_TEST' },
};

/** A host that answers `esxcfg-module -g` and counts how often it was asked (once per step attempt). */
function countingHost(options: string) {
  const seen: string[] = [];
  const runner = {
    run: (_endpoint: unknown, command: string) => {
      seen.push(command);
      const stdout = `nmlx5_core enabled = 1 options = '${options}'\n`;
      return Promise.resolve({ stdout, stderr: '', code: 0, durationMs: 1 });
    },
  };
  // The steps only call run(); a whole SshRunner would need a connection pool for nothing.
  return { runner: runner as unknown as SshRunner, seen };
}

function expectRefusal(err: unknown, type: string): ApplicationFailure {
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  assert.equal(err.type, type);
  assert.equal(err.nonRetryable, true);
  return err;
}

describe('activities: deterministic refusals are not retried', () => {
  it('the activity boundary turns a RangeError into a non-retryable InvalidInput', async () => {
    const err: unknown = await asActivity(() =>
      Promise.reject(new RangeError('invalid module option name "bad key"')),
    ).catch((e: unknown) => e);
    const failure = expectRefusal(err, 'InvalidInput');
    assert.match(failure.message, /refused: invalid module option name "bad key"/);
  });

  it('an option string ibfleet will not edit is a non-retryable ModuleOptionsUnsupported (not UnexpectedOutput)', async () => {
    const err: unknown = await asActivity(() =>
      Promise.reject(new ModuleOptionsError('test reason', "desc=it's")),
    ).catch((e: unknown) => e);
    expectRefusal(err, 'ModuleOptionsUnsupported');
  });

  it('other errors stay retryable (a transient fault may pass)', async () => {
    const err: unknown = await asActivity(() =>
      Promise.reject(new Error('maintenance mode is still on')),
    ).catch((e: unknown) => e);
    assert.ok(!(err instanceof ApplicationFailure && err.nonRetryable));
  });

  it("a step that refuses its input runs once under the procedures' retry policy (eight attempts allowed)", async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('step-refusal');
    const { runner, seen } = countingHost('pfctx=0x08');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/step-refusal-workflows')),
      activities: createHostActivities(runner),
    });
    // Short backoff, so that without the fix all eight attempts run within a few seconds.
    const timing: Timing = { ...fastTiming, pollIntervalMs: 5 };
    const failure = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('setModuleOptionStepWorkflow', {
        taskQueue,
        workflowId: `${taskQueue}-set`,
        args: [{ host, timing, step: 'set-option', key: 'bad key', value: '1' }],
      });
      return await handle.result().then(
        () => assert.fail('the step must be refused'),
        (e: unknown) => e,
      );
    });
    assert.deepEqual(seen, ['esxcfg-module -g nmlx5_core'], 'one attempt: the options were read once');
    assert.ok(failure instanceof WorkflowFailedError, String(failure));
    // A local step's failure reaches the workflow as the ApplicationFailure itself, an activity's wrapped.
    const refusal = failure.cause instanceof ActivityFailure ? failure.cause.cause : failure.cause;
    const cause = expectRefusal(refusal, 'InvalidInput');
    assert.match(cause.message, /invalid module option name "bad key"/);
  });
});
