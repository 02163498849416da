import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { execOn, sshConnect, sshRun, tcpProbe } from './ssh-helpers';

// Reboot semantics over real SSH: sessions close, the port refuses connections while booting, a new
// boot starts (uptime, vmksummary marker), stored module options and mlxconfig Next Boot apply.

async function rebootAndWait(
  fleet: Fleet,
  name: string,
  command = 'esxcli system shutdown reboot -r test',
): Promise<void> {
  const host = fleet.host(name);
  const before = host.bootCount;
  const r = await sshRun(fleet, name, command);
  assert.equal(r.code, 0, r.stderr);
  await host.waitFor('down', { timeoutMs: 10_000 });
  await host.waitFor('up', { minBootCount: before + 1, timeoutMs: 10_000 });
}

describe('simulator reboots', function () {
  this.timeout(60_000);
  let fleet: Fleet;

  before(async () => {
    fleet = await startFleet({
      hosts: 4,
      bootTimeMs: [150, 250],
      shutdownDelayMs: 50,
      seed: 3,
      hostOverrides: {
        'esx-02': { quickBoot: true },
        'esx-03': { hiddenCards: true },
        'esx-04': { nmlx5CoreOptions: 'max_vfs=8' },
      },
    });
  });
  after(() => fleet?.stop());

  it("listens below the kernel's ephemeral range, where no listen on port 0 or outgoing connection can take a rebooting host's port", () => {
    const [ephemeralStart] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    for (const name of ['esx-01', 'esx-02', 'esx-03', 'esx-04']) {
      const { port } = fleet.host(name);
      assert.ok(port >= 10_000 && port < ephemeralStart, `${name}: port ${port}`);
    }
  });

  it('refuses esxcli reboot outside maintenance mode', async () => {
    const r = await sshRun(fleet, 'esx-01', 'esxcli system shutdown reboot -r test');
    assert.deepEqual([r.code, r.stderr], [1, 'The host must be in maintenance mode\n']);
    assert.equal(fleet.host('esx-01').power, 'up');
  });

  it('drops sessions, refuses connections while booting, then comes back with a new boot', async () => {
    const name = 'esx-01';
    const host = fleet.host(name);
    const marker = async () =>
      (await sshRun(fleet, name, 'grep booted /var/log/vmksummary.log | tail -n 1')).stdout;
    const markerBefore = await marker();
    const uptimeBefore = Number((await sshRun(fleet, name, 'esxcli system stats uptime get')).stdout);
    assert.ok(uptimeBefore > 86_400_000_000, 'hosts start with a long uptime');
    await sshRun(fleet, name, 'esxcli system maintenanceMode set -e true');

    const idle = await sshConnect({ port: host.port, privateKeyPath: fleet.clientKeyPath });
    const idleClosed = once(idle, 'close');
    const down = host.waitFor('down', { timeoutMs: 10_000 });
    assert.equal((await sshRun(fleet, name, 'esxcli system shutdown reboot -r "apply settings"')).code, 0);
    await down;
    await idleClosed;
    assert.equal(await tcpProbe(host.port), 'ECONNREFUSED');

    await host.waitFor('up', { timeoutMs: 10_000 });
    assert.equal(await tcpProbe(host.port), 'connected');
    const markerAfter = await marker();
    assert.notEqual(markerAfter, markerBefore);
    assert.match(markerAfter, /^\S+Z bootstop: Host has booted\n$/);
    const uptimeAfter = Number((await sshRun(fleet, name, 'esxcli system stats uptime get')).stdout);
    assert.ok(uptimeAfter < uptimeBefore);
    assert.equal((await sshRun(fleet, name, 'esxcli system maintenanceMode get')).stdout, 'Enabled\n');
    assert.match(
      (await sshRun(fleet, name, 'tail -n 3 /var/log/vmksummary.log')).stdout,
      /bootstop: Host is rebooting\n.*bootstop: Host has booted\n$/,
    );
    const boots = fleet.timings(name).boots;
    assert.equal(boots.length, 1);
    assert.ok((boots[0].downMs ?? -1) >= 0);
  });

  it('applies stored module options at boot and forgets hand-loaded parameters', async () => {
    const name = 'esx-04';
    await sshRun(
      fleet,
      name,
      'vmkload_mod -u nmlx5_rdma; vmkload_mod -u nmlx5_core; vmkload_mod nmlx5_core mst_recovery=1',
    );
    assert.equal(fleet.esxi(name).state.boot.loaded.nmlx5_core, 'mst_recovery=1');
    await sshRun(
      fleet,
      name,
      'esxcli system module parameters set -m nmlx5_core -p "max_vfs=4" && esxcli system maintenanceMode set -e true',
    );
    await rebootAndWait(fleet, name);
    assert.equal(fleet.esxi(name).state.boot.loaded.nmlx5_core, 'max_vfs=4');
    assert.match(
      (await sshRun(fleet, name, 'esxcli system module list')).stdout,
      /^nmlx5_rdma\s+true\s+true$/m,
    );
  });

  it('turns mlxconfig Next Boot into Current on a cold reboot; Quick Boot leaves Current', async () => {
    const set =
      'mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16 && esxcli system module parameters set -m nmlx5_core -p "max_vfs=8"';
    const current = async (name: string) =>
      (await sshRun(fleet, name, 'mlxconfig -d mt4129_pciconf0 -e q SRIOV_EN | grep SRIOV_EN')).stdout
        .trim()
        .split(/\s+/)
        .at(-2);

    assert.equal(
      (await sshRun(fleet, 'esx-02', `${set} && esxcli system maintenanceMode set -e true`)).code,
      0,
    );
    await rebootAndWait(fleet, 'esx-02');
    assert.equal(await current('esx-02'), 'False(0)');
    assert.equal(
      (await sshRun(fleet, 'esx-02', 'esxcli network sriovnic list')).stdout.split('\n').length,
      3,
    );
    // Quick Boot off: the next reboot is cold.
    await sshRun(fleet, 'esx-02', '/bin/loadESXEnable -d');
    await rebootAndWait(fleet, 'esx-02', 'reboot');
    assert.equal(await current('esx-02'), 'True(1)');
    const vfs = (await sshRun(fleet, 'esx-02', 'esxcli network sriovnic vf list -n vmnic2')).stdout;
    assert.equal(vfs.split('\n').length - 3, 8, 'two header lines and a final newline');
  });

  it('busybox reboot works outside maintenance mode; esx-03 recovers its hidden cards with the guide cycle', async () => {
    const name = 'esx-03';
    const mst = async () => (await sshRun(fleet, name, '/opt/mellanox/bin/mst status')).stdout;
    assert.equal(await mst(), 'MST devices:\n------------\n');
    await sshRun(fleet, name, 'esxcli system module parameters set -m nmlx5_core -p "mst_recovery=1"');
    await rebootAndWait(fleet, name, 'reboot');
    assert.equal(await mst(), 'MST devices:\n------------\nmt4129_pciconf0\n');
    await sshRun(fleet, name, 'esxcli system module parameters set -m nmlx5_core -p "mst_recovery=0"');
    await rebootAndWait(fleet, name, 'reboot -f');
    assert.equal(await mst(), 'MST devices:\n------------\nmt4129_pciconf0\n');
    assert.equal(fleet.esxi(name).state.boot.count, 3);
  });

  it('keeps an exec that started the reboot answered before the connection goes', async () => {
    const name = 'esx-04';
    const host = fleet.host(name);
    const client = await sshConnect({ port: host.port, privateKeyPath: fleet.clientKeyPath });
    const closed = once(client, 'close');
    const r = await execOn(client, 'esxcli system shutdown reboot -r again; hostname');
    assert.deepEqual([r.code, r.stdout], [0, `${name}\n`]);
    await closed;
    await host.waitFor('up', { minBootCount: 3, timeoutMs: 10_000 });
  });
});
