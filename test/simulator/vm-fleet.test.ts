import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFaultSpec } from '../../simulator/faults';
import { parseVmMix } from '../../simulator/esxi/vm-spec';
import { startFleet, type FleetOptions } from '../../simulator/fleet';
import { sshRun } from './ssh-helpers';

// VMs at the fleet level: none by default, a seeded mix with `vms`, changes through the control
// endpoint and the guest-shutdown-hangs fault, and VM state kept in the state directory.

const summary = (fleet: Awaited<ReturnType<typeof startFleet>>, name: string) =>
  fleet
    .esxi(name)
    .state.vms.map((vm) => [vm.name, vm.power, vm.tools, vm.devices.map((d) => d.kind).join('+')]);

describe('simulator VMs in a fleet', function () {
  this.timeout(60_000);

  it('hosts have no VMs unless asked; the mix is reproducible for a seed', async () => {
    const plain = await startFleet({ hosts: 2, bootTimeMs: 50, controlPort: false });
    try {
      assert.deepEqual(plain.esxi('esx-01').state.vms, []);
      assert.equal((await sshRun(plain, 'esx-01', 'esxcli vm process list')).stdout, '');
    } finally {
      await plain.stop();
    }
    const opts: FleetOptions = {
      hosts: 4,
      bootTimeMs: 50,
      controlPort: false,
      seed: 9,
      vms: [2, 4],
      vmShutdownSeconds: 3,
      defaults: {
        cards: [{ model: 'ConnectX-7', ports: 2 }],
        nmlx5CoreOptions: 'max_vfs=4,4',
        mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 16 },
      },
    };
    const a = await startFleet(opts);
    const b = await startFleet(opts);
    try {
      const names = a.inventory.hosts.map((h) => h.name);
      const all = names.map((n) => summary(a, n));
      assert.deepEqual(
        all,
        names.map((n) => summary(b, n)),
      );
      const counts = all.map((vms) => vms.length);
      assert.ok(
        counts.every((c) => c >= 2 && c <= 4),
        String(counts),
      );
      const kinds = new Set(all.flat().map((vm) => vm[3]));
      assert.ok(kinds.has('passthrough') && kinds.has('sriov') && kinds.has(''), [...kinds].join(','));
      assert.ok(a.esxi('esx-01').state.vms.every((vm) => vm.shutdownSeconds === 3));
      // Running VMs of the mix really run: their devices are there.
      const host = a.esxi('esx-02');
      const running = host.state.vms.filter((vm) => vm.power === 'on').map((vm) => vm.name);
      const listed = (await sshRun(a, 'esx-02', 'esxcli vm process list')).stdout;
      assert.deepEqual(
        [...listed.matchAll(/^(\S+)$/gm)].map((m) => m[1]),
        running,
      );
    } finally {
      await a.stop();
      await b.stop();
    }
    assert.deepEqual(parseVmMix('hung=0,no-tools=0.5').noTools, 0.5);
    assert.throws(() => parseVmMix('bogus=1'), /unknown key "bogus"/);
    assert.throws(() => parseVmMix('off=2'), /off needs a probability/);
  });

  it('the control endpoint reads and changes VMs; guest-shutdown-hangs; VM state persists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ibfleet-vms-'));
    const opts = { hosts: 2, bootTimeMs: 50, shutdownDelayMs: 20, stateDir: dir, seed: 2 };
    const first = await startFleet({ ...opts, defaults: { vms: [{ name: 'web', shutdownSeconds: 0.1 }] } });
    try {
      const url = `${first.controlUrl}/hosts/esx-01/vms`;
      const vms = (await (await fetch(url)).json()) as { name: string; power: string }[];
      assert.deepEqual(
        vms.map((v) => [v.name, v.power]),
        [['web', 'on']],
      );
      let res = await fetch(url, {
        method: 'PUT',
        body: JSON.stringify([
          { name: 'db', tools: 'hung' },
          { name: 'cache', power: 'off', autostart: true },
        ]),
      });
      assert.equal(res.status, 200);
      assert.match(
        (await sshRun(first, 'esx-01', 'vim-cmd vmsvc/getallvms')).stdout,
        /\n1 +db +\[datastore1\] db\/db\.vmx[^\n]*\n2 +cache +/,
      );
      res = await fetch(`${url}/db`, {
        method: 'PATCH',
        body: JSON.stringify({ tools: 'ok', shutdownSeconds: 0 }),
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { tools: string }).tools, 'ok');
      assert.equal((await fetch(`${url}/nope`, { method: 'PATCH', body: '{}' })).status, 404);
      assert.equal((await fetch(url, { method: 'PUT', body: '[{"name":"has space"}]' })).status, 400);
      assert.equal((await fetch(`${url}/db`, { method: 'PATCH', body: '{"tools":"maybe"}' })).status, 400);

      // The fault: guest shutdowns never finish, so the entry times out.
      first.setFaults('esx-02', parseFaultSpec('esx-02:guest-shutdown-hangs')[0].faults);
      await sshRun(first, 'esx-02', 'vim-cmd vmsvc/power.shutdown 1');
      const r = await sshRun(first, 'esx-02', 'esxcli system maintenanceMode set -e true -t 1');
      assert.equal(r.stderr, 'Operation timed out.\n');

      // A pending entry and the VMs go to the state directory with the rest of the host.
      await sshRun(first, 'esx-01', 'vim-cmd vmsvc/power.on 2');
    } finally {
      await first.stop();
    }
    const second = await startFleet(opts);
    try {
      assert.deepEqual(summary(second, 'esx-01'), [
        ['db', 'on', 'ok', ''],
        ['cache', 'on', 'ok', ''],
      ]);
      assert.deepEqual(second.faults('esx-02'), { guestShutdownHangs: true });
      assert.equal(
        (await sshRun(second, 'esx-02', 'vim-cmd vmsvc/power.getstate 1')).stdout,
        'Retrieved runtime info\nPowered on\n',
      );
    } finally {
      await second.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
