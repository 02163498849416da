import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { smokeWorkflow } from '../fixtures/smoke-workflows';

describe('foundation: the real dev server', () => {
  it('runs a workflow with an activity end to end', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/smoke-workflows')),
      activities: createSmokeActivities(),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-wf`,
        args: ['fleet'],
      }),
    );
    assert.equal(result, 'hello, fleet');
  });
});
