import assert from 'node:assert/strict';
import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import { targetWorkflowId } from '../../common/targets';
import { parseEsxcfgModuleGet, parseShellLog, parseVmksummaryBoots } from '../../activities/esxi/parsers';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { fastHostOptions, sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
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
  storedOptions,
} from './host-audit';

const ORIGINAL = 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4';

describe('procedures: recovery-cycle', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('recovery-cycle');

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      namePrefix: 'rc-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL, hiddenCards: true },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('reboots exactly twice, shows the hidden cards, and restores every other stored option exactly', async () => {
    const { client } = await testEnv();
    const host = fleet.inventory.hosts[0];
    const bootsBefore = parseVmksummaryBoots(await sshRead(host, 'cat /var/log/vmksummary.log')).bootCount;
    assert.equal(
      (await sshRead(host, '/opt/mellanox/bin/mst status')).includes('pciconf'),
      false,
      'cards start hidden',
    );
    const logBefore = parseShellLog(await sshRead(host, 'cat /var/log/shell.log')).length;

    const input: ProcedureInput = {
      procedure: 'recovery-cycle',
      target: host,
      params: {},
      options: fastHostOptions,
    };
    const handle = await client.workflow.start('recoveryCycleWorkflow', {
      taskQueue,
      workflowId: targetWorkflowId(host),
      args: [input],
    });
    const report = (await handle.result()) as ProcedureReport;
    await maybeRecordHistory(handle, 'recovery-cycle');

    assert.equal(report.outcome, 'succeeded', report.reason);
    assert.equal(report.reboots, 2);
    const commands = parseShellLog(await sshRead(host, 'cat /var/log/shell.log'))
      .slice(logBefore)
      .map((e) => e.command);
    const sets = commands.filter((c) => c.startsWith('esxcli system module parameters set'));
    assert.deepEqual(sets, [
      `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL} mst_recovery=1"`,
      `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL}"`,
    ]);
    assert.equal(commands.filter((c) => c.startsWith('esxcli system shutdown reboot')).length, 2);
    assert.equal(commands.filter((c) => c === 'esxcli system maintenanceMode set -e true -t 600').length, 1);
    assert.equal(commands.filter((c) => c === 'esxcli system maintenanceMode set -e false').length, 1);

    const bootsAfter = parseVmksummaryBoots(await sshRead(host, 'cat /var/log/vmksummary.log')).bootCount;
    assert.equal(bootsAfter - bootsBefore, 2, 'exactly two boots');
    assert.equal(parseEsxcfgModuleGet(await sshRead(host, 'esxcfg-module -g nmlx5_core')).options, ORIGINAL);
    assert.match(await sshRead(host, '/opt/mellanox/bin/mst status'), /pciconf/);
    assert.match(await sshRead(host, 'esxcli system maintenanceMode get'), /Disabled/);
    assert.deepEqual(report.finalState.moduleOptions, ORIGINAL);
    assert.ok(report.commands.length > 0, 'the audit trail lists commands');
  });

  it('without maintenance mode: busybox `reboot` twice and no maintenance-mode command', async () => {
    const { client } = await testEnv();
    const host = fleet.inventory.hosts[2];
    const mark = await markHost(host);
    const report = await expectSuccess(
      await startProcedure(client, taskQueue, 'recovery-cycle', host, {
        options: { ...fastHostOptions, maintenanceMode: false },
      }),
    );
    // No `esxcli system maintenanceMode set` at all: only reads and the guide's changes.
    assert.deepEqual(changingCommands(await commandsSince(mark)), [
      `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL} mst_recovery=1"`,
      'reboot',
      `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL}"`,
      'reboot',
    ]);
    assert.equal(await bootsSince(mark), 2);
    assert.equal(report.reboots, 2);
    assert.equal(await storedOptions(host), ORIGINAL);
    assert.deepEqual(await mstDevices(host), ['mt4129_pciconf0']);
  });

  it('rejects bad input with a non-retryable InvalidInput before touching the host', async () => {
    const { client } = await testEnv();
    const host = fleet.inventory.hosts[1];
    const logBefore = parseShellLog(await sshRead(host, 'cat /var/log/shell.log')).length;
    const bad: ProcedureInput = {
      procedure: 'recovery-cycle',
      target: host,
      params: { surprise: 1 },
      options: fastHostOptions,
    };
    const handle = await client.workflow.start('recoveryCycleWorkflow', {
      taskQueue,
      workflowId: targetWorkflowId(host),
      args: [bad],
    });
    await assert.rejects(handle.result(), (err: Error & { cause?: { type?: string; message?: string } }) => {
      assert.equal(err.cause?.type, 'InvalidInput');
      assert.match(err.cause?.message ?? '', /params: Unrecognized key/i);
      return true;
    });
    const after = parseShellLog(await sshRead(host, 'cat /var/log/shell.log'));
    assert.deepEqual(
      after.slice(logBefore).map((e) => e.command),
      ['cat /var/log/shell.log'],
      'nothing ran on the host',
    );
  });
});
