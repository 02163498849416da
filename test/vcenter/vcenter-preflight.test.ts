import assert from 'node:assert/strict';
import type { VcenterHostView, VmInfo } from '../../activities/contract';
import { PRECONDITION_FAILED } from '../../common/procedure-failures';
import type { HostRef } from '../../common/targets';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { expectFailure, expectSuccess, fleetHost, startProcedure } from '../procedures/host-audit';
import { tcpProbe } from '../simulator/ssh-helpers';
import { startVcenterFleet, type VcenterFleet } from './vcenter-fleet';

// Issue #14 on the dev server: preflight on hosts whose inventory names a vCenter shows vCenter's view
// (cluster with DRS/HA/vSAN, connection and maintenance state, VMs, TSM-SSH) and whether it agrees with
// what the host says over SSH. With TSM-SSH stopped it ends as needs-attention saying so, instead of a
// connection error; preflight changes nothing, so it does not start SSH.

type FoundView = VcenterHostView & { agrees: boolean; disagreements: string[] };

describe('vCenter: preflight shows vCenter’s view of each host', function () {
  this.timeout(180_000);
  let vf: VcenterFleet;
  let worker: RunningWorker | undefined;
  const taskQueue = uniqueTaskQueue('vcenter-preflight');

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 3,
      clusters: 1,
      namePrefix: 'vpf-',
      seed: 15,
      defaults: { cards: [{ model: 'ConnectX-7', ports: 2 }] },
      hostOverrides: {
        'vpf-01': {
          vms: [{ name: 'vpf-01-web' }, { name: 'vpf-01-gpu', devices: ['passthrough'] }],
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

  it('reads the vCenter view first and finds it agreeing with the host', async () => {
    const { client } = await testEnv();
    const handle = await startProcedure(client, taskQueue, 'preflight', host('vpf-01'));
    const report = await expectSuccess(handle);
    await maybeRecordHistory(handle, 'preflight-vcenter');
    assert.equal(report.steps[0]?.name, 'vcenter-read', report.steps.map((s) => s.name).join(' '));
    const found = report.found.vcenter as FoundView;
    assert.equal(found.cluster?.name, host('vpf-01').cluster);
    assert.deepEqual(found.cluster?.drs, { enabled: true, behavior: 'fullyAutomated' });
    assert.equal(found.connectionState, 'connected');
    assert.equal(found.inMaintenanceMode, false);
    assert.equal(found.ssh.running, true);
    assert.deepEqual(
      Object.fromEntries(found.vms.map((vm) => [vm.name, vm.powerState])),
      Object.fromEntries(
        (report.found.vms as VmInfo[]).map((vm) => [vm.name, `powered${vm.power === 'on' ? 'On' : 'Off'}`]),
      ),
    );
    assert.deepEqual(found.vmotionable, ['vpf-01-web']);
    assert.equal(found.agrees, true, found.disagreements.join('; '));
    assert.match(
      report.steps[0]?.detail ?? '',
      /^cluster \S+ \(DRS fullyAutomated, HA off, vSAN off\), connected/,
    );
  });

  it('with TSM-SSH stopped: needs-attention "SSH disabled; preflight reads over SSH", with vCenter’s view', async () => {
    const name = 'vpf-02';
    await vf.govc.setSshPolicy(name, 'off');
    await vf.govc.setSshRunning(name, false);
    assert.equal(await tcpProbe(vf.fleet.host(name).port), 'ECONNREFUSED');
    try {
      const { client } = await testEnv();
      const failure = await expectFailure(
        await startProcedure(client, taskQueue, 'preflight', host(name)),
        PRECONDITION_FAILED,
      );
      assert.equal(failure.report.outcome, 'needs-attention');
      assert.match(failure.report.reason ?? '', /SSH disabled; preflight reads over SSH/);
      assert.deepEqual(
        failure.report.steps.map((s) => s.name),
        ['vcenter-read'],
        'nothing read over SSH',
      );
      const found = failure.report.found.vcenter as VcenterHostView;
      assert.deepEqual(found.ssh, { running: false, policy: 'off' });
      // Preflight changes nothing: SSH is still off.
      assert.equal((await vf.govc.sshService(name)).running, false);
    } finally {
      await vf.govc.setSshRunning(name, true);
    }
  });

  it('a host without a vCenter reads nothing through one (its history as before)', async () => {
    const { client } = await testEnv();
    const report = await expectSuccess(
      await startProcedure(client, taskQueue, 'preflight', fleetHost(vf.fleet, 'vpf-03')),
    );
    assert.ok(!report.steps.some((s) => s.name === 'vcenter-read'));
    assert.equal(report.found.vcenter, undefined);
  });
});
