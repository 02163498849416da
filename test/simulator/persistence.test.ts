import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startFleet } from '../../simulator/fleet';
import { knownHostsFile, opensshRun, sshRun } from './ssh-helpers';

// A fleet with a state directory keeps host states, keys, ports and faults across restarts.

describe('simulator state directory', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ibfleet-state-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('restarts with the same keys, ports, host states and faults', async () => {
    const opts = { hosts: 3, switches: 1, bootTimeMs: 100, shutdownDelayMs: 20, stateDir: dir, seed: 5 };
    const first = await startFleet({ ...opts, faults: 'esx-03:mlxconfig-fail' });
    let before: { fingerprints: string[]; ports: number[]; key: string };
    try {
      await sshRun(
        first,
        'esx-01',
        'esxcli system module parameters set -m nmlx5_core -p "max_vfs=8" && esxcli system maintenanceMode set -e true',
      );
      await sshRun(first, 'esx-01', 'mlxconfig -d mt4129_pciconf0 -y set SRIOV_EN=1 NUM_OF_VFS=16');
      await sshRun(first, 'esx-01', 'esxcli system shutdown reboot -r persist');
      await first.host('esx-01').waitFor('down', { timeoutMs: 10_000 });
      await first.host('esx-01').waitFor('up', { minBootCount: 2, timeoutMs: 10_000 });
      await sshRun(first, 'esx-02', 'mlxconfig -d mt4129_pciconf0 -y set NUM_OF_VFS=4');
      await sshRun(first, 'ibsw-01', 'configure terminal ; ib sm virt enable ; configuration write');
      before = {
        fingerprints: first.inventory.hosts
          .map((h) => h.hostKey)
          .concat(first.inventory.switches.map((s) => s.hostKey)),
        ports: first.names().map((n) => first.host(n).port),
        key: await readFile(first.clientKeyPath, 'utf8'),
      };
      await first.writeInventory(join(dir, 'inventory.yaml'));
    } finally {
      await first.stop();
    }

    const second = await startFleet(opts);
    try {
      assert.deepEqual(
        second.inventory.hosts.map((h) => h.hostKey).concat(second.inventory.switches.map((s) => s.hostKey)),
        before.fingerprints,
      );
      assert.deepEqual(
        second.names().map((n) => second.host(n).port),
        before.ports,
      );
      assert.equal(await readFile(second.clientKeyPath, 'utf8'), before.key);
      // The old known_hosts and inventory still work.
      const knownHosts = await knownHostsFile(second);
      const r = await opensshRun(
        second,
        'esx-01',
        'esxcfg-module -g nmlx5_core; esxcli system maintenanceMode get',
        knownHosts,
      );
      assert.equal(r.stdout, "nmlx5_core enabled = 1 options = 'max_vfs=8'\nEnabled\n");
      const e1 = second.esxi('esx-01').state;
      assert.equal(e1.boot.count, 2);
      assert.equal(e1.cards[0].mlxconfig.SRIOV_EN?.current, 1);
      assert.deepEqual(e1.boot.vfs, [8]);
      assert.equal(second.esxi('esx-02').state.cards[0].mlxconfig.NUM_OF_VFS?.next, 4);
      assert.match(
        (await sshRun(second, 'esx-01', 'grep -c booted /var/log/vmksummary.log')).stdout,
        /^2\n$/,
      );
      assert.deepEqual(second.faults('esx-03'), { mlxconfigFail: true });
      assert.equal(
        (await sshRun(second, 'esx-03', 'mlxconfig -d mt4129_pciconf0 q')).stdout,
        '-E- Failed to open the device\n',
      );
      assert.equal((await sshRun(second, 'ibsw-01', 'show ib sm virt')).stdout.trim(), 'Enabled');

      const inventory = parse(await readFile(join(dir, 'inventory.yaml'), 'utf8')) as {
        version: number;
        defaults: { credential: { type: string; path: string } };
        clusters: { name: string; hosts: { name: string; port: number; hostKey: string }[] }[];
      };
      assert.equal(inventory.version, 1);
      assert.deepEqual(inventory.defaults.credential, { type: 'private-key', path: './keys/id_ed25519' });
      assert.deepEqual(
        inventory.clusters[0].hosts.map((h) => h.hostKey),
        before.fingerprints.slice(0, 3),
      );
    } finally {
      await second.stop();
    }
  });
});
