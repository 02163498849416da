import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ibSearchAttributes } from '../../common/search-attributes';
import { freePort, startDevServer } from '../../scripts/dev-server';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { smokeWorkflow } from '../fixtures/smoke-workflows';
import { workflowBundle } from '../helpers/temporal-env';

describe('foundation: npm run server', () => {
  it('keeps a completed workflow and the search attributes across a restart (SQLite is really used)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-devserver-'));
    const dbFile = path.join(dir, 'state.sqlite');
    const port = await freePort();
    const opts = {
      port,
      uiPort: await freePort(),
      dbFile,
      headless: true,
      logFile: path.join(dir, 'server.log'),
    };
    const workflowId = 'persisted-smoke';

    let server = await startDevServer(opts);
    try {
      const nativeConnection = await NativeConnection.connect({ address: server.address });
      const worker = await Worker.create({
        connection: nativeConnection,
        taskQueue: 'persist',
        workflowBundle: await workflowBundle(require.resolve('../fixtures/smoke-workflows')),
        activities: createSmokeActivities(),
      });
      const connection = await Connection.connect({ address: server.address });
      const client = new Client({ connection });
      await worker.runUntil(
        client.workflow.execute(smokeWorkflow, { taskQueue: 'persist', workflowId, args: ['disk'] }),
      );
      await connection.close();
      await nativeConnection.close();
    } finally {
      await server.stop();
    }
    assert.ok(fs.statSync(dbFile).size > 0, 'the SQLite file was written');

    server = await startDevServer(opts);
    try {
      const connection = await Connection.connect({ address: server.address });
      const client = new Client({ connection });
      const handle = client.workflow.getHandle(workflowId);
      assert.equal((await handle.describe()).status.name, 'COMPLETED');
      assert.equal(await handle.result(), 'hello, disk');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      await connection.close();
      for (const key of ibSearchAttributes)
        assert.ok(key.name in (customAttributes ?? {}), `${key.name} registered`);
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
