import assert from 'node:assert/strict';
import { parseVmksummaryBoots } from '../../activities/esxi/parsers';
import type { GovcRunner } from '../../activities/vcenter/govc-run';
import type { HostRef } from '../../common/targets';
import { spawnWorker, sshRead, type WorkerProcess } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { expectSuccess, fleetHost, startProcedure } from '../procedures/host-audit';
import { execOn, sshConnect, userOf } from '../simulator/ssh-helpers';
import { vmOptions } from '../workloads/vm-audit';
import { startVcenterFleet, type VcenterFleet } from './vcenter-fleet';
import { govcFor, hostTasks, until, type HostTask } from './vcenter-tasks';

// Issue #14: a worker killed during a maintenance entry through vCenter. A real EnterMaintenanceMode_Task
// stays running while DRS evacuates the host (each vMotion copies a guest's memory); here the plain VM's
// vMotion takes `vmotionSeconds` (an hour: it lands when the test lowers it), so the entry is held open
// for as long as the test needs, in vCenter (task running) and on the host (the same pending entry an
// esxcli over SSH joins). The worker is SIGKILLed while the task runs; a new worker retries the step.
// Whatever happens, the host enters maintenance mode once, reboots exactly twice, leaves maintenance mode
// and ends with SSH stopped as it was found.

const HELD_SECONDS = 3_600;

describe('vCenter: a maintenance entry held open by DRS, and a worker killed while it runs', function () {
  this.timeout(300_000);
  let vf: VcenterFleet;
  let govc: GovcRunner;
  const processes: WorkerProcess[] = [];
  const taskQueue = uniqueTaskQueue('vcenter-kill-mm');

  before(async () => {
    vf = await startVcenterFleet({
      hosts: 4,
      clusters: 1,
      namePrefix: 'vck-',
      bootTimeMs: 200,
      shutdownDelayMs: 50,
      seed: 141,
      defaults: { cards: [{ model: 'ConnectX-7', ports: 2 }] },
      hostOverrides: {
        'vck-01': {
          vms: [
            { name: 'vck-01-big', vmotionSeconds: HELD_SECONDS },
            { name: 'vck-01-gpu', devices: ['passthrough'], shutdownSeconds: 0.2, autostart: false },
          ],
        },
        'vck-02': {
          vms: [
            { name: 'vck-02-big', vmotionSeconds: HELD_SECONDS },
            { name: 'vck-02-gpu', devices: ['passthrough'], shutdownSeconds: 0.2, autostart: false },
          ],
        },
        'vck-03': { vms: [{ name: 'vck-03-big', vmotionSeconds: HELD_SECONDS }] },
      },
    });
    govc = await govcFor(vf);
  });
  after(async () => {
    for (const p of processes) await p.kill();
    await vf?.stop();
  });

  const host = (name: string): HostRef => ({ ...fleetHost(vf.fleet, name), vcenter: vf.ref });
  const esxi = (name: string) => vf.fleet.esxi(name);
  const vmOf = (name: string, vm: string) => esxi(name).state.vms.find((v) => v.name === vm);
  const enterTasks = (name: string) => hostTasks(vf, govc, name, 'enterMaintenanceMode');

  /** The vMotion lands: its time lowered through the control endpoint, as an operator changes a VM. */
  async function landVmotion(name: string, vm: string): Promise<void> {
    const res = await fetch(`${vf.fleet.controlUrl}/hosts/${name}/vms/${vm}`, {
      method: 'PATCH',
      body: JSON.stringify({ vmotionSeconds: 0 }),
    });
    assert.equal(res.status, 200, await res.text());
  }

  /** Where each VM of `names` runs, from the fleet (the one source of truth). */
  function placement(names: string[]): Record<string, string> {
    const found: Record<string, string> = {};
    for (const h of vf.fleet.names())
      for (const vm of vf.fleet.esxi(h).state.vms)
        if (names.includes(vm.name)) found[vm.name] = `${h} ${vm.power}`;
    return found;
  }

  /** Counts the host's entries into and exits from maintenance mode (read in-process, every 20 ms). */
  function watchMaintenance(name: string): { entries: number; exits: number; stop(): void } {
    const seen = { entries: 0, exits: 0, stop: () => clearInterval(timer) };
    let inMm = esxi(name).state.maintenanceMode;
    const timer = setInterval(() => {
      esxi(name).settle();
      const now = esxi(name).state.maintenanceMode;
      if (now && !inMm) seen.entries++;
      if (!now && inMm) seen.exits++;
      inMm = now;
    }, 20);
    return seen;
  }

  /**
   * No SSH login to the host gets through. (Not "the port refuses": on this shared machine another
   * process may briefly listen on the freed port number; it cannot present the host's key.)
   */
  async function assertNoSshLogin(name: string): Promise<void> {
    const h = vf.fleet.host(name);
    const login = sshConnect({
      port: h.port,
      username: userOf(vf.fleet, name),
      privateKeyPath: vf.fleet.clientKeyPath,
      hostKey: h.fingerprint,
      timeoutMs: 10_000,
    });
    await assert.rejects(
      login.then((c) => c.end()),
      Error,
      `${name}: an SSH login got through`,
    );
  }

  async function disableSsh(name: string): Promise<void> {
    await vf.govc.setSshPolicy(name, 'off');
    await vf.govc.setSshRunning(name, false);
    await assertNoSshLogin(name);
  }

  async function assertSshDisabled(name: string): Promise<void> {
    const ssh = await vf.govc.sshService(name);
    assert.deepEqual({ running: ssh.running, policy: ssh.policy }, { running: false, policy: 'off' });
    await assertNoSshLogin(name);
  }

  /** vmksummary's boots, read over SSH opened through vCenter for the read only. */
  async function vmksummaryBoots(name: string): Promise<{ boots: number; lastBootMs: number }> {
    await vf.govc.setSshRunning(name, true);
    try {
      const summary = parseVmksummaryBoots(await sshRead(host(name), 'cat /var/log/vmksummary.log'));
      return { boots: summary.bootCount, lastBootMs: summary.lastBootEpochMs ?? NaN };
    } finally {
      await vf.govc.setSshRunning(name, false);
    }
  }

  /** The host is entering maintenance mode (one pending entry) while DRS moves `vm`, as vCenter and the host show. */
  async function heldEntry(name: string, vm: string, tasks: number): Promise<HostTask[]> {
    await until(`${name}: entering maintenance mode while ${vm} is being moved`, () =>
      esxi(name).state.maintenanceRequest && vmOf(name, vm)?.migration ? true : undefined,
    );
    return await until(
      `${name}: ${tasks} running EnterMaintenanceMode_Task(s) in vCenter`,
      async () => {
        const found = await enterTasks(name);
        return found.length === tasks && found.every((t) => t.state === 'running') ? found : undefined;
      },
      { timeoutMs: 240_000 },
    );
  }

  it('holds the entry while DRS moves a VM: vCenter shows the task running, esxcli over SSH waits on the same entry', async () => {
    const name = 'vck-03';
    const entering = vf.govc.enterMaintenance(name, { timeoutSeconds: 0 });
    const [task] = await heldEntry(name, 'vck-03-big', 1);
    assert.equal(task.progress ?? 0, 0, 'no vMotion done yet');
    const pending = esxi(name).state.maintenanceRequest;
    assert.equal((await vf.govc.host(name)).inMaintenanceMode, false);
    assert.equal((await sshRead(host(name), 'esxcli system maintenanceMode get')).trim(), 'Disabled');

    // The same entry over SSH: the command waits as the vCenter task does, and joins the pending entry.
    const client = await sshConnect({
      port: vf.fleet.host(name).port,
      username: userOf(vf.fleet, name),
      privateKeyPath: vf.fleet.clientKeyPath,
      hostKey: vf.fleet.host(name).fingerprint,
    });
    try {
      const received = new Promise<void>((resolve) => {
        const listener = (line: string) => {
          if (line !== 'esxcli system maintenanceMode set -e true') return;
          vf.fleet.host(name).off('command', listener);
          resolve();
        };
        vf.fleet.host(name).on('command', listener);
      });
      let sshDone = false;
      const overSsh = execOn(client, 'esxcli system maintenanceMode set -e true', {
        timeoutMs: 120_000,
      }).finally(() => (sshDone = true));
      await received;
      assert.deepEqual(
        (await enterTasks(name)).map((t) => t.state),
        ['running'],
        'the vCenter task still runs',
      );
      assert.equal(sshDone, false, 'esxcli waits while the VM is being moved');
      assert.equal(esxi(name).state.maintenanceRequest, pending, 'one pending entry, joined');

      await landVmotion(name, 'vck-03-big');
      assert.deepEqual(await overSsh, { stdout: '', stderr: '', code: 0 });
      await entering;
    } finally {
      client.end();
    }
    const [done] = await enterTasks(name);
    assert.deepEqual({ state: done.state, progress: done.progress }, { state: 'success', progress: 100 });
    assert.equal((await vf.govc.host(name)).inMaintenanceMode, true);
    assert.equal((await sshRead(host(name), 'esxcli system maintenanceMode get')).trim(), 'Enabled');
    assert.match(placement(['vck-03-big'])['vck-03-big'] ?? '', /^vck-0[124] on$/);
    await vf.govc.exitMaintenance(name);
    assert.equal((await sshRead(host(name), 'esxcli system maintenanceMode get')).trim(), 'Disabled');
  });

  /**
   * A recovery cycle through vCenter with SSH disabled, its worker SIGKILLed while EnterMaintenanceMode_Task
   * runs. `landBeforeRetry`: the vMotion lands (and the first task succeeds) before a new worker retries
   * the step, else the retry finds the host still entering.
   */
  async function killDuringEntry(name: string, landBeforeRetry: boolean): Promise<void> {
    const big = `${name}-big`;
    const gpu = `${name}-gpu`;
    const boots = await vmksummaryBoots(name);
    const vcBefore = await vf.govc.hostState(name);
    await disableSsh(name);
    const mm = watchMaintenance(name);
    const first = await spawnWorker(taskQueue);
    processes.push(first);
    await first.ready;
    const { client } = await testEnv();
    const handle = await startProcedure(client, taskQueue, 'recovery-cycle', host(name), {
      options: vmOptions({ policy: 'shutdown', maintenanceTimeoutMs: 600_000 }),
      tag: landBeforeRetry ? 'landed' : 'held',
    });
    const [held] = await heldEntry(name, big, 1);
    await first.kill('SIGKILL');
    if (landBeforeRetry) {
      await landVmotion(name, big);
      await until(`${name}: the first task succeeded`, async () =>
        (await enterTasks(name))[0]?.state === 'success' ? true : undefined,
      );
    }
    const second = await spawnWorker(taskQueue);
    processes.push(second);
    await second.ready;
    if (!landBeforeRetry) {
      // The retried step finds the host still entering and asks again: a second task joins the same entry.
      const pending = esxi(name).state.maintenanceRequest;
      const both = await heldEntry(name, big, 2);
      assert.equal(both[0].id, held.id);
      assert.equal(esxi(name).state.maintenanceRequest, pending, 'one pending entry, joined by the retry');
      assert.equal((await vf.govc.host(name)).inMaintenanceMode, false);
      assert.equal((await sshRead(host(name), 'esxcli system maintenanceMode get')).trim(), 'Disabled');
      await landVmotion(name, big);
    }
    const report = await expectSuccess(handle);
    mm.stop();

    // One entry into maintenance mode, one exit, through vCenter. The retry asked vCenter again only if
    // the host was still entering, and that second task joined the first's entry (it started before the
    // first completed, and both succeeded); a retry that finds the host entered sends no task.
    const enters = await enterTasks(name);
    assert.deepEqual(
      enters.map((t) => t.state),
      landBeforeRetry ? ['success'] : ['success', 'success'],
      JSON.stringify(enters),
    );
    if (!landBeforeRetry)
      assert.ok(
        Date.parse(enters[1].startTime ?? '') < Date.parse(enters[0].completeTime ?? ''),
        'joined, not a second entry',
      );
    assert.equal((await hostTasks(vf, govc, name, 'exitMaintenanceMode')).length, 1);
    assert.deepEqual({ entries: mm.entries, exits: mm.exits }, { entries: 1, exits: 1 });
    assert.equal(report.steps.filter((s) => s.name === 'maintenance-off').length, 1);

    // Exactly two reboots, as vCenter and vmksummary count them; none and no maintenance command over SSH.
    assert.equal(report.reboots, 2);
    assert.equal((await hostTasks(vf, govc, name, 'rebootHost')).length, 2);
    const vcAfter = await vf.govc.hostState(name);
    const after = await vmksummaryBoots(name);
    assert.equal(after.boots - boots.boots, 2, 'vmksummary counts two boots');
    assert.notEqual(vcAfter.bootTime, vcBefore.bootTime);
    const apartMs = Math.abs(Date.parse(vcAfter.bootTime ?? '') - after.lastBootMs);
    assert.ok(apartMs < 1_000, `vCenter's boot time is vmksummary's last boot (${apartMs} ms apart)`);
    assert.ok(!report.commands.some((c) => /shutdown reboot|^reboot|maintenanceMode set/.test(c.command)));

    // Out of maintenance mode, SSH stopped as found; DRS moved the plain VM, the policy's VM runs again.
    assert.equal(vcAfter.inMaintenanceMode, false);
    await assertSshDisabled(name);
    const where = placement([big, gpu]);
    assert.equal(where[gpu], `${name} on`, JSON.stringify(where));
    assert.match(where[big] ?? '', / on$/, JSON.stringify(where));
    assert.notEqual(where[big]?.split(' ')[0], name);
  }

  it('worker killed while the task runs, retried while the host is still entering: one entry, two reboots, SSH stopped again', async () => {
    await killDuringEntry('vck-01', false);
  });

  it('worker killed while the task runs, retried after the entry completed: one entry, two reboots, SSH stopped again', async () => {
    await killDuringEntry('vck-02', true);
  });
});
