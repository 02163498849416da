import assert from 'node:assert/strict';
import { findVmkdevmgrWid, parsePsC, parseVmkloadModList } from '../../activities/esxi/parsers';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  bootsSince,
  changingCommands,
  commandsSince,
  expectSuccess,
  markHost,
  mstDevices,
  startProcedure,
} from './host-audit';

describe('procedures: module-reload', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('module-reload');

  before(async () => {
    fleet = await startFleet({
      hosts: 2,
      namePrefix: 'mr-',
      bootTimeMs: 200,
      controlPort: false,
      hostOverrides: { 'mr-01': { faults: { moduleUnloaded: true } } },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it("after nmlx5_core unloaded: the guide's unload, load mst_recovery=1 and HUP, in that order, without a reboot", async () => {
    const { client } = await testEnv();
    const h = fleet.inventory.hosts[0];
    assert.deepEqual(await mstDevices(h), [], 'no card listed while nmlx5_core is unloaded');
    const wid = findVmkdevmgrWid(parsePsC(await sshRead(h, 'ps -c')));
    assert.ok(wid !== undefined);
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'module-reload', h);
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'module-reload');

    assert.deepEqual(changingCommands(await commandsSince(mark)), [
      'vmkload_mod -u nmlx5_rdma',
      'vmkload_mod -u nmlx5_core',
      'vmkload_mod nmlx5_core mst_recovery=1',
      `kill -HUP ${wid}`,
    ]);
    assert.equal(await bootsSince(mark), 0, 'no reboot');
    assert.equal(report.reboots, 0);
    assert.deepEqual(await mstDevices(h), ['mt4129_pciconf0']);
    assert.ok(parseVmkloadModList(await sshRead(h, 'vmkload_mod -l')).some((m) => m.name === 'nmlx5_core'));
    assert.deepEqual(report.finalState.mstDevices, ['mt4129_pciconf0']);
  });

  it('does nothing on a healthy host', async () => {
    const { client } = await testEnv();
    const h = fleet.inventory.hosts[1];
    const mark = await markHost(h);
    const report = await expectSuccess(await startProcedure(client, taskQueue, 'module-reload', h));
    assert.deepEqual(changingCommands(await commandsSince(mark)), []);
    assert.equal(await bootsSince(mark), 0);
    assert.deepEqual(report.changes, []);
    assert.deepEqual(
      report.steps.filter((s) => s.status === 'skipped').map((s) => s.name),
      ['reload-module', 'verify-cards'],
    );
  });
});
