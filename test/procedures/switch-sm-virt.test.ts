import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import type { SwitchMachine } from '../../simulator/switch';
import type { SwitchRef } from '../../common/targets';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { expectFailure, expectSuccess, startProcedure } from './host-audit';

/** Lines of the MLNX-OS CLI that change the switch (the rest read or change mode). */
const CHANGING = /^(no )?ib sm( |$)|^configuration write$/;

describe('procedures: switch-sm-virt', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('switch-sm-virt');
  const sw = (i: number): { ref: SwitchRef; machine: SwitchMachine; typed: string[] } => {
    const ref = fleet.inventory.switches[i];
    const machine = fleet.machine(ref.name) as SwitchMachine;
    assert.equal(machine.kind, 'switch');
    const typed: string[] = [];
    fleet.host(ref.name).on('command', (line: string) => typed.push(line.trim()));
    return { ref, machine, typed };
  };

  before(async () => {
    fleet = await startFleet({ hosts: 0, switches: 3, controlPort: false });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('enables OpenSM virtualization, writes the configuration and restarts the SM', async () => {
    const { client } = await testEnv();
    const { ref, machine, typed } = sw(0);
    assert.equal(machine.state.virtualizationActive(), false);
    const handle = await startProcedure(client, taskQueue, 'switch-sm-virt', ref, { tag: 'ssv' });
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'switch-sm-virt');

    assert.deepEqual(
      typed.filter((l) => CHANGING.test(l)),
      ['ib sm virt enable', 'configuration write', 'no ib sm', 'ib sm'],
    );
    assert.equal(machine.state.saved.smVirtEnabled, true, 'saved in the configuration');
    assert.equal(machine.state.virtualizationActive(), true, 'in effect: the SM was restarted');
    assert.equal(machine.state.configWriteCount, 1);
    assert.equal(machine.state.smRestartCount, 1);
    assert.deepEqual(report.finalState, { release: '3.11.1004', smEnabled: true, smVirtEnabled: true });
    assert.deepEqual(report.changes, [
      'ib sm virt enable',
      'configuration write',
      'restarted the SM (no ib sm; ib sm)',
    ]);
  });

  it('does nothing when virtualization is already enabled', async () => {
    const { client } = await testEnv();
    const { ref, machine, typed } = sw(1);
    machine.state.setSmVirtEnabled(true);
    machine.state.writeConfiguration();
    machine.state.reboot(); // the SM starts with virtualization
    const report = await expectSuccess(
      await startProcedure(client, taskQueue, 'switch-sm-virt', ref, { tag: 'ssv' }),
    );
    assert.deepEqual(
      typed.filter((l) => CHANGING.test(l)),
      [],
    );
    assert.ok(!typed.includes('configure terminal'));
    assert.deepEqual(report.changes, []);
    assert.equal(machine.state.configWriteCount, 1, 'only the set-up write');
  });

  it('refuses an MLNX-OS older than minVersion with PreconditionFailed and changes nothing', async () => {
    const { client } = await testEnv();
    const { ref, machine, typed } = sw(2);
    machine.state.version = '3.9.2110';
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'switch-sm-virt', ref, {
        tag: 'ssv',
        params: { minVersion: '3.10.4000' },
      }),
      'PreconditionFailed',
    );
    assert.match(failure.message, /MLNX-OS 3\.9\.2110 is older than 3\.10\.4000/);
    assert.equal(failure.report.outcome, 'failed');
    assert.deepEqual(
      typed.filter((l) => CHANGING.test(l)),
      [],
    );
    assert.equal(machine.state.virtualizationActive(), false);
  });
});
