import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { INVALID_INPUT } from '../../common/procedure-failures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { parseVmksummaryBoots } from '../../activities/esxi/parsers';
import {
  spawnWorker,
  sshRead,
  startWorker,
  type RunningWorker,
  type WorkerProcess,
} from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  expectFailure,
  expectSuccess,
  fleetHost,
  startProcedure,
  vfsPerPort,
} from '../procedures/host-audit';
import { vmOptions, vmPower } from '../workloads/vm-audit';
import { assertSshDisabled, disableSsh, startVcenterFleet, type VcenterFleet } from './vcenter-fleet';

// Issue #14 on the dev server: rebooting procedures on hosts whose inventory names a vCenter, with SSH
// disabled on the hosts at the start (TSM-SSH stopped, policy off). SSH is started through vCenter only
// for the procedure and stopped again (read back through vCenter, and the port refuses); maintenance
// mode through vCenter lets DRS move the plain VMs to other hosts of the cluster (passthrough VMs follow
// the VM policy); each reboot goes through vCenter, counted by vCenter's boot time and by vmksummary.

const TSM_STEPS = ['ssh-read', 'ssh-on'];

describe('vCenter: rebooting procedures through vCenter, SSH disabled at the start', function () {
  this.timeout(240_000);
  let vf: VcenterFleet;
  let worker: RunningWorker | undefined;
  const processes: WorkerProcess[] = [];
  const taskQueue = uniqueTaskQueue('vcenter-procedures');

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 4,
      clusters: 1,
      namePrefix: 'vcp-',
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 14,
      defaults: {
        cards: [{ model: 'ConnectX-7', ports: 2 }],
        mlxconfig: { SRIOV_EN: 0, NUM_OF_VFS: 0 },
      },
      hostOverrides: {
        'vcp-01': {
          vms: [
            { name: 'vcp-01-web' },
            { name: 'vcp-01-db' },
            { name: 'vcp-01-gpu', devices: ['passthrough'], shutdownSeconds: 0.2 },
          ],
        },
      },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    for (const p of processes) await p.kill();
    await vf?.stop();
  });

  /** The host as the inventory gives it with the simulator's vCenter. */
  const host = (name: string): HostRef => ({ ...fleetHost(vf.fleet, name), vcenter: vf.ref });

  /** vmksummary's boot count, read over SSH opened for the read only (through vCenter). */
  async function vmksummaryBoots(name: string): Promise<{ boots: number; lastBootMs: number }> {
    await vf.govc.setSshRunning(name, true);
    try {
      const summary = parseVmksummaryBoots(await sshRead(host(name), 'cat /var/log/vmksummary.log'));
      return { boots: summary.bootCount, lastBootMs: summary.lastBootEpochMs ?? NaN };
    } finally {
      await vf.govc.setSshRunning(name, false);
    }
  }

  function stepNames(report: ProcedureReport): string[] {
    return report.steps.map((s) => s.name);
  }

  it('runs a recovery cycle through vCenter: SSH only while needed, DRS moves the plain VMs, two reboots', async () => {
    const name = 'vcp-01';
    const before = await vmksummaryBoots(name);
    const vcBefore = await vf.govc.hostState(name);
    await disableSsh(vf, name);
    const { client } = await testEnv();
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', host(name), {
      options: vmOptions({ policy: 'shutdown' }),
    });
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'recovery-cycle-vcenter');

    // SSH: opened first, reopened after each reboot (policy off: a reboot stops it), closed last.
    const steps = stepNames(report);
    assert.deepEqual(steps.slice(0, 2), TSM_STEPS, steps.join(' '));
    assert.equal(steps[steps.length - 1], 'ssh-off', steps.join(' '));
    assert.ok(steps.includes('ssh-on-after-reboot-1') && steps.includes('ssh-on-after-reboot-2'));
    await assertSshDisabled(vf, name);

    // Two reboots, through vCenter (RebootHost_Task), as vCenter and the host's vmksummary both count.
    assert.equal(report.reboots, 2);
    const vcAfter = await vf.govc.hostState(name);
    const after = await vmksummaryBoots(name);
    assert.equal(after.boots - before.boots, 2, 'vmksummary counts two boots');
    assert.notEqual(vcAfter.bootTime, vcBefore.bootTime);
    const apartMs = Math.abs(Date.parse(vcAfter.bootTime ?? '') - after.lastBootMs);
    assert.ok(apartMs < 1_000, `vCenter's boot time is vmksummary's last boot (${apartMs} ms apart)`);
    assert.ok(!report.commands.some((c) => /shutdown reboot|^reboot/.test(c.command)), 'no reboot over SSH');
    assert.ok(
      !report.commands.some((c) => /maintenanceMode set/.test(c.command)),
      'no maintenance mode over SSH',
    );

    // DRS moved the plain VMs to other hosts of the cluster, where they run; the passthrough VM was shut
    // down by the policy and runs again on its host, which is back in service.
    assert.equal(vcAfter.inMaintenanceMode, false);
    const onHost = Object.fromEntries(vcAfter.vmDetails.map((vm) => [vm.name, vm.powerState]));
    assert.deepEqual(onHost, { 'vcp-01-gpu': 'poweredOn' });
    const elsewhere: Record<string, string> = {};
    for (const other of ['vcp-02', 'vcp-03', 'vcp-04'])
      for (const [vm, power] of Object.entries(await vmPower(host(other))))
        elsewhere[vm] = `${other} ${power}`;
    assert.match(elsewhere['vcp-01-web'] ?? '', / on$/, JSON.stringify(elsewhere));
    assert.match(elsewhere['vcp-01-db'] ?? '', / on$/, JSON.stringify(elsewhere));
    assert.ok(
      report.changes.some((c) => c.includes('moved to other hosts by DRS')),
      report.changes.join('; '),
    );
  });

  it('enables SR-IOV through vCenter: SSH only while needed, one reboot', async () => {
    const name = 'vcp-03';
    const before = await vmksummaryBoots(name);
    await disableSsh(vf, name);
    const { client } = await testEnv();
    const handle = await startProcedure(client, taskQueue, 'sriov-enable', host(name), {
      params: { numVfs: 16, maxVfs: 4 },
    });
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'sriov-enable-vcenter');
    const steps = stepNames(report);
    assert.deepEqual(steps.slice(0, 2), TSM_STEPS, steps.join(' '));
    assert.equal(steps[steps.length - 1], 'ssh-off', steps.join(' '));
    assert.equal(report.reboots, 1);
    await assertSshDisabled(vf, name);
    assert.equal((await vmksummaryBoots(name)).boots - before.boots, 1, 'vmksummary counts one boot');
    await vf.govc.setSshRunning(name, true);
    try {
      assert.equal(
        Object.values(await vfsPerPort(host(name))).every((n) => n === 4),
        true,
        'VFs on every port',
      );
    } finally {
      await vf.govc.setSshRunning(name, false);
    }
  });

  it('ends with SSH as found when the worker is killed after SSH was enabled (during the reboot)', async () => {
    const name = 'vcp-02';
    await worker?.stop();
    worker = undefined;
    const before = await vmksummaryBoots(name);
    await disableSsh(vf, name);
    const first = await spawnWorker(taskQueue);
    processes.push(first);
    await first.ready;
    const { client } = await testEnv();
    const handle: WorkflowHandle = await startProcedure(client, taskQueue, 'recovery-cycle', host(name), {
      options: vmOptions({ policy: 'shutdown' }),
    });
    // SSH is on (the procedure's first commands ran) and the host goes down for its first reboot.
    await vf.fleet.host(name).waitFor('down', { timeoutMs: 60_000 });
    await first.kill('SIGKILL');
    const second = await spawnWorker(taskQueue);
    processes.push(second);
    await second.ready;

    const report = await expectSuccess(handle);
    assert.equal(report.reboots, 2);
    assert.equal((await vmksummaryBoots(name)).boots - before.boots, 2, 'no double reboot');
    await assertSshDisabled(vf, name);
  });

  it('stops SSH again when the procedure is cancelled after its first change (a cleanup cancellation cannot skip)', async () => {
    const name = 'vcp-04';
    if (!worker && processes.every((p) => p.child.exitCode !== null || p.child.signalCode !== null))
      worker = await startWorker(taskQueue);
    await disableSsh(vf, name);
    const { client } = await testEnv();
    const firstChange = new Promise<void>((resolve) => {
      const sim = vf.fleet.host(name);
      const listener = (line: string) => {
        if (!line.startsWith('esxcli system module parameters set ')) return;
        sim.off('command', listener);
        resolve();
      };
      sim.on('command', listener);
    });
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', host(name));
    await firstChange;
    await handle.cancel();
    await assert.rejects(handle.result());
    await assertSshDisabled(vf, name);
    const state = await vf.govc.hostState(name);
    assert.equal(state.inMaintenanceMode, false, 'put back in service before the first reboot');
  });

  it('refuses a vSAN mode govc cannot send before the first step: nothing read, nothing changed', async () => {
    const name = 'vcp-03';
    if (!worker && processes.every((p) => p.child.exitCode !== null || p.child.signalCode !== null))
      worker = await startWorker(taskQueue);
    await disableSsh(vf, name);
    const { client } = await testEnv();
    const handle = await startProcedure(
      client,
      taskQueue,
      'recovery-cycle',
      { ...host(name), vsan: true },
      {
        options: vmOptions({ vsanMode: 'evacuateAllData' }),
        tag: 'vsan',
      },
    );
    const failure = await expectFailure(handle, INVALID_INPUT);
    assert.match(failure.message, /--vsan-mode evacuateAllData cannot be sent through vCenter/);
    assert.deepEqual(failure.report.steps, []);
    await assertSshDisabled(vf, name);
  });
});
