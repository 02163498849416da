import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import {
  MAINTENANCE_NOT_ENTERED,
  VMS_DID_NOT_STOP,
  VMS_NOT_RESTARTED,
  VMS_RUNNING,
} from '../../common/procedure-failures';
import type { HostRef } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { hostProgressQuery } from '../../workflows/messages';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
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
  storedOptions,
  fleetHost,
} from '../procedures/host-audit';
import {
  assertIncludesAll,
  countOf,
  maintenanceMode,
  vmChangingCommands,
  vmOptions,
  vmPower,
} from './vm-audit';

// Each VM policy on hosts with a mix of VMs (passthrough, SR-IOV, plain; tools answering, slow, hung,
// missing), audited on the hosts themselves over SSH: power states before and after, and shell.log.

const OPTIONS = 'max_vfs=2,2';
const ENTER = 'esxcli system maintenanceMode set -e true -t 5';

describe('workloads: the VM policy of rebooting procedures', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('vm-policy');
  const host = (name: string): HostRef => fleetHost(fleet, name);

  before(async () => {
    fleet = await startFleet({
      hosts: 10,
      namePrefix: 'vp-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: {
        cards: [{ model: 'ConnectX-7', ports: 2 }],
        nmlx5CoreOptions: OPTIONS,
        mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 8 },
      },
      hostOverrides: {
        'vp-01': {
          vms: [{ name: 'gpu', devices: ['passthrough'] }, { name: 'web' }, { name: 'idle', power: 'off' }],
        },
        'vp-02': { vms: [{ name: 'idle', power: 'off', autostart: true }] },
        'vp-03': { vms: [{ name: 'batch' }, { name: 'idle', power: 'off' }] },
        'vp-04': { vms: [{ name: 'stuck', tools: 'hung' }] },
        'vp-05': {
          vms: [
            { name: 'gpu', devices: ['passthrough'], autostart: true, shutdownSeconds: 0.2 },
            { name: 'vf', devices: ['sriov'], shutdownSeconds: 0.3 },
            { name: 'off1', power: 'off', autostart: true },
            { name: 'slow', shutdownSeconds: 1 },
            { name: 'off2', power: 'off' },
          ],
        },
        'vp-06': {
          vms: [
            { name: 'ok1', shutdownSeconds: 0.2 },
            { name: 'hung', tools: 'hung' },
          ],
        },
        'vp-07': {
          vms: [
            { name: 'hung', tools: 'hung' },
            { name: 'notools', tools: 'none' },
            { name: 'ok1', shutdownSeconds: 0.2 },
          ],
        },
        'vp-08': {
          vms: [
            { name: 'vf', devices: ['sriov'], shutdownSeconds: 0.2 },
            { name: 'plain', shutdownSeconds: 0.2 },
          ],
        },
        'vp-09': {
          vms: [
            { name: 'a', shutdownSeconds: 0.2 },
            { name: 'late', power: 'off' },
          ],
        },
        // Reads back a different value than written: the option write fails verification.
        'vp-10': {
          vms: [{ name: 'a', shutdownSeconds: 0.2 }],
          faults: { rewriteOutput: [{ from: 'mst_recovery=1', to: 'mst_recovery=9' }] },
        },
      },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('refuse (the default): a host with powered-on VMs is not touched at all, needs-attention naming them', async () => {
    const { client } = await testEnv();
    const h = host('vp-01');
    const before = await vmPower(h);
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h),
      VMS_RUNNING,
    );
    assert.equal(failure.report.outcome, 'needs-attention');
    assertIncludesAll(failure.message, ['gpu', 'web', 'refuse', 'nothing was changed'], 'the reason');
    assert.ok(!failure.message.includes('idle'), 'a VM that is off is not named');
    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), [], 'no change on the host');
    assert.deepEqual(vmChangingCommands(commands), [], 'no VM touched');
    assert.deepEqual(await vmPower(h), before);
    assert.equal(await bootsSince(mark), 0);
    assert.deepEqual(
      failure.report.vms?.found.map((v) => `${v.name}:${v.power}`),
      ['gpu:on', 'web:on', 'idle:off'],
    );
  });

  it('refuse: a host whose VMs are all off goes ahead, and none of them is started', async () => {
    const { client } = await testEnv();
    const h = host('vp-02');
    const mark = await markHost(h);
    const report = await expectSuccess(await startProcedure(client, taskQueue, 'recovery-cycle', h));
    const commands = await commandsSince(mark);
    assert.equal(report.reboots, 2);
    assert.equal(
      countOf(commands, ENTER.replace('-t 5', '-t 600')),
      1,
      'maintenance mode entered once, with the default -t',
    );
    assert.deepEqual(vmChangingCommands(commands), []);
    assert.deepEqual(
      await vmPower(h),
      { idle: 'off' },
      'an autostart VM stays off: ibfleet left maintenance mode after the boots',
    );
  });

  it('wait: changes nothing while a VM runs, shows what it waits for, and goes on once its owner powered it off', async () => {
    const { client } = await testEnv();
    const h = host('vp-03');
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', h, {
      options: vmOptions({ policy: 'wait', drainDeadlineMs: 60_000 }),
    });
    const detail = await waitForDetail(handle, 'vms-drain', /waiting for 1 VM\(s\) to stop: batch/);
    assert.match(detail, /batch/);
    assert.deepEqual(changingCommands(await commandsSince(mark)).length, 0, 'nothing changed while waiting');
    // The owner powers the VM off.
    await sshRead(h, 'vim-cmd vmsvc/power.off 1');
    const report = await expectSuccess(handle);
    const commands = await commandsSince(mark);
    const enteredAt = commands.indexOf(ENTER);
    assert.ok(
      enteredAt > commands.indexOf('vim-cmd vmsvc/power.off 1'),
      'maintenance mode only once the host was empty',
    );
    assert.deepEqual(
      vmChangingCommands(commands),
      ['vim-cmd vmsvc/power.off 1'],
      "only the owner's power-off",
    );
    assert.deepEqual(await vmPower(h), { batch: 'off', idle: 'off' }, 'ibfleet starts no VM it did not stop');
    assert.equal(report.vms?.waited?.outcome, 'drained');
    assert.equal(report.reboots, 2);
  });

  it('wait: at the drain deadline, needs-attention naming the VM, nothing changed', async () => {
    const { client } = await testEnv();
    const h = host('vp-04');
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h, {
        options: vmOptions({ policy: 'wait', drainDeadlineMs: 1_500 }),
      }),
      VMS_RUNNING,
    );
    assertIncludesAll(failure.message, ['stuck', 'drain deadline', 'nothing was changed'], 'the reason');
    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), []);
    assert.deepEqual(vmChangingCommands(commands), []);
    assert.deepEqual(await vmPower(h), { stuck: 'on' });
    assert.equal(failure.report.vms?.waited?.outcome, 'deadline');
  });

  it('shutdown: guest shutdown of the running VMs, recorded first; after the host is done exactly those on again, in order', async () => {
    const { client } = await testEnv();
    const h = host('vp-05');
    assert.deepEqual(await vmPower(h), { gpu: 'on', vf: 'on', off1: 'off', slow: 'on', off2: 'off' });
    const mark = await markHost(h);
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', h, {
      options: vmOptions({ policy: 'shutdown' }),
    });
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'recovery-cycle-vm-shutdown');
    const commands = await commandsSince(mark);
    // gpu, vf, off1, slow, off2 have vmids 1..5.
    assert.deepEqual(vmChangingCommands(commands), [
      'vim-cmd vmsvc/power.shutdown 1',
      'vim-cmd vmsvc/power.shutdown 2',
      'vim-cmd vmsvc/power.shutdown 4',
      'vim-cmd vmsvc/power.on 1',
      'vim-cmd vmsvc/power.on 2',
      'vim-cmd vmsvc/power.on 4',
    ]);
    const at = (c: string) => commands.indexOf(c);
    assert.ok(at('vim-cmd vmsvc/power.shutdown 4') < at(ENTER), 'VMs stopped before maintenance mode');
    assert.ok(
      at(ENTER) < commands.findIndex((c) => c.startsWith('esxcli system module parameters set')),
      'maintenance mode before the first change',
    );
    assert.ok(
      at('esxcli system maintenanceMode set -e false') < at('vim-cmd vmsvc/power.on 1'),
      'VMs powered on after maintenance mode was left',
    );
    assert.deepEqual(await vmPower(h), { gpu: 'on', vf: 'on', off1: 'off', slow: 'on', off2: 'off' });
    assert.equal(await maintenanceMode(h), 'Disabled');
    assert.equal(await storedOptions(h), OPTIONS);
    assert.deepEqual(
      report.vms?.stopped.map((v) => `${v.name} ${v.how} ${v.restarted}`),
      ['gpu guest-shutdown powered-on', 'vf guest-shutdown powered-on', 'slow guest-shutdown powered-on'],
    );
    for (const v of report.vms?.stopped ?? []) {
      assert.ok(v.shutdownRequestedAt && v.stoppedAt && v.restartedAt, `${v.name}: times recorded`);
      assert.ok(v.stoppedAt <= v.restartedAt, `${v.name}: stopped before it was restarted`);
    }
  });

  it('shutdown: a guest that does not stop, without --force-power-off: needs-attention naming it; the others on again, nothing else changed', async () => {
    const { client } = await testEnv();
    const h = host('vp-06');
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h, {
        options: vmOptions({ policy: 'shutdown', guestShutdownTimeoutMs: 1_500 }),
      }),
      VMS_DID_NOT_STOP,
    );
    assert.equal(failure.report.outcome, 'needs-attention');
    assertIncludesAll(failure.message, ['hung', 'without --force-power-off'], 'the reason');
    assert.equal(failure.report.stoppedInStep, 'vms-stop');
    const commands = await commandsSince(mark);
    assert.deepEqual(changingCommands(commands), [], 'no maintenance mode, no option written');
    assert.deepEqual(vmChangingCommands(commands), [
      'vim-cmd vmsvc/power.shutdown 1',
      'vim-cmd vmsvc/power.shutdown 2',
      'vim-cmd vmsvc/power.on 1',
    ]);
    assert.deepEqual(await vmPower(h), { ok1: 'on', hung: 'on' }, 'never powered off');
    assert.deepEqual(
      failure.report.vms?.stopped.map((v) => `${v.name} ${v.how ?? 'not-stopped'} ${v.restarted ?? '-'}`),
      ['ok1 guest-shutdown powered-on', 'hung not-stopped -'],
    );
    assert.ok(!failure.message.includes('not powered on again'), 'every VM ibfleet stopped is on again');
  });

  it('shutdown --force-power-off: a hung guest and one without tools are powered off, and on again afterwards', async () => {
    const { client } = await testEnv();
    const h = host('vp-07');
    const mark = await markHost(h);
    const report = await expectSuccess(
      await startProcedure(client, taskQueue, 'recovery-cycle', h, {
        options: vmOptions({ policy: 'shutdown', guestShutdownTimeoutMs: 1_000, forcePowerOff: true }),
      }),
    );
    const commands = await commandsSince(mark);
    assert.deepEqual(vmChangingCommands(commands), [
      'vim-cmd vmsvc/power.shutdown 1',
      'vim-cmd vmsvc/power.shutdown 2',
      'vim-cmd vmsvc/power.shutdown 3',
      'vim-cmd vmsvc/power.off 1',
      'vim-cmd vmsvc/power.off 2',
      'vim-cmd vmsvc/power.on 1',
      'vim-cmd vmsvc/power.on 2',
      'vim-cmd vmsvc/power.on 3',
    ]);
    assert.deepEqual(
      report.vms?.stopped.map((v) => `${v.name} ${v.how}`),
      ['hung hard-off', 'notools hard-off', 'ok1 guest-shutdown'],
    );
    assert.deepEqual(await vmPower(h), { hung: 'on', notools: 'on', ok1: 'on' });
  });

  it('shutdown: a VM whose device is gone after the procedure (sriov-disable) is named, the others are on again', async () => {
    const { client } = await testEnv();
    const h = host('vp-08');
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'sriov-disable', h, {
        options: vmOptions({ policy: 'shutdown' }),
      }),
      VMS_NOT_RESTARTED,
    );
    assert.equal(failure.report.outcome, 'needs-attention');
    assertIncludesAll(failure.message, ['vf', 'No SR-IOV virtual function'], 'the reason');
    assert.equal(failure.report.reboots, 1, 'the procedure itself was done');
    const commands = await commandsSince(mark);
    assert.equal(countOf(commands, 'vim-cmd vmsvc/power.on 1'), 1);
    assert.equal(countOf(commands, 'vim-cmd vmsvc/power.on 2'), 1);
    assert.deepEqual(await vmPower(h), { vf: 'off', plain: 'on' });
    assert.deepEqual(
      failure.report.vms?.stopped.map((v) => `${v.name} ${v.restarted}`),
      ['vf failed', 'plain powered-on'],
    );
  });

  it('maintenance mode not entered in time (an owner started a VM meanwhile): reported with what blocked it, nothing half-done', async () => {
    const { client } = await testEnv();
    const h = host('vp-09');
    const mark = await markHost(h);
    // The owner powers "late" on the moment ibfleet asks "a" to shut down.
    const sim = fleet.host(h.name);
    const ownerStarts = new Promise<void>((resolve) => {
      const listener = (line: string) => {
        if (line !== 'vim-cmd vmsvc/power.shutdown 1') return;
        sim.off('command', listener);
        void sshRead(h, 'vim-cmd vmsvc/power.on 2').then(() => resolve());
      };
      sim.on('command', listener);
    });
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h, {
        options: vmOptions({ policy: 'shutdown', maintenanceTimeoutMs: 1_000, maintenanceRetries: 1 }),
      }),
      MAINTENANCE_NOT_ENTERED,
    );
    await ownerStarts;
    assert.equal(failure.report.outcome, 'needs-attention');
    assertIncludesAll(
      failure.message,
      ['2 tries', 'timed out', 'late', 'not in maintenance mode'],
      'the reason',
    );
    assert.equal(failure.report.stoppedInStep, 'maintenance-on-2');
    const commands = await commandsSince(mark);
    assert.equal(
      countOf(commands, 'esxcli system maintenanceMode set -e true -t 1'),
      2,
      'tried twice, each with -t',
    );
    assert.deepEqual(
      changingCommands(commands).filter(
        (c) => !c.startsWith('esxcli system maintenanceMode set -e true -t 1'),
      ),
      [],
      'nothing else changed',
    );
    assert.equal(await maintenanceMode(h), 'Disabled');
    assert.equal(await storedOptions(h), OPTIONS);
    assert.equal(countOf(commands, 'vim-cmd vmsvc/power.on 1'), 1, 'the VM ibfleet stopped is on again');
    assert.deepEqual(await vmPower(h), { a: 'on', late: 'on' });
  });
  it('a failure after maintenance mode, before any reboot: the host is put back in service (out of maintenance mode, VMs on), the change named', async () => {
    const { client } = await testEnv();
    const h = host('vp-10');
    const mark = await markHost(h);
    const failure = await expectFailure(
      await startProcedure(client, taskQueue, 'recovery-cycle', h, {
        options: vmOptions({ policy: 'shutdown' }),
      }),
      'VerificationFailed',
    );
    assert.equal(failure.report.outcome, 'needs-attention');
    assert.equal(failure.report.leftMidCycle, true, 'the option written is named');
    assert.equal(failure.report.stoppedInStep, 'set-mst-recovery-1');
    assert.equal(failure.report.reboots, 0);
    // shell.log is read through the same rewrite.
    const commands = (await commandsSince(mark)).map((c) => c.replace('mst_recovery=9', 'mst_recovery=1'));
    assert.deepEqual(changingCommands(commands), [
      ENTER,
      `esxcli system module parameters set -m nmlx5_core -p "${OPTIONS} mst_recovery=1"`,
      'esxcli system maintenanceMode set -e false',
    ]);
    assert.deepEqual(vmChangingCommands(commands), [
      'vim-cmd vmsvc/power.shutdown 1',
      'vim-cmd vmsvc/power.on 1',
    ]);
    assert.equal(await maintenanceMode(h), 'Disabled');
    assert.deepEqual(await vmPower(h), { a: 'on' });
    assert.equal(await bootsSince(mark), 0);
  });
});

/** Polls the host's progress query until it is in `step` with a detail matching `re`. */
async function waitForDetail(handle: WorkflowHandle, step: string, re: RegExp): Promise<string> {
  const until = Date.now() + 30_000;
  for (;;) {
    const p = await handle.query(hostProgressQuery).catch(() => undefined);
    if (p?.step === step && p.detail && re.test(p.detail)) return p.detail;
    if (Date.now() > until)
      throw new Error(`${handle.workflowId} never showed ${re} in ${step} (last: ${JSON.stringify(p)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
