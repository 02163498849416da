import assert from 'node:assert/strict';
import { shutdownHost } from '../../simulator/esxi/boot';
import { testHost } from './esxi-helpers';

// ESXi host model semantics, without SSH: module options, vmkload_mod, mst/mlxconfig/flint, SR-IOV,
// the recovery condition, maintenance mode, logs.

describe('simulator ESXi commands', () => {
  it('esxcli module parameters: -p replaces the stored string, -a appends, effective after reboot', async () => {
    const host = testHost({ nmlx5CoreOptions: 'max_vfs=8' });
    assert.equal(
      (await host.run('esxcli system module parameters set -m nmlx5_core -p "mst_recovery=1"')).code,
      0,
    );
    assert.equal(
      (await host.run('esxcfg-module -g nmlx5_core')).stdout,
      "nmlx5_core enabled = 1 options = 'mst_recovery=1'\n",
    );
    await host.run('esxcli system module parameters set -a -m nmlx5_core -p "max_vfs=4"');
    assert.equal(
      (await host.run('esxcfg-module -g nmlx5_core')).stdout,
      "nmlx5_core enabled = 1 options = 'mst_recovery=1 max_vfs=4'\n",
    );
    const list = (await host.run('esxcli system module parameters list -m nmlx5_core')).stdout;
    assert.match(list, /^mst_recovery\s+int\s+1\s+Enable recovery mode/m);
    assert.match(list, /^max_vfs\s+array of uint\s+4\s+Number of PCI VFs/m);
    // Loaded parameters change only with a boot.
    assert.equal(host.machine.state.boot.loaded.nmlx5_core, 'max_vfs=8');
    host.reboot();
    assert.equal(host.machine.state.boot.loaded.nmlx5_core, 'mst_recovery=1 max_vfs=4');
  });

  it('esxcli usage errors exit non-zero', async () => {
    const host = testHost();
    let r = await host.run('esxcli system module parameters set -p x=1');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: Missing required parameter -m|--module\n');
    r = await host.run('esxcli system module parameters set -m nmlx5_core -p "bogus=1"');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid parameter bogus/);
    r = await host.run('esxcli system nosuch get');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: Unknown command or namespace system nosuch\n');
    r = await host.run('esxcli system version get --bogus');
    assert.equal(r.code, 1);
    assert.equal(
      (await host.run('esxcli system shutdown reboot')).stderr,
      'Error: Missing required parameter -r|--reason\n',
    );
  });

  it('vmkload_mod: loaded modules, Busy errors, hand-given params last one boot', async () => {
    const host = testHost({ nmlx5CoreOptions: 'max_vfs=8' });
    assert.match((await host.run('vmkload_mod -l')).stdout, /^nmlx5_core\s+\d+\s+\d+$/m);
    let r = await host.run('vmkload_mod nmlx5_core');
    assert.equal(r.stderr, 'Unable to load module /usr/lib/vmware/vmkmod/nmlx5_core: Busy\n');
    r = await host.run('vmkload_mod -u nmlx5_core');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'vmkload_mod: Can not remove module nmlx5_core: Busy\n');
    assert.equal(
      (await host.run('vmkload_mod -u nmlx5_rdma')).stdout,
      'Module nmlx5_rdma successfully unloaded\n',
    );
    assert.equal(
      (await host.run('vmkload_mod -u nmlx5_core')).stdout,
      'Module nmlx5_core successfully unloaded\n',
    );
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\n');
    assert.doesNotMatch((await host.run('esxcli network nic list')).stdout, /nmlx5_core/);
    assert.match((await host.run('esxcli system module list')).stdout, /^nmlx5_core\s+false\s+true$/m);
    assert.equal((await host.run('vmkload_mod nmlx5_core mst_recovery=1')).code, 0);
    // Not claimed until vmkdevmgr rescans.
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\n');
    const wid = (await host.run('ps -c | grep devmgr')).stdout.trim().split(/\s+/)[0];
    assert.equal((await host.run(`kill -HUP ${wid}`)).code, 0);
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\nmt4129_pciconf0\n');
    assert.match((await host.run('esxcli network nic list')).stdout, /nmlx5_core/);
    assert.equal(host.machine.state.boot.loaded.nmlx5_core, 'mst_recovery=1');
    host.reboot();
    assert.equal(host.machine.state.boot.loaded.nmlx5_core, 'max_vfs=8');
    assert.equal((await host.run('kill -HUP 12345')).stderr, "sh: can't kill pid 12345: No such process\n");
  });

  it('module-unload fault: the guide reload fixes the current boot', async () => {
    const host = testHost();
    host.reboot({ moduleUnloaded: true });
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\n');
    assert.match((await host.run('esxcli system module list')).stdout, /^nmlx5_core\s+false/m);
    await host.run('vmkload_mod -u nmlx5_rdma');
    const unload = await host.run('vmkload_mod -u nmlx5_core');
    assert.equal(unload.stderr, 'vmkload_mod: Can not remove module nmlx5_core: Not found\n');
    await host.run('vmkload_mod nmlx5_core mst_recovery=1');
    const wid = (await host.run('ps -c | grep vmkdevmgr')).stdout.trim().split(/\s+/)[0];
    assert.equal((await host.run(`kill -HUP ${wid}`)).code, 0);
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\nmt4129_pciconf0\n');
  });

  it('mlxconfig: query, set to Next Boot, errors with -E- and exit 1', async () => {
    const host = testHost({ cards: [{ model: 'ConnectX-6', ports: 2 }, { model: 'ConnectX-7' }] });
    assert.equal(
      (await host.run('mst status')).stdout,
      'MST devices:\n------------\nmt4123_pciconf0\nmt4129_pciconf0\n',
    );
    const set = await host.run(
      '/opt/mellanox/bin/mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16',
    );
    assert.equal(set.code, 0);
    assert.match(set.stdout, /^ {9}SRIOV_EN {28}False\(0\) {8}True\(1\)$/m);
    const q = (await host.run('mlxconfig -d mt4129_pciconf0 -e q')).stdout;
    assert.match(q, /^\* {8}NUM_OF_VFS {26}0 {15}0 {15}16$/m);
    const plain = (await host.run('mlxconfig -d mt4129_pciconf0 q')).stdout;
    assert.match(plain, /^Configurations: {30}Next Boot$/m);
    assert.match(
      (await host.run('mlxconfig -d mt4123_pciconf0 q LINK_TYPE_P2')).stdout,
      /LINK_TYPE_P2 +IB\(1\)/,
    );

    const cases: [string, string][] = [
      ['mlxconfig -d mt4129_pciconf0 -y set FOO=1', '-E- Unknown Parameter: FOO\n'],
      [
        'mlxconfig -d mt4129_pciconf0 -y set NUM_OF_VFS=128',
        "-E- Parameter NUM_OF_VFS' value is larger than maximum allowed 127\n",
      ],
      [
        'mlxconfig -d mt4129_pciconf0 -y set LINK_TYPE_P2=2',
        "-E- The Device doesn't support LINK_TYPE_P2 parameter\n",
      ],
      ['mlxconfig -d mt9999_pciconf0 q', '-E- Failed to open the device\n'],
    ];
    for (const [line, expected] of cases) {
      const r = await host.run(line);
      assert.equal(r.code, 1, line);
      assert.equal(r.stdout, expected, line);
    }
    host.mlxconfigFails = true;
    assert.equal(
      (await host.run('mlxconfig -d mt4129_pciconf0 q')).stdout,
      '-E- Failed to open the device\n',
    );
  });

  it('mlxconfig without -y asks and aborts unless answered', async () => {
    const host = testHost();
    const r = await host.run('mlxconfig -d mt4129_pciconf0 set SRIOV_EN=1');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Aborted by user/);
    assert.equal(host.machine.state.cards[0].mlxconfig.SRIOV_EN?.next, 0);
    assert.equal((await host.run('mlxconfig -d mt4129_pciconf0 set SRIOV_EN=1', 'y\n')).code, 0);
    assert.equal(host.machine.state.cards[0].mlxconfig.SRIOV_EN?.next, 1);
  });

  it('Next Boot becomes Current on a cold reboot, not on a Quick Boot one', async () => {
    const host = testHost({ quickBoot: true });
    await host.run('mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16');
    host.reboot();
    assert.equal(host.machine.state.cards[0].mlxconfig.SRIOV_EN?.current, 0);
    assert.match((await host.run('/bin/loadESXEnable -d')).stdout, /disabled/);
    host.reboot();
    assert.equal(host.machine.state.cards[0].mlxconfig.SRIOV_EN?.current, 1);
    assert.equal(host.machine.state.cards[0].mlxconfig.NUM_OF_VFS?.current, 16);
  });

  it('SR-IOV: VFs per max_vfs only with SRIOV_EN and enough NUM_OF_VFS', async () => {
    const host = testHost({ cards: [{ model: 'ConnectX-7' }, { model: 'ConnectX-6', ports: 2 }] });
    await host.run('esxcli system module parameters set -m nmlx5_core -p "max_vfs=8,4,4"');
    await host.run('mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16');
    await host.run('mlxconfig -d mt4123_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=8');
    host.reboot({ cold: true });
    // CX-7 (1 port): 8 VFs <= 16-1. CX-6 (2 ports): 4+4+1 > 8: no VFs.
    assert.deepEqual(host.machine.state.boot.vfs, [8, 0, 0]);
    const list = (await host.run('esxcli network sriovnic list')).stdout;
    assert.match(list, /^vmnic2\s+0000:17:00\.0\s+nmlx5_core/m);
    assert.doesNotMatch(list, /vmnic3/);
    const vfs = (await host.run('esxcli network sriovnic vf list -n vmnic2')).stdout.trim().split('\n');
    assert.equal(vfs.length, 2 + 8);
    assert.equal((await host.run('esxcli network sriovnic vf list -n vmnic3')).code, 1);
    await host.run('mlxconfig -d mt4123_pciconf0 -y set NUM_OF_VFS=9');
    host.reboot({ cold: true });
    assert.deepEqual(host.machine.state.boot.vfs, [8, 4, 4]);
    assert.match(
      (await host.run('esxcli hardware pci list')).stdout,
      /Device Name: MT28908 Family \[ConnectX-6 Virtual Function\]/,
    );
  });

  it('hidden cards show only after a boot with mst_recovery=1, then stay visible', async () => {
    const host = testHost({ cardsHidden: true });
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\n');
    assert.equal((await host.run('flint -d mt4129_pciconf0 q')).code, 1);
    await host.run('esxcli system module parameters set -m nmlx5_core -p "mst_recovery=1"');
    host.reboot();
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\nmt4129_pciconf0\n');
    await host.run('esxcli system module parameters set -m nmlx5_core -p "mst_recovery=0"');
    host.reboot();
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\nmt4129_pciconf0\n');
    assert.match((await host.run('flint -d mt4129_pciconf0 q')).stdout, /^PSID: {18}MT_0000000834$/m);
  });

  it('cards missing after a boot', async () => {
    const host = testHost();
    host.reboot({ cardsMissing: true });
    assert.equal((await host.run('mst status')).stdout, 'MST devices:\n------------\n');
    assert.doesNotMatch((await host.run('lspci')).stdout, /Mellanox/);
    host.reboot();
    assert.match((await host.run('lspci')).stdout, /Mellanox/);
  });

  it('reboots: esxcli needs maintenance mode, busybox reboot does not; vmksummary markers', async () => {
    const host = testHost();
    const refused = await host.run('esxcli system shutdown reboot -r "roll out"');
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'The host must be in maintenance mode\n');
    assert.equal(host.reboots.length, 0);
    assert.equal(
      (await host.run('esxcli system maintenanceMode set -e false')).stderr,
      'Maintenance mode is already disabled.\n',
    );
    await host.run('esxcli system maintenanceMode set --enable true');
    assert.equal((await host.run('esxcli system shutdown reboot -r "roll out"')).code, 0);
    assert.deepEqual(host.reboots, [{ via: 'esxcli', delayMs: 0, force: false }]);
    assert.equal((await host.run('reboot -f')).code, 0);
    assert.deepEqual(host.reboots[1], { via: 'busybox', delayMs: 0, force: true });
    shutdownHost(host.machine.state, host.now);
    host.reboot();
    assert.equal(host.machine.state.maintenanceMode, true);
    const log = (await host.run('cat /var/log/vmksummary.log')).stdout.trim().split('\n');
    assert.match(log[log.length - 2], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z bootstop: Host is rebooting$/);
    assert.match(log[log.length - 1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z bootstop: Host has booted$/);
    assert.equal((await host.run('esxcli system stats uptime get')).stdout, '0\n');
  });

  it('logs every command line to shell.log', async () => {
    const host = testHost();
    await host.run('esxcli system version get | grep Version');
    const last = (await host.run('tail -n 1 /var/log/shell.log')).stdout;
    assert.match(
      last,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z shell\[\d+\]: \[root\]: tail -n 1 \/var\/log\/shell\.log\n$/,
    );
    assert.match((await host.run('grep -c esxcli /var/log/shell.log')).stdout, /^[12]\n$/);
  });

  it('without the MFT VIB, mst and friends are not found', async () => {
    const host = testHost({ mft: false });
    assert.equal(
      (await host.run('/opt/mellanox/bin/mst status')).stderr,
      'sh: /opt/mellanox/bin/mst: not found\n',
    );
    const r = await host.run('mlxconfig -d mt4129_pciconf0 q');
    assert.equal(r.code, 127);
    assert.doesNotMatch((await host.run('esxcli software vib list')).stdout, /^mft /m);
  });

  it('ps -c lists vmkdevmgr; hardware pci list has key/value blocks', async () => {
    const host = testHost();
    assert.match((await host.run('ps -c')).stdout, /^WID\s+CID\s+WorldName\s+Command\n/);
    assert.match(
      (await host.run('ps -c | grep devmgr')).stdout,
      /^\d+\s+\d+\s+vmkdevmgr\s+\/bin\/vmkdevmgr\n$/,
    );
    const pci = (await host.run('esxcli hardware pci list')).stdout;
    assert.match(pci, /^0000:17:00\.0\n {3}Address: 0000:17:00\.0\n/m);
    assert.match(pci, /^ {3}VMkernel Name: vmnic2$/m);
  });
});
