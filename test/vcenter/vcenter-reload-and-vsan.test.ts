import assert from 'node:assert/strict';
import type { ProcedureReport } from '../../common/reports';
import type { RolloutReport } from '../../common/rollout';
import { targetWorkflowId, type HostRef } from '../../common/targets';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { expectSuccess, fleetHost, mstDevices, outcomeOf, startProcedure } from '../procedures/host-audit';
import { vmOptions } from '../workloads/vm-audit';
import { assertSshDisabled, disableSsh, startVcenterFleet, type VcenterFleet } from './vcenter-fleet';

// Issue #14 on the dev server, what the rebooting procedures' test (vcenter-procedures.test.ts) leaves
// out: module-reload on a host with SSH disabled (SSH opened through vCenter for its steps only), a vSAN
// rollout whose peers keep SSH disabled (the peer check reads them through vCenter), and the report of a
// host with VMs naming every VM found (which DRS moved, which the VM policy handled).

describe('vCenter: module-reload and the vSAN peer check with SSH disabled', function () {
  this.timeout(240_000);
  let vf: VcenterFleet;
  let worker: RunningWorker | undefined;
  const taskQueue = uniqueTaskQueue('vcenter-reload-vsan');

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 4,
      clusters: 1,
      namePrefix: 'vcr-',
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 14,
      defaults: {
        cards: [{ model: 'ConnectX-7', ports: 2 }],
        mlxconfig: { SRIOV_EN: 0, NUM_OF_VFS: 0 },
      },
      hostOverrides: {
        'vcr-01': { faults: { moduleUnloaded: true } },
        'vcr-02': {
          vms: [
            { name: 'vcr-02-web' },
            { name: 'vcr-02-idle', power: 'off' },
            { name: 'vcr-02-gpu', devices: ['passthrough'], shutdownSeconds: 0.2 },
          ],
        },
      },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await vf?.stop();
  });

  const host = (name: string): HostRef => ({ ...fleetHost(vf.fleet, name), vcenter: vf.ref });

  /** `body` over SSH opened through vCenter for it only. */
  async function withSsh<T>(name: string, body: () => Promise<T>): Promise<T> {
    await vf.govc.setSshRunning(name, true);
    try {
      return await body();
    } finally {
      await vf.govc.setSshRunning(name, false);
    }
  }

  /** The command lines the simulated host runs from now on (seen by the simulator, not through ibfleet). */
  function recordCommands(name: string): { lines: string[]; stop(): void } {
    const sim = vf.fleet.host(name);
    const lines: string[] = [];
    const listener = (line: string) => lines.push(line);
    sim.on('command', listener);
    return { lines, stop: () => sim.off('command', listener) };
  }

  it('reloads nmlx5_core on a host with SSH disabled: SSH started through vCenter for the steps only, stopped after', async () => {
    const name = 'vcr-01';
    await disableSsh(vf, name);
    const seen = recordCommands(name);
    const { client } = await testEnv();
    const handle = await startProcedure(client, taskQueue, 'module-reload', host(name));
    const report = await expectSuccess(handle);
    seen.stop();
    await maybeRecordHistory(handle, 'module-reload-vcenter');

    const steps = report.steps.map((s) => s.name);
    assert.deepEqual(steps, ['ssh-read', 'ssh-on', 'read-state', 'reload-module', 'verify-cards', 'ssh-off']);
    assert.match(report.steps[0].detail, /TSM-SSH stopped/);
    assert.equal(report.reboots, 0);
    await assertSshDisabled(vf, name);

    // The guide's troubleshooting steps, over the SSH opened for them; no reboot, no maintenance mode.
    const changing = seen.lines.filter((l) => /^vmkload_mod( -u)? nmlx5|^kill -HUP/.test(l));
    assert.deepEqual(
      changing.map((l) => l.replace(/^kill -HUP \d+$/, 'kill -HUP <devmgr>')),
      [
        'vmkload_mod -u nmlx5_rdma',
        'vmkload_mod -u nmlx5_core',
        'vmkload_mod nmlx5_core mst_recovery=1',
        'kill -HUP <devmgr>',
      ],
      seen.lines.join('\n'),
    );
    assert.ok(!seen.lines.some((l) => /reboot|maintenanceMode set/.test(l)), seen.lines.join('\n'));
    assert.equal((await vf.govc.hostState(name)).inMaintenanceMode, false);
    assert.deepEqual(
      await withSsh(name, () => mstDevices(host(name))),
      ['mt4129_pciconf0'],
      'the card is listed again',
    );
    assert.deepEqual(report.finalState.mstDevices, ['mt4129_pciconf0']);
  });

  describe('a vSAN rollout through vCenter, every host with SSH disabled', () => {
    const names = ['vcr-02', 'vcr-03'];
    let rollout: RolloutReport;
    const reports = new Map<string, ProcedureReport>();

    before(async () => {
      for (const name of names) await disableSsh(vf, name);
      const { client } = await testEnv();
      const targets = names.map((name) => ({ ...host(name), vsan: true }));
      const handle = await startRollout(
        client,
        taskQueue,
        'sriov-enable',
        targets,
        { maxParallel: 2, perCluster: 2, host: vmOptions({ policy: 'shutdown' }) },
        { numVfs: 16, maxVfs: 4 },
      );
      rollout = (await handle.result()) as RolloutReport;
      for (const t of targets) {
        if (!rollout.hosts.some((h) => h.name === t.name && h.startedAt)) continue;
        const hostHandle = client.workflow.getHandle(targetWorkflowId(t));
        // A failed host's report too: each test below says what it expected of it.
        const o = await outcomeOf(hostHandle);
        reports.set(t.name, o.ok ? o.report : o.failure.report);
        // Peers read through vCenter, VMs left to DRS and handled by the policy, one reboot.
        if (t.name === 'vcr-02') await maybeRecordHistory(hostHandle, 'sriov-enable-vsan-vcenter');
      }
    });

    it('reads the peers through vCenter: the check passes, nothing read over SSH, SSH stopped again', async () => {
      assert.equal(rollout.phase, 'succeeded', JSON.stringify(rollout.problems));
      for (const name of names) {
        const report = reports.get(name);
        assert.ok(report, name);
        const check = report.steps.find((s) => s.name === 'vsan-peers');
        assert.equal(check?.status, 'done', `${name}: ${JSON.stringify(check)}`);
        assert.match(check.detail, /no peer of .* in maintenance mode/);
        assert.ok(
          !report.commands.some((c) => c.step.startsWith('vsan-peers')),
          `${name}: no peer read over SSH`,
        );
        assert.equal(report.reboots, 1);
        await assertSshDisabled(vf, name);
      }
    });

    it('names every VM found in the report: those DRS moved and those the VM policy handled', () => {
      const vms = reports.get('vcr-02')?.vms;
      assert.ok(vms);
      assert.deepEqual(
        vms.found.map((vm) => ({ name: vm.name, power: vm.power, handledBy: vm.handledBy })).sort(byName),
        [
          { name: 'vcr-02-gpu', power: 'on', handledBy: 'policy' },
          { name: 'vcr-02-idle', power: 'off', handledBy: 'drs' },
          { name: 'vcr-02-web', power: 'on', handledBy: 'drs' },
        ],
      );
      assert.deepEqual(
        vms.found.filter((vm) => vm.movedByDrs).map((vm) => vm.name),
        ['vcr-02-web'],
      );
      assert.deepEqual(
        vms.stopped.map((vm) => `${vm.name} ${vm.how} ${vm.restarted}`),
        ['vcr-02-gpu guest-shutdown powered-on'],
      );
    });
  });
});

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
