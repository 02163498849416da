import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { execOn, knownHostsFile, opensshRun, sshConnect, sshRun } from './ssh-helpers';

// Every ESXi command through a real SSH connection, with ssh2's Client and with the OpenSSH client.

const READ_ONLY_COMMANDS = [
  'esxcli software vib list',
  'esxcli system module list',
  'esxcli system module get -m nmlx5_core',
  'esxcli system module parameters list -m nmlx5_core',
  'esxcfg-module -g nmlx5_core',
  'vmkload_mod -l',
  '/opt/mellanox/bin/mst status',
  '/opt/mellanox/bin/mst status -vv',
  '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0 -e query',
  '/opt/mellanox/bin/mlxconfig -d mt4123_pciconf0 q',
  '/opt/mellanox/bin/flint -d mt4129_pciconf0 q',
  'mst status',
  'esxcli system maintenanceMode get',
  'vim-cmd vmsvc/getallvms',
  'esxcli system version get',
  'esxcli network nic list',
  'esxcli network sriovnic list',
  'esxcli network sriovnic vf list -n vmnic4',
  'esxcli hardware pci list',
  'lspci',
  'ps -c | grep vmkdevmgr',
  'cat /var/log/vmksummary.log',
  'grep booted /var/log/vmksummary.log | tail -n 1',
  'esxcli system version get | grep Build',
];

describe('simulator over SSH: ESXi commands', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let knownHosts: string;

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 7,
      defaults: {
        cards: [{ model: 'ConnectX-6', ports: 2 }, 'ConnectX-7'],
        nmlx5CoreOptions: 'max_vfs=0,0,4',
        mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 8 },
      },
      password: 'sim-test-password',
    });
    knownHosts = await knownHostsFile(fleet);
  });
  after(() => fleet?.stop());

  it('answers every read-only command identically through ssh2 and OpenSSH', async () => {
    for (const command of READ_ONLY_COMMANDS) {
      const viaSsh2 = await sshRun(fleet, 'esx-01', command);
      const viaOpenssh = await opensshRun(fleet, 'esx-01', command, knownHosts);
      assert.equal(viaSsh2.code, 0, `${command}: ${viaSsh2.stderr}`);
      assert.equal(viaOpenssh.code, 0, `${command}: ${viaOpenssh.stderr}`);
      assert.ok(viaSsh2.stdout.length > 0, command);
      assert.equal(viaOpenssh.stdout, viaSsh2.stdout, command);
    }
  });

  it('runs state-changing commands and reports exit codes and stderr', async () => {
    const name = 'esx-02';
    let r = await sshRun(
      fleet,
      name,
      'esxcli system module parameters set -m nmlx5_core -p "mst_recovery=1"',
    );
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    r = await opensshRun(fleet, name, 'esxcfg-module -g nmlx5_core', knownHosts);
    assert.equal(r.stdout, "nmlx5_core enabled = 1 options = 'mst_recovery=1'\n");
    r = await opensshRun(
      fleet,
      name,
      'esxcli system module parameters set -a -m nmlx5_core -p "max_vfs=4"',
      knownHosts,
    );
    assert.equal(r.code, 0);
    assert.equal(
      (await sshRun(fleet, name, 'esxcfg-module -g nmlx5_core')).stdout,
      "nmlx5_core enabled = 1 options = 'mst_recovery=1 max_vfs=4'\n",
    );

    r = await sshRun(
      fleet,
      name,
      '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0 -y set ADVANCED_PCI_SETTINGS=1 FORCE_ETH_PCI_SUBCLASS=1',
    );
    assert.equal(r.code, 0);
    assert.match(r.stdout, /-I- Please reboot machine to load new configurations\.\n$/);
    r = await opensshRun(fleet, name, 'mlxconfig -d mt4129_pciconf0 -y set NUM_OF_VFS=200', knownHosts);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "-E- Parameter NUM_OF_VFS' value is larger than maximum allowed 127\n");
    r = await opensshRun(fleet, name, 'mlxconfig -d mt0000_pciconf0 q', knownHosts);
    assert.deepEqual([r.code, r.stdout], [1, '-E- Failed to open the device\n']);

    r = await sshRun(fleet, name, 'esxcli system maintenanceMode set -e true -t 0');
    assert.deepEqual([r.code, r.stdout], [0, '']);
    assert.equal(
      (await opensshRun(fleet, name, 'esxcli system maintenanceMode get', knownHosts)).stdout,
      'Enabled\n',
    );

    r = await sshRun(fleet, name, 'vmkload_mod -u nmlx5_core');
    assert.deepEqual([r.code, r.stderr], [1, 'vmkload_mod: Can not remove module nmlx5_core: Busy\n']);
    r = await opensshRun(
      fleet,
      name,
      'vmkload_mod -u nmlx5_rdma && vmkload_mod -u nmlx5_core && vmkload_mod nmlx5_core mst_recovery=1',
      knownHosts,
    );
    assert.equal(r.code, 0, r.stderr);
    const devmgr = (await opensshRun(fleet, name, 'ps -c | grep devmgr', knownHosts)).stdout
      .trim()
      .split(/\s+/)[0];
    r = await opensshRun(fleet, name, `kill -HUP ${devmgr} && mst status`, knownHosts);
    assert.equal(r.stdout, 'MST devices:\n------------\nmt4123_pciconf0\nmt4129_pciconf0\n');

    r = await sshRun(fleet, name, '/bin/loadESXEnable -e');
    assert.equal(r.code, 0);
    assert.equal(fleet.esxi(name).state.quickBoot, true);

    r = await opensshRun(fleet, name, 'nosuchcommand', knownHosts);
    assert.deepEqual([r.code, r.stderr], [127, 'sh: nosuchcommand: not found\n']);
    r = await sshRun(fleet, name, 'grep nomatch /var/log/vmksummary.log');
    assert.equal(r.code, 1);
    const log = (await sshRun(fleet, name, 'tail -n 2 /var/log/shell.log')).stdout;
    assert.match(
      log,
      /shell\[\d+\]: \[root\]: grep nomatch \/var\/log\/vmksummary\.log\n.*shell\[\d+\]: \[root\]: tail -n 2 \/var\/log\/shell\.log\n$/,
    );
  });

  it('runs the state-changing commands and reboots through OpenSSH too', async () => {
    const name = 'esx-03';
    const run = async (command: string) => {
      const r = await opensshRun(fleet, name, command, knownHosts);
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      return r.stdout;
    };
    assert.match(await run('esxcli system stats uptime get'), /^\d+\n$/);
    assert.match((await sshRun(fleet, name, 'esxcli system stats uptime get')).stdout, /^\d+\n$/);
    assert.match(await run('mlxconfig -d mt4129_pciconf0 -y set NUM_OF_VFS=16'), /Applying\.\.\. Done!/);
    const devmgr = (await sshRun(fleet, name, 'ps -c | grep devmgr')).stdout.trim().split(/\s+/)[0];
    assert.equal((await sshRun(fleet, name, `kill -HUP ${devmgr}`)).code, 0);
    assert.match(await run('/bin/loadESXEnable -d'), /disabled/);
    await run('esxcli system maintenanceMode set -e true -t 0');
    const host = fleet.host(name);
    await run('esxcli system shutdown reboot -r "via openssh"');
    await host.waitFor('up', { minBootCount: 2, timeoutMs: 10_000 });
    assert.match(await run('mlxconfig -d mt4129_pciconf0 -e q NUM_OF_VFS'), /NUM_OF_VFS +0 +16 +16/);
    await run('reboot');
    await host.waitFor('up', { minBootCount: 3, timeoutMs: 10_000 });
    assert.equal(await run('esxcli system maintenanceMode get'), 'Enabled\n');
  });

  it('with a pty (ssh -t, Ansible raw) output uses CRLF and stderr joins stdout', async () => {
    const client = await sshConnect({
      port: fleet.host('esx-01').port,
      privateKeyPath: fleet.clientKeyPath,
      hostKey: fleet.host('esx-01').fingerprint,
    });
    try {
      const r = await execOn(client, 'esxcli system maintenanceMode get; nosuch', { pty: true });
      assert.equal(r.stdout, 'Disabled\r\nsh: nosuch: not found\r\n');
      assert.equal(r.code, 127);
    } finally {
      client.end();
    }
    const t = await opensshRun(fleet, 'esx-01', 'esxcli system version get', knownHosts, ['-tt']);
    assert.equal(t.code, 0);
    assert.match(t.stdout, /^ {3}Product: VMware ESXi\r\n/);
  });

  it('serves an interactive shell with the ESXi prompt', async () => {
    const client = await sshConnect({ port: fleet.host('esx-01').port, privateKeyPath: fleet.clientKeyPath });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        client.shell({ term: 'xterm' }, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.endsWith('[root@esx-01:~] ') && out.includes('Version: 8.0.2')) stream.write('exit\r');
          });
          stream.on('close', () => resolve(out));
          stream.write('esxcli system version get | grep Version\r');
        });
      });
      assert.ok(text.startsWith('[root@esx-01:~] '), text);
      assert.match(
        text,
        /esxcli system version get \| grep Version\r\n {3}Version: 8\.0\.2\r\n\[root@esx-01:~\] /,
      );
    } finally {
      client.end();
    }
    // Without a pty: lines from stdin, no prompt, exit status of the last one.
    const viaStdin = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(
        'ssh',
        [
          '-T',
          '-p',
          String(fleet.host('esx-01').port),
          '-i',
          fleet.clientKeyPath,
          '-o',
          `UserKnownHostsFile=${knownHosts}`,
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          'BatchMode=yes',
          'root@127.0.0.1',
        ],
        { encoding: 'utf8', timeout: 20_000 },
        (err, stdout) =>
          resolve({ stdout, code: err ? (typeof err.code === 'number' ? err.code : null) : 0 }),
      );
      child.stdin?.end('hostname\nesxcli system maintenanceMode get\nfalse\n');
    });
    assert.deepEqual(viaStdin, { stdout: 'esx-01\nDisabled\n', code: 1 });
  });

  it('accepts the fleet password and rejects wrong credentials and users', async () => {
    const port = fleet.host('esx-01').port;
    const client = await sshConnect({ port, password: fleet.password });
    assert.equal((await execOn(client, 'hostname')).stdout, 'esx-01\n');
    client.end();
    await assert.rejects(sshConnect({ port, password: 'wrong' }), /authentication methods failed/);
    await assert.rejects(
      sshConnect({ port, username: 'admin', privateKeyPath: fleet.clientKeyPath }),
      /authentication methods failed/,
    );
  });

  it('prints fingerprints exactly as ssh-keygen does', async () => {
    const pub = join(dirname(fleet.clientKeyPath), 'esx-01.pub');
    await writeFile(pub, `${fleet.hostPublicKey('esx-01')}\n`);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }, (err, stdout) =>
        err ? reject(new Error(err.message)) : resolve(stdout),
      ),
    );
    assert.equal(out.split(' ')[1], fleet.host('esx-01').fingerprint);
    assert.equal(fleet.inventory.hosts[0].hostKey, fleet.host('esx-01').fingerprint);
    assert.match(fleet.inventory.hosts[0].hostKey, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
