import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshConnect, sshRun } from './ssh-helpers';

// Switches and guest pairs in a fleet, over SSH: the MLNX-OS CLI (exec and interactive), and a guest
// pair whose IB link follows its ESXi host's VFs and the switch's subnet manager.

describe('simulator fleet: switches and guest pairs', function () {
  this.timeout(60_000);
  let fleet: Fleet;

  before(async () => {
    fleet = await startFleet({
      hosts: 2,
      switches: 1,
      guestPairs: 1,
      bootTimeMs: 100,
      shutdownDelayMs: 20,
      defaults: { mlxconfig: { SRIOV_EN: 1, NUM_OF_VFS: 16 }, nmlx5CoreOptions: 'max_vfs=8' },
    });
  });
  after(() => fleet?.stop());

  it('lists switches and guest pairs in the inventory', () => {
    assert.deepEqual(
      fleet.inventory.switches.map((s) => [s.name, s.kind, s.username]),
      [['ibsw-01', 'switch', 'admin']],
    );
    const pair = fleet.inventory.guestPairs[0];
    assert.equal(pair.kind, 'guest-pair');
    assert.deepEqual(
      [pair.server.name, pair.server.dataAddress, pair.server.ibDevice, pair.server.username],
      ['vm-01a', '192.168.130.10', 'mlx5_0', 'ubuntu'],
    );
    assert.deepEqual([pair.client.name, pair.client.dataAddress], ['vm-01b', '192.168.130.11']);
  });

  it('runs MLNX-OS commands by exec and in an interactive CLI session', async () => {
    const r = await sshRun(fleet, 'ibsw-01', 'show version');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Product release: +3\.11\.1004/);
    const client = await sshConnect({
      port: fleet.host('ibsw-01').port,
      username: 'admin',
      privateKeyPath: fleet.clientKeyPath,
    });
    try {
      const text = await new Promise<string>((resolve, reject) => {
        client.shell((err, stream) => {
          if (err) return reject(err);
          let out = '';
          const steps = ['enable', 'show ib sm', 'exit'];
          stream.on('data', (d: Buffer) => {
            out += d.toString();
            if (/[>#] $/.test(out) && steps.length) stream.write(`${steps.shift()}\r`);
          });
          stream.on('close', () => resolve(out));
        });
      });
      assert.match(text, /ibsw-01 \[standalone: master\] > /);
      assert.match(text, /ibsw-01 \[standalone: master\] # /);
      assert.match(text, /\r\nenable\r\n/);
    } finally {
      client.end();
    }
  });

  it('brings the guest link up once the switch SM runs virtualization, then passes perftest', async () => {
    const ibstatState = async () => (await sshRun(fleet, 'vm-01b', 'ibstat | grep State:')).stdout.trim();
    assert.match(await ibstatState(), /State: Down/);
    const enable = await sshRun(
      fleet,
      'ibsw-01',
      'configure terminal ; ib sm virt enable ; no ib sm ; ib sm ; configuration write',
    );
    assert.equal(enable.code, 0, enable.stdout);
    assert.match(await ibstatState(), /State: Active/);

    const server = sshRun(fleet, 'vm-01a', 'ib_send_bw -d mlx5_0 -a -q 4 -F --report_gbits');
    const client = await sshRun(
      fleet,
      'vm-01b',
      'ib_send_bw -d mlx5_0 -a -q 4 -F --report_gbits 192.168.130.10',
    );
    assert.equal(client.code, 0, client.stderr);
    assert.match(client.stdout, /^ 8388608 +\d+ +\d+\.\d+ +\d+\.\d+/m);
    assert.equal((await server).code, 0);
  });

  it('takes the guest device away when its ESXi host loses its VFs', async () => {
    await sshRun(fleet, 'esx-01', 'esxcli system module parameters set -m nmlx5_core -p "" && reboot');
    await fleet.host('esx-01').waitFor('up', { minBootCount: 2, timeoutMs: 10_000 });
    assert.equal((await sshRun(fleet, 'vm-01a', 'ibstat')).stdout, '');
  });
});
