import assert from 'node:assert/strict';
import { VcenterError, govcRunner } from '../../activities/vcenter/govc-run';
import { Govc } from '../../activities/vcenter/govc';
import { sshRun, tcpProbe } from '../simulator/ssh-helpers';
import { buildGovc, startVcenterFleet, type VcenterFleet } from './vcenter-fleet';

// govc (the real vSphere CLI, pinned v0.46.3) against the simulated vCenter (govmomi's simulator
// with the fleet's hosts and VMs), cross-checked over SSH on the same hosts: one source of truth.

describe('vCenter: govc against the simulated vCenter, cross-checked over SSH', function () {
  this.timeout(120_000);
  let vf: VcenterFleet;

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 3,
      clusters: 1,
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 7,
      defaults: { cards: [{ model: 'ConnectX-7', ports: 2 }] },
      hostOverrides: {
        'esx-01': {
          vms: [
            { name: 'esx-01-web' },
            { name: 'esx-01-gpu', devices: ['passthrough'], shutdownSeconds: 0.2 },
          ],
        },
        'esx-02': { vms: [{ name: 'esx-02-db' }] },
      },
    });
  });
  after(() => vf?.stop());

  const ssh = async (host: string, command: string): Promise<string> => {
    const r = await sshRun(vf.fleet, host, command);
    assert.equal(r.code, 0, `${host}: ${command}: ${r.stderr}`);
    return r.stdout;
  };
  const bootsInLog = async (host: string) =>
    (await ssh(host, 'cat /var/log/vmksummary.log')).split('\n').filter((l) => l.includes('Host has booted'))
      .length;
  const fleetBootTime = (host: string) => vf.fleet.esxi(host).state.boot.bootedAt;

  it('sees the fleet: its hosts, boot times and VMs with their devices', async () => {
    const hosts = await vf.govc.hosts();
    assert.deepEqual(hosts.map((h) => h.name).sort(), ['esx-01', 'esx-02', 'esx-03']);
    for (const h of hosts) {
      assert.equal(h.connectionState, 'connected');
      assert.equal(Date.parse(h.bootTime ?? ''), fleetBootTime(h.name));
    }
    const esx01 = await vf.govc.hostState('esx-01');
    const gpu = esx01.vmDetails.find((vm) => vm.name === 'esx-01-gpu');
    const fleetGpu = vf.fleet.esxi('esx-01').state.vms.find((vm) => vm.name === 'esx-01-gpu');
    assert.ok(gpu && fleetGpu?.devices[0].kind === 'passthrough');
    assert.deepEqual(gpu.devices, [{ kind: 'passthrough', id: fleetGpu.devices[0].pci }]);
    assert.equal(gpu.vmotionable, false);
    assert.equal(esx01.vmDetails.find((vm) => vm.name === 'esx-01-web')?.vmotionable, true);
    await assert.rejects(
      vf.govc.host('esx-99'),
      (e: unknown) => e instanceof VcenterError && e.kind === 'not-found',
    );
  });

  it('reboots through vCenter: not responding while down, then a new boot time, as vmksummary shows', async () => {
    const boots = await bootsInLog('esx-03');
    await vf.govc.enterMaintenance('esx-03', { timeoutSeconds: 0 });
    const before = await vf.govc.hostState('esx-03');
    vf.fleet.setFaults('esx-03', { neverReturn: true });
    await vf.govc.reboot('esx-03');
    await vf.fleet.host('esx-03').waitFor('down');
    assert.equal((await vf.govc.hostState('esx-03')).connectionState, 'notResponding');
    vf.fleet.setFaults('esx-03', {});
    await vf.fleet.host('esx-03').waitFor('up', { minBootCount: vf.fleet.host('esx-03').bootCount + 1 });
    const after = await vf.govc.hostState('esx-03');
    assert.equal(after.connectionState, 'connected');
    assert.equal(after.inMaintenanceMode, true, 'maintenance mode persists across the reboot');
    assert.equal(Date.parse(after.bootTime ?? ''), fleetBootTime('esx-03'));
    assert.notEqual(after.bootTime, before.bootTime);
    assert.equal(await bootsInLog('esx-03'), boots + 1);
    await vf.govc.exitMaintenance('esx-03');
  });

  it('shows a reboot and maintenance mode done over SSH', async () => {
    const before = (await vf.govc.hostState('esx-03')).bootTime;
    await ssh('esx-03', 'esxcli system maintenanceMode set -e true');
    assert.equal((await vf.govc.hostState('esx-03')).inMaintenanceMode, true);
    const count = vf.fleet.host('esx-03').bootCount;
    await ssh('esx-03', 'esxcli system shutdown reboot -r cross-check');
    await vf.fleet.host('esx-03').waitFor('up', { minBootCount: count + 1 });
    const after = await vf.govc.hostState('esx-03');
    assert.notEqual(after.bootTime, before);
    assert.equal(Date.parse(after.bootTime ?? ''), fleetBootTime('esx-03'));
    await vf.govc.exitMaintenance('esx-03');
    assert.equal((await ssh('esx-03', 'esxcli system maintenanceMode get')).trim(), 'Disabled');
  });

  it('stops and starts TSM-SSH: a stopped service refuses SSH connections', async () => {
    const port = vf.fleet.host('esx-02').port;
    assert.deepEqual(await vf.govc.sshService('esx-02'), { key: 'TSM-SSH', running: true, policy: 'on' });
    await vf.govc.setSshRunning('esx-02', false);
    assert.equal(await tcpProbe(port), 'ECONNREFUSED');
    assert.equal((await vf.govc.sshService('esx-02')).running, false);
    await vf.govc.setSshRunning('esx-02', true);
    assert.equal((await ssh('esx-02', 'hostname')).trim(), 'esx-02');
    assert.equal((await vf.govc.sshService('esx-02')).running, true);
  });

  it('policy "off": SSH stays stopped after a reboot until started again', async () => {
    await vf.govc.setSshPolicy('esx-02', 'off');
    const count = vf.fleet.host('esx-02').bootCount;
    vf.fleet.powerCycle('esx-02');
    await vf.fleet.host('esx-02').waitFor('up', { minBootCount: count + 1 });
    assert.equal(await tcpProbe(vf.fleet.host('esx-02').port), 'ECONNREFUSED');
    assert.deepEqual(await vf.govc.sshService('esx-02'), { key: 'TSM-SSH', running: false, policy: 'off' });
    await vf.govc.setSshPolicy('esx-02', 'on');
    await vf.govc.setSshRunning('esx-02', true);
    assert.equal((await ssh('esx-02', 'hostname')).trim(), 'esx-02');
  });

  it('maintenance mode: DRS moves the plain VM, the passthrough VM makes the entry time out', async () => {
    await assert.rejects(
      vf.govc.enterMaintenance('esx-01', { timeoutSeconds: 2 }),
      (e: unknown) => e instanceof VcenterError && e.kind === 'timedout',
    );
    const esx01 = await vf.govc.hostState('esx-01');
    assert.equal(esx01.inMaintenanceMode, false);
    assert.deepEqual(
      esx01.vmDetails.map((vm) => [vm.name, vm.powerState]),
      [['esx-01-gpu', 'poweredOn']],
    );
    const web = (await vf.govc.vms()).find((vm) => vm.name === 'esx-01-web');
    const hostOfWeb = (await vf.govc.hosts()).find((h) => h.moref === web?.host)?.name ?? '';
    assert.ok(['esx-02', 'esx-03'].includes(hostOfWeb), `esx-01-web runs on ${hostOfWeb}`);
    assert.equal(web?.powerState, 'poweredOn');
    assert.match(await ssh(hostOfWeb, 'esxcli vm process list'), /^esx-01-web$/m);

    // Powered off (through vCenter), the passthrough VM no longer blocks the entry.
    await vf.govc.vmPower('esx-01-gpu', 'off');
    const vmid = vf.fleet.esxi('esx-01').state.vms.find((vm) => vm.name === 'esx-01-gpu')?.vmid;
    assert.equal(
      (await ssh('esx-01', `vim-cmd vmsvc/power.getstate ${vmid}`)).trim().split('\n').pop(),
      'Powered off',
    );
    await vf.govc.enterMaintenance('esx-01', { timeoutSeconds: 10 });
    assert.equal((await ssh('esx-01', 'esxcli system maintenanceMode get')).trim(), 'Enabled');
    await ssh('esx-01', 'esxcli system maintenanceMode set -e false');
    await ssh('esx-01', `vim-cmd vmsvc/power.on ${vmid}`);
    const gpu = (await vf.govc.hostState('esx-01')).vmDetails.find((vm) => vm.name === 'esx-01-gpu');
    assert.equal(gpu?.powerState, 'poweredOn');
  });

  it('refuses a vCenter whose certificate is not the pinned one, saying what it presented', async () => {
    const pinned = Array.from({ length: 32 }, () => 'AB').join(':');
    const govc = new Govc(govcRunner({ ...vf.ref, thumbprint: pinned }, vf.password, await buildGovc()));
    await assert.rejects(govc.hosts(), (e: unknown) => {
      assert.ok(e instanceof VcenterError);
      assert.equal(e.kind, 'certificate');
      assert.equal(e.field, 'vcenter.thumbprint');
      assert.ok(e.message.includes(vf.vcenter.thumbprint) && e.message.includes(pinned), e.message);
      return true;
    });
  });

  it('reports a wrong password as a login failure, without the password', async () => {
    const govc = new Govc(govcRunner(vf.ref, 'not-the-password', await buildGovc()));
    await assert.rejects(govc.hosts(), (e: unknown) => {
      assert.ok(e instanceof VcenterError && e.kind === 'login', String(e));
      assert.ok(!e.message.includes('not-the-password'));
      return true;
    });
  });
});
