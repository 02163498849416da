import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { RolloutReport } from '../../common/rollout';
import { freePort, startDevServer, type DevServer, type DevServerOptions } from '../../scripts/dev-server';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { uniqueTaskQueue } from '../helpers/temporal-env';
import { auditRecoveryCycle, markHost, type HostMark } from './host-audit';

// The Temporal server itself goes away in the middle of a rollout (while hosts are rebooting) and comes
// back on the same SQLite file and port. The worker process rides it out (it keeps retrying its polls),
// and the rollout finishes with the same guarantees: two boots per host, each option write once.

const ORIGINAL = 'max_vfs=8,8 trust_state=2';

describe('durability: Temporal server restart in the middle of a rollout', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-server-restart-'));
  let server: DevServer | undefined;
  let worker: WorkerProcess | undefined;
  let fleet: Fleet | undefined;
  const connections: Connection[] = [];

  async function connect(address: string): Promise<Client> {
    const connection = await Connection.connect({ address });
    connections.push(connection);
    return new Client({ connection });
  }

  after(async () => {
    await worker?.kill('SIGKILL');
    for (const c of connections) await c.close().catch(() => undefined);
    await server?.stop();
    await fleet?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finishes every host exactly once after the server was stopped while hosts rebooted, and restarted', async () => {
    const opts: DevServerOptions = {
      port: await freePort(),
      dbFile: path.join(dir, 'temporal.sqlite'),
      headless: true,
      logFile: path.join(dir, 'server.log'),
    };
    server = await startDevServer(opts);
    const taskQueue = uniqueTaskQueue('server-restart');
    // Boots long enough that the server can be stopped while hosts are down.
    fleet = await startFleet({
      hosts: 6,
      clusters: 2,
      namePrefix: `srv${process.pid}-`,
      bootTimeMs: [1_000, 1_500],
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
    });
    const hosts = fleet.inventory.hosts;
    const marks: HostMark[] = [];
    for (const h of hosts) marks.push(await markHost(h));

    worker = await spawnWorker(taskQueue, { TEMPORAL_ADDRESS: server.address });
    await worker.ready;
    const client = await connect(server.address);
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 6,
      perCluster: 0,
    });

    // Stop the server as soon as a host goes down for its first reboot; keep it away until that host is back.
    const firstDown = await Promise.race(
      hosts.map((h) =>
        fleet!
          .host(h.name)
          .waitFor('down', { timeoutMs: 60_000 })
          .then(() => h.name),
      ),
    );
    const bootsAtStop = fleet.host(firstDown).bootCount;
    await server.stop();
    await fleet.host(firstDown).waitFor('up', { minBootCount: bootsAtStop + 1, timeoutMs: 30_000 });
    const workerExitedWhileDown = worker.child.exitCode !== null;

    server = await startDevServer(opts);
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
      // Not expected (the SDK retries polls), but the rollout must still finish with a new worker.
      worker = await spawnWorker(taskQueue, { TEMPORAL_ADDRESS: server.address });
      await worker.ready;
    }
    const after = await connect(server.address);
    const report = (await after.workflow.getHandle(handle.workflowId).result()) as RolloutReport;

    assert.equal(
      workerExitedWhileDown,
      false,
      `the worker survived the server being away:\n${worker.output().slice(-2_000)}`,
    );
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    const problems: string[] = [];
    for (const m of marks)
      problems.push(
        ...(await auditRecoveryCycle(
          m,
          ORIGINAL,
          report.hosts.find((x) => x.name === m.host.name),
        )),
      );
    assert.deepEqual(problems, []);
  });
});
