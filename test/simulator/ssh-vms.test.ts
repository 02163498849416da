import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { execOn, knownHostsFile, opensshRun, sshConnect, sshRun } from './ssh-helpers';

// VMs and a blocking maintenance mode through real SSH, cross-checked with the OpenSSH client: the
// same answers as ssh2 gets, `set -e true -t N` failing after N seconds, a session that hangs while
// VMs run, power.on refused in maintenance mode, maintenance mode and autostart across reboots.

const VM_COMMANDS = [
  'vim-cmd vmsvc/getallvms',
  'esxcli vm process list',
  'vim-cmd vmsvc/power.getstate 1',
  'vim-cmd vmsvc/get.config 2',
  'cat /vmfs/volumes/datastore1/esx-01-pt/esx-01-pt.vmx',
  'esxcli network sriovnic vf list -n vmnic2',
];

describe('simulator over SSH: VMs and maintenance mode', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let knownHosts: string;

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 3,
      defaults: {
        cards: [{ model: 'ConnectX-7', ports: 2 }],
        nmlx5CoreOptions: 'max_vfs=2,2',
        mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 8 },
      },
      hostOverrides: {
        'esx-01': {
          vms: [
            { name: 'esx-01-pt', devices: ['passthrough'], autostart: true },
            { name: 'esx-01-vf', devices: ['sriov'], shutdownSeconds: 0.3 },
            { name: 'esx-01-off', power: 'off' },
          ],
        },
        'esx-02': { vms: [{ name: 'esx-02-stuck', tools: 'hung' }] },
        'esx-03': {
          vms: [
            { name: 'esx-03-auto', autostart: true, shutdownSeconds: 0.2 },
            { name: 'esx-03-manual', shutdownSeconds: 0.2 },
          ],
        },
      },
      password: 'sim-test-password',
    });
    knownHosts = await knownHostsFile(fleet);
  });
  after(() => fleet?.stop());

  const openssh = async (name: string, command: string) => opensshRun(fleet, name, command, knownHosts);

  it('answers the VM commands identically through ssh2 and OpenSSH', async () => {
    for (const command of VM_COMMANDS) {
      const viaSsh2 = await sshRun(fleet, 'esx-01', command);
      const viaOpenssh = await openssh('esx-01', command);
      assert.equal(viaSsh2.code, 0, `${command}: ${viaSsh2.stderr}`);
      assert.ok(viaSsh2.stdout.length > 0, command);
      assert.deepEqual(viaOpenssh, viaSsh2, command);
    }
    const list = (await openssh('esx-01', 'esxcli vm process list')).stdout;
    assert.deepEqual(
      [...list.matchAll(/^(\S+)$/gm)].map((m) => m[1]),
      ['esx-01-pt', 'esx-01-vf'],
    );
    assert.match(
      (await openssh('esx-01', 'grep pciPassthru0.id /vmfs/volumes/datastore1/esx-01-pt/esx-01-pt.vmx'))
        .stdout,
      /^pciPassthru0\.id = "00000:023:00\.\d"\n$/,
    );
  });

  it('-t fails after its timeout and leaves the host out of maintenance mode', async () => {
    const r = await openssh('esx-02', 'esxcli system maintenanceMode set -e true -t 1');
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Operation timed out.\n']);
    assert.equal((await openssh('esx-02', 'esxcli system maintenanceMode get')).stdout, 'Disabled\n');
    assert.equal(
      (await openssh('esx-02', 'vim-cmd vmsvc/power.getstate 1')).stdout,
      'Retrieved runtime info\nPowered on\n',
    );
  });

  it('without -t the session hangs while a VM runs, and returns once it is off', async () => {
    const client = await sshConnect({
      port: fleet.host('esx-02').port,
      privateKeyPath: fleet.clientKeyPath,
      hostKey: fleet.host('esx-02').fingerprint,
    });
    try {
      let answered = false;
      const pending = execOn(client, 'esxcli system maintenanceMode set -e true', { timeoutMs: 30_000 }).then(
        (r) => {
          answered = true;
          return r;
        },
      );
      // The hung guest ignores a guest shutdown; other sessions still work meanwhile.
      assert.equal((await openssh('esx-02', 'vim-cmd vmsvc/power.shutdown 1')).code, 0);
      const on = await openssh('esx-02', 'vim-cmd vmsvc/power.getstate 1');
      assert.equal(on.stdout, 'Retrieved runtime info\nPowered on\n');
      assert.equal(answered, false);
      const wid = (await openssh('esx-02', "esxcli vm process list | grep 'World ID'")).stdout
        .trim()
        .split(/\s+/)[2];
      assert.equal((await openssh('esx-02', `esxcli vm process kill --type=hard --world-id=${wid}`)).code, 0);
      assert.deepEqual(await pending, { stdout: '', stderr: '', code: 0 });
    } finally {
      client.end();
    }
    assert.equal((await openssh('esx-02', 'esxcli system maintenanceMode get')).stdout, 'Enabled\n');
    assert.deepEqual(await openssh('esx-02', 'esxcli system maintenanceMode set -e true'), {
      stdout: '',
      stderr: 'Maintenance mode is already enabled.\n',
      code: 1,
    });
    const on = await openssh('esx-02', 'vim-cmd vmsvc/power.on 1');
    assert.equal(on.code, 1);
    assert.equal(on.stdout, 'Powering on VM:\n');
    assert.match(on.stderr, /^Power on failed: \(vim\.fault\.InvalidState\)/);
    const log = (await openssh('esx-02', 'grep -c "maintenanceMode set" /var/log/shell.log')).stdout;
    assert.equal(log, '4\n', 'every command is in shell.log, the hanging one too');
  });

  it('guest shutdowns let the host enter; maintenance mode and autostart across reboots', async () => {
    const name = 'esx-03';
    const host = fleet.host(name);
    assert.equal(
      (await openssh(name, 'vim-cmd vmsvc/power.shutdown 1; vim-cmd vmsvc/power.shutdown 2')).code,
      0,
    );
    const entered = await openssh(
      name,
      'esxcli system maintenanceMode set -e true -t 30 -m ensureObjectAccessibility',
    );
    assert.deepEqual([entered.code, entered.stderr], [0, '']);
    assert.equal((await openssh(name, 'esxcli vm process list')).stdout, '');
    assert.equal((await openssh(name, 'esxcli system shutdown reboot -r vms')).code, 0);
    await host.waitFor('up', { minBootCount: 2, timeoutMs: 10_000 });
    assert.equal((await openssh(name, 'esxcli system maintenanceMode get')).stdout, 'Enabled\n');
    assert.equal(
      (await openssh(name, 'esxcli vm process list')).stdout,
      '',
      'no autostart in maintenance mode',
    );
    assert.equal((await openssh(name, 'esxcli system maintenanceMode set -e false')).code, 0);
    assert.equal((await openssh(name, 'reboot')).code, 0);
    await host.waitFor('up', { minBootCount: 3, timeoutMs: 10_000 });
    const running = (await openssh(name, 'esxcli vm process list')).stdout;
    assert.deepEqual(
      [...running.matchAll(/^(\S+)$/gm)].map((m) => m[1]),
      ['esx-03-auto'],
    );
    // busybox reboot outside maintenance mode: the running VM is powered off hard.
    assert.equal((await openssh(name, 'reboot -f')).code, 0);
    await host.waitFor('up', { minBootCount: 4, timeoutMs: 10_000 });
    assert.equal(
      (await openssh(name, 'vim-cmd vmsvc/power.getstate 2')).stdout,
      'Retrieved runtime info\nPowered off\n',
    );
  });
});
