import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { writeWorkflowBundle } from '../../worker/bundle';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { smokeWorkflow } from '../fixtures/smoke-workflows';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

describe('production: prebuilt workflow bundle', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-bundle-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a bundle file that a worker runs from its path (what IBFLEET_WORKFLOW_BUNDLE points at)', async () => {
    const out = path.join(dir, 'nested', 'workflow-bundle.js');
    const written = await writeWorkflowBundle(out, {
      workflowsPath: require.resolve('../fixtures/smoke-workflows'),
      logger: quiet,
    });
    assert.equal(written.path, out);
    assert.equal(fs.statSync(out).size, written.bytes);
    assert.deepEqual(
      fs.readdirSync(path.dirname(out)),
      ['workflow-bundle.js'],
      'no temporary file left behind',
    );

    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('prebuilt-bundle');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowBundle: { codePath: out },
      activities: createSmokeActivities(),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-wf`,
        args: ['bundle'],
      }),
    );
    assert.equal(result, 'hello, bundle');
  });
});
