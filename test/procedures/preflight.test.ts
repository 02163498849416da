import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  bootsSince,
  changingCommands,
  commandsSince,
  expectFailure,
  expectSuccess,
  markHost,
  startProcedure,
} from './host-audit';

describe('procedures: preflight', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('preflight');

  before(async () => {
    fleet = await startFleet({
      hosts: 2,
      namePrefix: 'pf-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { nmlx5CoreOptions: 'pfctx=0x08 pfcrx=0x08' },
      hostOverrides: { 'pf-02': { mft: false } },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('passes on a ready host and only reads (no changing command, no reboot)', async () => {
    const { client } = await testEnv();
    const host = fleet.inventory.hosts[0];
    const mark = await markHost(host);
    const handle = await startProcedure(client, taskQueue, 'preflight', host);
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'preflight');

    const commands = await commandsSince(mark);
    assert.ok(commands.includes('esxcli software vib list'), 'the VIBs were read');
    assert.ok(commands.includes('/opt/mellanox/bin/mst status'), 'the cards were read');
    assert.deepEqual(changingCommands(commands), [], 'nothing changed');
    assert.equal(await bootsSince(mark), 0);
    assert.equal(report.reboots, 0);
    assert.deepEqual(report.changes, []);
    assert.deepEqual(report.finalState.mstDevices, ['mt4129_pciconf0']);
    assert.equal(report.finalState.moduleOptions, 'pfctx=0x08 pfcrx=0x08');
  });

  it('fails with PreconditionFailed naming the missing MFT, and changes nothing', async () => {
    const { client } = await testEnv();
    const host = fleet.inventory.hosts[1];
    const mark = await markHost(host);
    const handle = await startProcedure(client, taskQueue, 'preflight', host);
    const failure = await expectFailure(handle, 'PreconditionFailed');
    assert.match(failure.message, /VIB mft \(NVIDIA MFT\/NMST\) is not installed/);
    assert.match(failure.message, /pf-02/);
    assert.equal(failure.report.outcome, 'failed');
    assert.deepEqual(changingCommands(await commandsSince(mark)), []);
    assert.equal(await bootsSince(mark), 0);
  });
});
