import assert from 'node:assert/strict';
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
  mlxValues,
  startProcedure,
  storedOptions,
  vfsPerPort,
} from './host-audit';

const OTHER = 'pfctx=0x08 pfcrx=0x08 trust_state=2';
const CX6 = 'mt4123_pciconf0';

describe('procedures: sriov-disable', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('sriov-disable');

  before(async () => {
    fleet = await startFleet({
      hosts: 1,
      namePrefix: 'sd-',
      bootTimeMs: 200,
      controlPort: false,
      // SR-IOV on, as sriov-enable leaves a dual-port ConnectX-6.
      defaults: {
        cards: ['ConnectX-6'],
        nmlx5CoreOptions: `${OTHER} max_vfs=4,4`,
        mlxconfig: { ADVANCED_PCI_SETTINGS: 1, FORCE_ETH_PCI_SUBCLASS: 1, SRIOV_EN: 1, NUM_OF_VFS: 16 },
      },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('turns SR-IOV off with one reboot, removes max_vfs only, and leaves no VF; again: nothing', async () => {
    const { client } = await testEnv();
    const h = fleet.inventory.hosts[0];
    assert.deepEqual(await vfsPerPort(h), { vmnic2: 4, vmnic3: 4 }, 'VFs before');
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'sriov-disable', h);
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'sriov-disable');

    assert.deepEqual(changingCommands(await commandsSince(mark)), [
      'esxcli system maintenanceMode set -e true -t 600',
      `/opt/mellanox/bin/mlxconfig -d ${CX6} -y set SRIOV_EN=0 NUM_OF_VFS=0`,
      `esxcli system module parameters set -m nmlx5_core -p "${OTHER}"`,
      'esxcli system shutdown reboot -r "ibfleet sriov-disable"',
      'esxcli system maintenanceMode set -e false',
    ]);
    assert.equal(await bootsSince(mark), 1, 'exactly one boot');
    assert.equal(report.reboots, 1);
    const values = await mlxValues(h, CX6);
    assert.equal(values.SRIOV_EN.current, '0');
    assert.equal(values.NUM_OF_VFS.current, '0');
    assert.deepEqual(await vfsPerPort(h), { vmnic2: 0, vmnic3: 0 });
    assert.equal(await storedOptions(h), OTHER, 'max_vfs removed, every other option intact');
    assert.match(await sshRead(h, 'esxcli system maintenanceMode get'), /Disabled/);

    const again = await markHost(h);
    const second = await expectSuccess(await startProcedure(client, taskQueue, 'sriov-disable', h));
    assert.deepEqual(changingCommands(await commandsSince(again)), []);
    assert.equal(await bootsSince(again), 0);
    assert.equal(second.finalState.alreadyDisabled, true);
  });
});
