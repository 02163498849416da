import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import type { HostRef } from '../../common/targets';
import {
  bootsSince,
  changingCommands,
  commandsSince,
  expectFailure,
  expectSuccess,
  markHost,
  mlxValues,
  rebootCommands,
  startProcedure,
  storedOptions,
  vfsPerPort,
  fleetHost,
} from './host-audit';

const OTHER = 'pfctx=0x08 pfcrx=0x08 trust_state=2';
const CX6 = 'mt4123_pciconf0';
const MLX = '/opt/mellanox/bin/mlxconfig';
const params = { numVfs: 16, maxVfs: 4 };

/** The guide's three mlxconfig commands (section 3.1), in its order. */
const guideSets = (numVfs: number) => [
  `${MLX} -d ${CX6} -y set ADVANCED_PCI_SETTINGS=1`,
  `${MLX} -d ${CX6} -y set FORCE_ETH_PCI_SUBCLASS=1`,
  `${MLX} -d ${CX6} -y set SRIOV_EN=1 NUM_OF_VFS=${numVfs}`,
];

describe('procedures: sriov-enable', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('sriov-enable');
  const host = (name: string): HostRef => fleetHost(fleet, name);

  before(async () => {
    fleet = await startFleet({
      hosts: 4,
      namePrefix: 'se-',
      bootTimeMs: 200,
      controlPort: false,
      // One dual-port ConnectX-6 per host: max_vfs has one value per port ("4,4").
      defaults: { cards: ['ConnectX-6'], nmlx5CoreOptions: OTHER },
      hostOverrides: { 'se-02': { quickBoot: true }, 'se-03': { quickBoot: true } },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it("from SR-IOV off: the guide's mlxconfig sets, max_vfs merged, one reboot, VFs on every port; again: nothing", async () => {
    const { client } = await testEnv();
    const h = host('se-01');
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'sriov-enable', h, { params });
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'sriov-enable');

    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), [
      'esxcli system maintenanceMode set -e true -t 600',
      ...guideSets(16),
      `esxcli system module parameters set -m nmlx5_core -p "${OTHER} max_vfs=4,4"`,
      'esxcli system shutdown reboot -r "ibfleet sriov-enable"',
      'esxcli system maintenanceMode set -e false',
    ]);
    assert.equal(await bootsSince(mark), 1, 'exactly one boot');
    assert.equal(report.reboots, 1);
    const values = await mlxValues(h, CX6);
    for (const [k, v] of Object.entries({
      ADVANCED_PCI_SETTINGS: '1',
      FORCE_ETH_PCI_SUBCLASS: '1',
      SRIOV_EN: '1',
      NUM_OF_VFS: '16',
    })) {
      assert.equal(values[k].current, v, `${k} Current`);
    }
    assert.deepEqual(await vfsPerPort(h), { vmnic2: 4, vmnic3: 4 });
    assert.equal(await storedOptions(h), `${OTHER} max_vfs=4,4`);
    assert.match(await sshRead(h, 'esxcli system maintenanceMode get'), /Disabled/);

    const again = await markHost(h);
    const second = await expectSuccess(
      await startProcedure(client, taskQueue, 'sriov-enable', h, { params }),
    );
    assert.deepEqual(changingCommands(await commandsSince(again)), [], 'an enabled host is left untouched');
    assert.equal(await bootsSince(again), 0);
    assert.equal(second.reboots, 0);
    assert.equal(second.finalState.alreadyConfigured, true);
  });

  it('with Quick Boot on: the warm reboot leaves Next Boot only, so one cold reboot with Quick Boot off, then restored', async () => {
    const { client } = await testEnv();
    const h = host('se-02');
    const mark = await markHost(h);
    const report = await expectSuccess(
      await startProcedure(client, taskQueue, 'sriov-enable', h, { params }),
    );

    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), [
      'esxcli system maintenanceMode set -e true -t 600',
      ...guideSets(16),
      `esxcli system module parameters set -m nmlx5_core -p "${OTHER} max_vfs=4,4"`,
      'esxcli system shutdown reboot -r "ibfleet sriov-enable"',
      '/bin/loadESXEnable -d',
      'esxcli system shutdown reboot -r "ibfleet sriov-enable (cold, firmware)"',
      '/bin/loadESXEnable -e',
      'esxcli system maintenanceMode set -e false',
    ]);
    assert.equal(await bootsSince(mark), 2, 'a warm and a cold boot');
    assert.equal(report.reboots, 2);
    assert.equal((await mlxValues(h, CX6)).SRIOV_EN.current, '1');
    assert.deepEqual(await vfsPerPort(h), { vmnic2: 4, vmnic3: 4 });
    assert.match(await sshRead(h, '/bin/loadESXEnable -s'), /enabled/);
    assert.ok(report.changes.includes('Quick Boot restored'));
  });

  it('with Quick Boot on and allowColdReboot=false: a clear VerificationFailed after the one warm reboot', async () => {
    const { client } = await testEnv();
    const h = host('se-03');
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'sriov-enable', h, {
        params: { ...params, allowColdReboot: false },
      }),
      'VerificationFailed',
    );
    assert.match(failure.message, /still only "Next Boot" after a warm \(Quick Boot\) reboot/);
    assert.match(failure.message, /allowColdReboot/);
    assert.equal(failure.report.outcome, 'needs-attention');
    const commands = await commandsSince(mark);
    assert.equal(rebootCommands(commands).length, 1);
    assert.ok(!commands.some((c) => c.startsWith('/bin/loadESXEnable -')), 'Quick Boot was not touched');
    assert.equal(await bootsSince(mark), 1);
    assert.equal((await mlxValues(h, CX6)).SRIOV_EN.nextBoot, '1');
  });

  it("refuses NUM_OF_VFS too small for the card's ports with PreconditionFailed before any change", async () => {
    const { client } = await testEnv();
    const h = host('se-04');
    const mark = await markHost(h);
    // 8 >= maxVfs + 1 passes input validation, but a dual-port card needs 4 × 2 + 1 = 9.
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'sriov-enable', h, { params: { numVfs: 8, maxVfs: 4 } }),
      'PreconditionFailed',
    );
    assert.match(failure.message, /mt4123_pciconf0: numVfs 8 < maxVfs 4 × 2 port\(s\) \+ 1 = 9/);
    assert.equal(failure.report.outcome, 'failed');
    assert.deepEqual(changingCommands(await commandsSince(mark)), []);
    assert.equal(await bootsSince(mark), 0);
  });
});
