import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { parseWindow, windowStatus } from '../../common/windows';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { windowStatusWorkflow } from './sandbox-workflows';

// The rollout decides about windows in workflow code: Intl.DateTimeFormat with a timeZone must give the
// same answers in the workflow sandbox (a V8 context of its own) as in Node, DST changes included.

describe('ops: maintenance windows in the workflow sandbox', () => {
  it('gives the same answers as Node, across DST changes in three zones', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('windows-sandbox');
    const specs = [
      'Mon-Fri 22:00-06:00 Europe/Berlin',
      'Sun 02:30-04:00 Europe/Berlin',
      'daily 02:15-02:45 America/New_York',
      'Sat,Sun 01:00-05:00 Australia/Sydney',
    ];
    const times = [
      '2025-01-13T17:48:00Z',
      '2025-03-30T00:00:00Z',
      '2025-03-30T01:30:00Z',
      '2025-03-09T05:00:00Z',
      '2025-04-05T14:00:00Z',
      '2025-10-26T00:45:00Z',
      '2025-11-02T04:00:00Z',
    ].map((t) => Date.parse(t));
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('./sandbox-workflows')),
    });
    const inSandbox = await worker.runUntil(
      env.client.workflow.execute(windowStatusWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-wf`,
        args: [specs, times],
      }),
    );
    const windows = specs.map(parseWindow);
    assert.deepEqual(
      inSandbox,
      times.map((t) => windowStatus(windows, t)),
    );
    assert.equal(inSandbox[0].text, 'waiting for the window Mon 22:00 CET, in 3h12m');
  });
});
