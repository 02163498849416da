import assert from 'node:assert/strict';
import { shutdownHost } from '../../simulator/esxi/boot';
import { testHost, vmHost } from './esxi-helpers';

// esxcli system maintenanceMode on a simulated host with VMs, on the host's fake clock: entering
// waits for every VM to be off, -t fails after its timeout leaving the host out of maintenance
// mode, powering on is refused meanwhile, the request outlives a client that goes away.

const getMode = async (host: ReturnType<typeof testHost>) =>
  (await host.run('esxcli system maintenanceMode get')).stdout;

describe('simulator maintenance mode with VMs', () => {
  it('an empty host enters at once; already enabled / disabled; vSAN modes', async () => {
    const host = testHost();
    assert.deepEqual(await host.run('esxcli system maintenanceMode set -e true -t 0 -m noAction'), {
      stdout: '',
      stderr: '',
      code: 0,
    });
    assert.deepEqual(await host.run('esxcli system maintenanceMode set -e true'), {
      stdout: '',
      stderr: 'Maintenance mode is already enabled.\n',
      code: 1,
    });
    assert.equal((await host.run('esxcli system maintenanceMode set -e false')).code, 0);
    for (const mode of ['ensureObjectAccessibility', 'evacuateAllData']) {
      assert.equal(
        (await host.run(`esxcli system maintenanceMode set --enable true --vsanmode ${mode}`)).code,
        0,
      );
      assert.equal((await host.run('esxcli system maintenanceMode set --enable false')).code, 0);
    }
    assert.deepEqual(await host.run('esxcli system maintenanceMode set -e true -m fullDataMigration'), {
      stdout: '',
      stderr: "Error: Invalid data constraint for parameter 'vsanmode'.\n",
      code: 1,
    });
    assert.equal((await host.run('esxcli system maintenanceMode set -e true -t soon')).code, 1);
    assert.equal(await getMode(host), 'Disabled\n');
  });

  it('-t: times out while a VM runs and leaves the host out of maintenance mode', async () => {
    const host = vmHost([{ name: 'a' }, { name: 'b', power: 'off' }]);
    const pending = host.run('esxcli system maintenanceMode set -e true -t 60');
    await host.advance(59_000);
    assert.equal(await getMode(host), 'Disabled\n');
    // Powering on is blocked while the host is entering maintenance mode.
    const on = await host.run('vim-cmd vmsvc/power.on 2');
    assert.equal(on.code, 1);
    assert.match(
      on.stderr,
      /^Power on failed: \(vim\.fault\.InvalidState\) \{\n[\s\S]*msg = "The operation is not allowed in the current state\."\n\}\n$/,
    );
    await host.advance(1_000);
    assert.deepEqual(await pending, { stdout: '', stderr: 'Operation timed out.\n', code: 1 });
    assert.equal(await getMode(host), 'Disabled\n');
    assert.equal((await host.run('vim-cmd vmsvc/power.on 2')).code, 0, 'no longer entering');
  });

  it('without -t it blocks until the VMs are off; powered-off VMs stay registered', async () => {
    const host = vmHost([
      { name: 'slow', shutdownSeconds: 120 },
      { name: 'stuck', tools: 'hung' },
      { name: 'off', power: 'off' },
    ]);
    let done = false;
    const pending = host.run('esxcli system maintenanceMode set -e true').then((r) => {
      done = true;
      return r;
    });
    await host.run('vim-cmd vmsvc/power.shutdown 1');
    await host.run('vim-cmd vmsvc/power.shutdown 2');
    await host.advance(3_600_000);
    assert.equal(done, false, 'the stuck guest keeps it waiting');
    assert.equal((await host.run('esxcli vm process list')).stdout.match(/^stuck$/m)?.[0], 'stuck');
    const wid = (await host.run("esxcli vm process list | grep 'World ID'")).stdout.trim().split(/\s+/)[2];
    assert.equal((await host.run(`esxcli vm process kill --type hard --world-id ${wid}`)).code, 0);
    assert.deepEqual(await pending, { stdout: '', stderr: '', code: 0 });
    assert.equal(await getMode(host), 'Enabled\n');
    assert.equal((await host.run('vim-cmd vmsvc/getallvms')).stdout.split('\n').length - 2, 3);
    assert.match((await host.run('vim-cmd vmsvc/power.on 3')).stderr, /vim\.fault\.InvalidState/);
    assert.deepEqual(await host.run('esxcli system maintenanceMode set -e true'), {
      stdout: '',
      stderr: 'Maintenance mode is already enabled.\n',
      code: 1,
    });
  });

  it('a guest shutdown that finishes within -t lets the host enter', async () => {
    const host = vmHost([{ name: 'a', shutdownSeconds: 20 }]);
    await host.run('vim-cmd vmsvc/power.shutdown 1');
    const pending = host.run('esxcli system maintenanceMode set -e true -t 30');
    await host.advance(20_000);
    assert.deepEqual(await pending, { stdout: '', stderr: '', code: 0 });
    assert.equal(await getMode(host), 'Enabled\n');
  });

  it('the request outlives a client that goes away; set -e false cancels it', async () => {
    const host = vmHost([{ name: 'a' }]);
    const client = new AbortController();
    const gone = host.run('esxcli system maintenanceMode set -e true -t 600', undefined, client.signal);
    await host.advance(1_000);
    client.abort();
    await gone;
    await host.run('vim-cmd vmsvc/power.off 1');
    assert.equal(await getMode(host), 'Enabled\n', 'entered after the VM stopped');

    await host.run('esxcli system maintenanceMode set -e false');
    await host.run('vim-cmd vmsvc/power.on 1');
    const waiting = host.run('esxcli system maintenanceMode set -e true');
    await host.advance(1_000);
    assert.deepEqual(await host.run('esxcli system maintenanceMode set -e false'), {
      stdout: '',
      stderr: '',
      code: 0,
    });
    assert.deepEqual(await waiting, { stdout: '', stderr: 'The task was canceled by a user.\n', code: 1 });
    await host.run('vim-cmd vmsvc/power.off 1');
    assert.equal(await getMode(host), 'Disabled\n');
  });

  it('a host going down drops the pending request; maintenance mode persists across reboots', async () => {
    const host = vmHost([{ name: 'a', autostart: true }]);
    const state = host.machine.state;
    const client = new AbortController();
    const gone = host.run('esxcli system maintenanceMode set -e true', undefined, client.signal);
    await host.advance(10);
    client.abort();
    await gone;
    assert.ok(state.maintenanceRequest);
    shutdownHost(state, host.now);
    assert.equal(state.maintenanceRequest, undefined);
    host.reboot();
    assert.equal(state.vms[0].power, 'on', 'autostart outside maintenance mode');
    await host.run('vim-cmd vmsvc/power.off 1');
    assert.equal((await host.run('esxcli system maintenanceMode set -e true -t 5')).code, 0);
    shutdownHost(state, host.now);
    host.reboot();
    assert.equal(await getMode(host), 'Enabled\n');
    assert.equal(state.vms[0].power, 'off', 'no autostart in maintenance mode');
  });
});
