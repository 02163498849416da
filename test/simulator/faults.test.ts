import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultsFor, formatFaults, parseFaultSpec, parseFaultsJson } from '../../simulator/faults';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { execOn, knownHostsFile, opensshRun, sshConnect, sshRun, tcpProbe } from './ssh-helpers';

// Each fault, set at start (spec / file) or at run time (API and HTTP control endpoint).

describe('simulator fault spec', () => {
  it('parses rules, globs and values', () => {
    const rules = parseFaultSpec(
      'esx-03:never-return;esx-05:slow-boot=30000,hang=mlxconfig%2C -y;*:drop=0.1;esx-0*:auth-fail',
    );
    assert.deepEqual(faultsFor('esx-03', rules), { neverReturn: true, drop: 0.1, authFail: true });
    assert.deepEqual(faultsFor('esx-05', rules), {
      slowBootMs: 30000,
      hang: ['mlxconfig, -y'],
      drop: 0.1,
      authFail: true,
    });
    assert.deepEqual(faultsFor('esx-10', rules), { drop: 0.1 });
    assert.equal(
      formatFaults(faultsFor('esx-05', rules)),
      'slow-boot=30000,hang=mlxconfig%2C%20-y,drop=0.1,auth-fail',
    );
    assert.throws(() => parseFaultSpec('esx-01:bogus'), /unknown fault "bogus"/);
    assert.throws(() => parseFaultSpec('esx-01:drop=2'), /probability/);
    assert.throws(() => parseFaultSpec('never-return'), /HOSTS:FAULT/);
    const fromJson = parseFaultsJson({
      'esx-01': { mlxconfigFail: true },
      '*': 'cards-missing,host-key-rotated',
    });
    assert.deepEqual(faultsFor('esx-01', fromJson), {
      mlxconfigFail: true,
      cardsMissingAfterBoot: true,
      hostKeyRotated: true,
    });
    assert.throws(() => parseFaultsJson({ 'esx-01': { nope: true } }));
  });
});

describe('simulator faults', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let knownHosts: string;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ibfleet-faults-'));
    const faultsFile = join(dir, 'faults.json');
    await writeFile(faultsFile, JSON.stringify({ 'esx-06': { mlxconfigFail: true } }));
    fleet = await startFleet({
      hosts: 8,
      bootTimeMs: 100,
      shutdownDelayMs: 20,
      seed: 11,
      faults:
        'esx-01:never-return;esx-02:slow-boot=400;esx-03:hang=sleepy;esx-04:auth-fail;esx-05:host-key-rotated',
      faultsFile,
      defaults: { maintenanceMode: true },
    });
    knownHosts = await knownHostsFile(fleet);
  });
  after(() => fleet?.stop());

  it('never-return: the host goes down and stays down until the fault is cleared', async () => {
    const host = fleet.host('esx-01');
    await sshRun(fleet, 'esx-01', 'esxcli system shutdown reboot -r test');
    await host.waitFor('down', { timeoutMs: 10_000 });
    assert.equal(host.bootScheduled, false);
    assert.equal(await tcpProbe(host.port), 'ECONNREFUSED');
    fleet.setFaults('esx-01', {});
    await host.waitFor('up', { timeoutMs: 10_000 });
    assert.equal(host.bootCount, 2);
  });

  it('slow-boot: the host refuses connections for at least the given time', async () => {
    const host = fleet.host('esx-02');
    await sshRun(fleet, 'esx-02', 'reboot');
    await host.waitFor('down', { timeoutMs: 10_000 });
    await host.waitFor('up', { minBootCount: 2, timeoutMs: 10_000 });
    const last = fleet.timings('esx-02').boots.at(-1);
    // A lower bound set by the fault (timers may fire a millisecond early).
    assert.ok((last?.downMs ?? 0) >= 395, JSON.stringify(last));
  });

  it('hang: a matching command never answers; others do; closing the client ends it', async () => {
    const host = fleet.host('esx-03');
    const client = await sshConnect({ port: host.port, privateKeyPath: fleet.clientKeyPath });
    let finished = false;
    const received = new Promise<void>((resolve) => {
      const onCommand = (line: string) => {
        if (line !== 'hostname # sleepy') return;
        host.off('command', onCommand);
        resolve();
      };
      host.on('command', onCommand);
    });
    const hung = execOn(client, 'hostname # sleepy', { timeoutMs: 30_000 }).then(
      () => (finished = true),
      () => (finished = true),
    );
    // The hanging line reached the host (it is logged), yet has no answer while others complete.
    await received;
    const log = await sshRun(fleet, 'esx-03', 'grep -c "hostname # sl[e]epy" /var/log/shell.log');
    assert.equal(log.stdout, '1\n');
    assert.equal((await sshRun(fleet, 'esx-03', 'hostname')).stdout, 'esx-03\n');
    assert.equal(finished, false);
    client.end();
    await hung;
  });

  it('auth-fail: every authentication is rejected', async () => {
    await assert.rejects(
      sshConnect({ port: fleet.host('esx-04').port, privateKeyPath: fleet.clientKeyPath }),
      /authentication methods failed/,
    );
    await assert.rejects(
      sshConnect({ port: fleet.host('esx-04').port, password: fleet.password }),
      /authentication methods failed/,
    );
    const r = await opensshRun(fleet, 'esx-04', 'true', knownHosts);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied/);
  });

  it('host-key-rotated: clients pinning the inventory key refuse the host', async () => {
    const host = fleet.host('esx-05');
    await assert.rejects(
      sshConnect({ port: host.port, privateKeyPath: fleet.clientKeyPath, hostKey: host.fingerprint }),
      /verification failed/,
    );
    const r = await opensshRun(fleet, 'esx-05', 'true', knownHosts);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    fleet.setFaults('esx-05', {});
    assert.equal((await opensshRun(fleet, 'esx-05', 'hostname', knownHosts)).stdout, 'esx-05\n');
  });

  it('mlxconfig-fail (from the faults file)', async () => {
    const r = await sshRun(fleet, 'esx-06', 'mlxconfig -d mt4129_pciconf0 -e q');
    assert.deepEqual([r.code, r.stdout], [1, '-E- Failed to open the device\n']);
    assert.equal((await sshRun(fleet, 'esx-06', 'flint -d mt4129_pciconf0 q')).code, 0);
  });

  it('drop: connections drop mid-command, reproducibly for a seed', async () => {
    fleet.setFaults('esx-07', { drop: 1 });
    const client = await sshConnect({ port: fleet.host('esx-07').port, privateKeyPath: fleet.clientKeyPath });
    const closed = once(client, 'close');
    const r = await execOn(client, 'esxcli system version get').catch((err: Error) => ({
      stdout: '',
      stderr: err.message,
      code: null,
    }));
    assert.equal(r.code, null);
    assert.equal(r.stdout, '');
    await closed;

    const outcomes = async (f: Fleet) => {
      f.setFaults('esx-01', { drop: 0.5 });
      const seen: string[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await sshRun(f, 'esx-01', 'hostname').catch(() => ({ code: null }));
        seen.push(res.code === 0 ? 'ok' : 'drop');
      }
      return seen.join(',');
    };
    const a = await startFleet({ hosts: 1, seed: 99 });
    const b = await startFleet({ hosts: 1, seed: 99 });
    try {
      const [sa, sb] = [await outcomes(a), await outcomes(b)];
      assert.equal(sa, sb);
      assert.match(sa, /ok/);
      assert.match(sa, /drop/);
    } finally {
      await a.stop();
      await b.stop();
    }
    fleet.setFaults('esx-07', {});
  });

  it('cards-hidden, module-unloaded and cards-missing through the control endpoint', async () => {
    const put = (name: string, body: string) =>
      fetch(`${fleet.controlUrl}/hosts/${name}/faults`, { method: 'PUT', body });
    const mst = async () => (await sshRun(fleet, 'esx-08', 'mst status')).stdout;

    let res = await put('esx-08', 'cards-hidden');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { cardsHidden: true });
    assert.equal(await mst(), 'MST devices:\n------------\n');
    await put('esx-08', '{}');
    assert.equal(await mst(), 'MST devices:\n------------\n', 'hidden until a recovery boot');
    await sshRun(fleet, 'esx-08', 'esxcli system module parameters set -m nmlx5_core -p mst_recovery=1');
    const host = fleet.host('esx-08');
    res = await fetch(`${fleet.controlUrl}/hosts/esx-08/reboot`, { method: 'POST' });
    assert.equal(res.status, 202);
    await host.waitFor('up', { minBootCount: 2, timeoutMs: 10_000 });
    assert.equal(await mst(), 'MST devices:\n------------\nmt4129_pciconf0\n');

    await put('esx-08', JSON.stringify({ moduleUnloaded: true }));
    assert.equal(await mst(), 'MST devices:\n------------\n');
    const reload = await sshRun(
      fleet,
      'esx-08',
      'vmkload_mod -u nmlx5_rdma; vmkload_mod -u nmlx5_core; vmkload_mod nmlx5_core mst_recovery=1',
    );
    assert.equal(reload.code, 0, reload.stderr);
    const devmgr = (await sshRun(fleet, 'esx-08', 'ps -c | grep devmgr')).stdout.trim().split(/\s+/)[0];
    const fix = await sshRun(fleet, 'esx-08', `kill -HUP ${devmgr}`);
    assert.equal(fix.code, 0, fix.stderr);
    assert.equal(await mst(), 'MST devices:\n------------\nmt4129_pciconf0\n');

    await put('esx-08', 'cards-missing');
    await sshRun(fleet, 'esx-08', 'reboot');
    await host.waitFor('up', { minBootCount: 3, timeoutMs: 10_000 });
    assert.doesNotMatch((await sshRun(fleet, 'esx-08', 'lspci')).stdout, /Mellanox/);
    await put('esx-08', '');
    await sshRun(fleet, 'esx-08', 'reboot');
    await host.waitFor('up', { minBootCount: 4, timeoutMs: 10_000 });
    assert.match((await sshRun(fleet, 'esx-08', 'lspci')).stdout, /Mellanox/);

    const list = (await (await fetch(`${fleet.controlUrl}/hosts`)).json()) as {
      name: string;
      faults: string;
      power: string;
    }[];
    assert.equal(list.length, 8);
    assert.deepEqual(
      list.find((h) => h.name === 'esx-03'),
      {
        name: 'esx-03',
        kind: 'esxi',
        port: fleet.host('esx-03').port,
        power: 'up',
        bootCount: 1,
        faults: 'hang=sleepy',
      },
    );
    assert.equal((await put('esx-08', 'bogus')).status, 400);
    assert.equal((await fetch(`${fleet.controlUrl}/hosts/nope/faults`)).status, 404);
    const timings = (await (await fetch(`${fleet.controlUrl}/timings`)).json()) as Record<
      string,
      { bootTimeMs: number }
    >;
    assert.equal(timings['esx-01'].bootTimeMs, 100);
  });
});
