import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootHost, shutdownHost } from '../../simulator/esxi/boot';
import { vmHost, type TestHost } from './esxi-helpers';

// VMs on a simulated ESXi host, without SSH: listings, power operations, guest shutdowns on the
// host's clock, devices that need the cards and VFs, reboots and autostart. Output formats against
// the public captures: vm-formats.test.ts; maintenance mode: maintenance.test.ts.

const fixture = (name: string) =>
  readFileSync(join(__dirname, '..', 'fixtures', 'outputs', 'esxi', 'vm', name), 'utf8');

const vm = (host: TestHost, name: string) => {
  host.machine.settle();
  const found = host.machine.state.vms.find((v) => v.name === name);
  assert.ok(found, name);
  return found;
};

describe('simulator VMs: commands', () => {
  it('lists registered VMs (vim-cmd) and running ones (esxcli); .vmx and get.config', async () => {
    const host = vmHost([
      { name: 'gpu-1', devices: ['passthrough'] },
      { name: 'ib-1', devices: ['sriov'] },
      { name: 'idle', power: 'off' },
    ]);
    const all = await host.run('vim-cmd vmsvc/getallvms');
    assert.equal(all.code, 0);
    assert.deepEqual(
      all.stdout
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(/\s{3,}/).slice(0, 3)),
      [
        ['1', 'gpu-1', '[datastore1] gpu-1/gpu-1.vmx'],
        ['2', 'ib-1', '[datastore1] ib-1/ib-1.vmx'],
        ['3', 'idle', '[datastore1] idle/idle.vmx'],
      ],
    );
    const list = (await host.run('esxcli vm process list')).stdout;
    assert.deepEqual(
      [...list.matchAll(/^(\S.*)\n {3}World ID: (\d+)\n/gm)].map((m) => [m[1], Number(m[2])]),
      [
        ['gpu-1', vm(host, 'gpu-1').worldId],
        ['ib-1', vm(host, 'ib-1').worldId],
      ],
    );
    const uuid = host.machine.state.datastore.uuid;
    assert.match(list, new RegExp(`Config File: /vmfs/volumes/${uuid}/ib-1/ib-1\\.vmx\\n\\n$`));
    assert.equal(
      (await host.run('vim-cmd vmsvc/power.getstate 3')).stdout,
      fixture('power-getstate-off.txt'),
    );
    assert.equal((await host.run('vim-cmd vmsvc/power.getstate 1')).stdout, fixture('power-getstate-on.txt'));

    const vmx = (await host.run('cat /vmfs/volumes/datastore1/gpu-1/gpu-1.vmx')).stdout;
    assert.match(vmx, /^pciPassthru0\.present = "TRUE"$/m);
    assert.match(vmx, /^pciPassthru0\.id = "00000:023:00\.0"$/m);
    assert.match(vmx, /^pciPassthru0\.vendorId = "0x15b3"$/m);
    assert.doesNotMatch(vmx, /pfId/);
    const sriov = (await host.run(`grep pciPassthru0 /vmfs/volumes/${uuid}/ib-1/ib-1.vmx`)).stdout;
    assert.match(sriov, /^pciPassthru0\.pfId = "00000:023:00\.1"$/m);
    assert.match(sriov, /^pciPassthru0\.systemId = "BYPASS"$/m);
    assert.doesNotMatch((await host.run('cat /vmfs/volumes/datastore1/idle/idle.vmx')).stdout, /pciPassthru/);
    assert.equal((await host.run('cat /vmfs/volumes/datastore1/nope/nope.vmx')).code, 1);
    assert.match(
      (await host.run('vim-cmd vmsvc/get.config 2')).stdout,
      /^Configuration:\n\n\(vim\.vm\.ConfigInfo\) \{\n[\s\S]*vmPathName = "\[datastore1\] ib-1\/ib-1\.vmx", \n/,
    );
    const missing = await host.run('vim-cmd vmsvc/power.getstate 9');
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^\(vim\.fault\.NotFound\) \{\n[\s\S]*msg = "Unable to find a VM corresponding to "9""\n\}\n$/,
    );
  });

  it('power.off and kill hard are immediate; power.on gives a new world ID', async () => {
    const host = vmHost([{ name: 'a' }, { name: 'b' }]);
    const wid = vm(host, 'a').worldId;
    assert.deepEqual(await host.run('vim-cmd vmsvc/power.off 1'), {
      stdout: fixture('power-off.txt'),
      stderr: '',
      code: 0,
    });
    assert.equal(vm(host, 'a').power, 'off');
    const again = await host.run('vim-cmd vmsvc/power.off 1');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Power off failed: \(vim\.fault\.InvalidPowerState\)/);
    assert.deepEqual(await host.run('vim-cmd vmsvc/power.on 1'), {
      stdout: fixture('power-on.txt'),
      stderr: '',
      code: 0,
    });
    assert.notEqual(vm(host, 'a').worldId, wid);
    const on = await host.run('vim-cmd vmsvc/power.on 1');
    assert.match(
      on.stderr,
      /existingState = "poweredOn"\n {3}msg = "The attempted operation cannot be performed in the current state \(Powered on\)\."/,
    );
    for (const type of ['hard', 'force']) {
      await host.run('vim-cmd vmsvc/power.on 2');
      const r = await host.run(`esxcli vm process kill --type=${type} --world-id=${vm(host, 'b').worldId}`);
      assert.deepEqual(r, { stdout: '', stderr: '', code: 0 });
      assert.equal(vm(host, 'b').power, 'off');
    }
    const bad = await host.run('esxcli vm process kill -t soft -w 12345');
    assert.equal(bad.code, 1);
    assert.equal((await host.run(`esxcli vm process kill -t gentle -w ${vm(host, 'a').worldId}`)).code, 1);
    assert.equal(
      (await host.run('esxcli vm process kill -t hard')).stderr,
      'Error: Missing required parameter -w|--world-id\n',
    );
  });

  it('guest shutdown takes the VM time; hung tools never finish; no tools is refused', async () => {
    const host = vmHost([
      { name: 'ok', shutdownSeconds: 30 },
      { name: 'hung', tools: 'hung' },
      { name: 'notools', tools: 'none', shutdownSeconds: 1 },
    ]);
    assert.deepEqual(await host.run('vim-cmd vmsvc/power.shutdown 1'), { stdout: '', stderr: '', code: 0 });
    await host.advance(29_000);
    assert.equal((await host.run('vim-cmd vmsvc/power.getstate 1')).stdout, fixture('power-getstate-on.txt'));
    await host.advance(1_000);
    assert.equal(
      (await host.run('vim-cmd vmsvc/power.getstate 1')).stdout,
      fixture('power-getstate-off.txt'),
    );

    assert.equal((await host.run('vim-cmd vmsvc/power.shutdown 2')).code, 0);
    const refused = await host.run('vim-cmd vmsvc/power.shutdown 3');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^\(vim\.fault\.ToolsUnavailable\) \{\n[\s\S]*VMware Tools is not running/);
    // A soft kill does not ask the tools, but a guest without them never finishes either.
    assert.equal(
      (await host.run(`esxcli vm process kill -t soft -w ${vm(host, 'notools').worldId}`)).code,
      0,
    );
    await host.advance(3_600_000);
    assert.equal(vm(host, 'hung').power, 'on');
    assert.equal(vm(host, 'notools').power, 'on');
    assert.equal((await host.run('vim-cmd vmsvc/power.off 2')).code, 0);
    assert.equal(vm(host, 'hung').power, 'off');

    const faulty = vmHost([{ name: 'ok', shutdownSeconds: 1 }]);
    faulty.guestShutdownHangs = true;
    await faulty.run('vim-cmd vmsvc/power.shutdown 1');
    await faulty.advance(60_000);
    assert.equal(vm(faulty, 'ok').power, 'on', 'guest-shutdown-hangs fault');
  });

  it('passthrough needs the cards claimed; SR-IOV needs a free VF; VF list shows owners', async () => {
    const host = vmHost([
      { name: 'pt', devices: ['passthrough'], power: 'off' },
      { name: 'vf1', devices: [{ kind: 'sriov', pf: '0000:17:00.1' }] },
      { name: 'vf2', devices: [{ kind: 'sriov', pf: '0000:17:00.1' }] },
      { name: 'vf3', devices: [{ kind: 'sriov', pf: '0000:17:00.1' }] },
    ]);
    assert.equal(vm(host, 'vf3').power, 'off', 'only two VFs on that PF');
    const vfs = (await host.run('esxcli network sriovnic vf list -n vmnic3')).stdout.split('\n');
    assert.match(vfs[2], new RegExp(`^ +0 +true +00000:023:00\\.[2-7] +${vm(host, 'vf1').worldId}$`));
    assert.match(vfs[3], new RegExp(`^ +1 +true +\\S+ +${vm(host, 'vf2').worldId}$`));
    const noVf = await host.run('vim-cmd vmsvc/power.on 4');
    assert.equal(noVf.stdout, 'Powering on VM:\n');
    assert.match(
      noVf.stderr,
      /^Power on failed: \(vim\.fault\.GenericVmConfigFault\)[\s\S]*message = "pciPassthru:0: No SR-IOV virtual function \(VF\) is available for given physical function \(PF\) \(0000:17:00\.1\)\."[\s\S]*Module 'DevicePowerOn' power on failed\./,
    );

    assert.equal((await host.run('vmkload_mod -u nmlx5_rdma && vmkload_mod -u nmlx5_core')).code, 0);
    const noCard = await host.run('vim-cmd vmsvc/power.on 1');
    assert.equal(noCard.code, 1);
    assert.match(noCard.stderr, /message = "Device 23:0\.0 is not a passthrough device\."/);
    await host.run('vmkload_mod nmlx5_core');
    const wid = (await host.run('ps -c | grep devmgr')).stdout.trim().split(/\s+/)[0];
    await host.run(`kill -HUP ${wid}`);
    assert.equal((await host.run('vim-cmd vmsvc/power.on 1')).code, 0);
  });

  it('a reboot stops running VMs hard; autostart VMs start after boot outside maintenance mode', async () => {
    const host = vmHost([
      { name: 'auto', autostart: true },
      { name: 'manual' },
      { name: 'auto-vf', autostart: true, devices: ['sriov'] },
    ]);
    const state = host.machine.state;
    shutdownHost(state, host.now);
    assert.deepEqual(
      state.vms.map((v) => v.power),
      ['off', 'off', 'off'],
    );
    host.reboot();
    assert.deepEqual(
      state.vms.map((v) => [v.name, v.power]),
      [
        ['auto', 'on'],
        ['manual', 'off'],
        ['auto-vf', 'on'],
      ],
    );
    // Without VFs after the boot (max_vfs cleared), the SR-IOV VM cannot autostart.
    await host.run('esxcli system module parameters set -m nmlx5_core -p ""');
    shutdownHost(state, host.now);
    host.reboot();
    assert.deepEqual(
      state.vms.map((v) => v.power),
      ['on', 'off', 'off'],
    );
    // In maintenance mode nothing starts, and the mode survives the reboot.
    await host.run('vim-cmd vmsvc/power.off 1');
    assert.equal((await host.run('esxcli system maintenanceMode set -e true')).code, 0);
    shutdownHost(state, host.now);
    bootHost(state, { now: host.now, cold: true });
    assert.equal((await host.run('esxcli system maintenanceMode get')).stdout, 'Enabled\n');
    assert.deepEqual(
      state.vms.map((v) => v.power),
      ['off', 'off', 'off'],
    );
  });
});
