import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { HostRef } from '../../common/targets';
import type { ProcedureReport } from '../../common/reports';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { hostProgressQuery } from '../../workflows/messages';
import { sshRead, spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  bootsSince,
  changingCommands,
  commandsSince,
  expectSuccess,
  markHost,
  mlxValues,
  mstDevices,
  rebootCommands,
  startProcedure,
  storedOptions,
  vfsPerPort,
  type HostMark,
  fleetHost,
} from './host-audit';

// SIGKILL of a worker *process* at each phase of a procedure, then a new worker process: the procedure
// completes with exactly the reboots it needs. Every kill moment is an observed event of the simulated
// host (a command arriving, the host going down), held there by a fault (a command that hangs, a host
// that does not come back) until the kill; nothing waits a fixed time for a phase.
//
// Per procedure, four hosts are held at four phases at once and one kill interrupts them all.

const ORIGINAL = 'pfctx=0x08 pfcrx=0x08 trust_state=2';
const CX6 = 'mt4123_pciconf0';
const MLX = '/opt/mellanox/bin/mlxconfig';
const WAIT_MS = 30_000;

describe('procedures: worker process killed mid-procedure', () => {
  let fleet: Fleet;
  const workers: WorkerProcess[] = [];
  const taskQueue = uniqueTaskQueue('worker-kill');

  const host = (name: string): HostRef => fleetHost(fleet, name);

  /** Resolves on the host's next command line matching `match`; `now` runs inside the event, before the command does. */
  const onCommand = (name: string, match: (line: string) => boolean, now?: () => void): Promise<string> =>
    new Promise((resolve, reject) => {
      const sim = fleet.host(name);
      const timer = setTimeout(() => {
        sim.off('command', listener);
        reject(new Error(`${name}: no matching command within ${WAIT_MS} ms`));
      }, WAIT_MS);
      function listener(line: string) {
        if (!match(line)) return;
        clearTimeout(timer);
        sim.off('command', listener);
        now?.();
        resolve(line);
      }
      sim.on('command', listener);
    });

  /** Resolves when the host is next up again (a boot finished); `now` runs inside the event. */
  const onUp = (name: string, now: () => void): Promise<void> =>
    new Promise((resolve, reject) => {
      const sim = fleet.host(name);
      const timer = setTimeout(() => reject(new Error(`${name}: not up within ${WAIT_MS} ms`)), WAIT_MS);
      sim.once('up', () => {
        clearTimeout(timer);
        now();
        resolve();
      });
    });

  /** The workflow reports `step` as its current step (bounded polling of the progress query). */
  const inStep = async (handle: WorkflowHandle, step: string): Promise<void> => {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      if ((await handle.query(hostProgressQuery)).step === step) return;
      if (Date.now() > until) throw new Error(`${handle.workflowId} never reached ${step}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Exactly one worker process polls at a time: the one running now, or a new one (started once per kill). */
  let running: WorkerProcess | undefined;
  const newWorker = async (): Promise<WorkerProcess> => {
    assert.ok(
      !running || running.child.exitCode !== null || running.child.signalCode !== null,
      'the previous worker is dead',
    );
    const w = await spawnWorker(taskQueue);
    workers.push(w);
    await w.ready;
    running = w;
    return w;
  };
  const currentWorker = async (): Promise<WorkerProcess> =>
    running && running.child.exitCode === null && running.child.signalCode === null
      ? running
      : await newWorker();

  before(async () => {
    fleet = await startFleet({
      hosts: 8,
      namePrefix: 'wk-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
      hostOverrides: {
        'wk-01': { hiddenCards: true },
        'wk-02': { hiddenCards: true, faults: { neverReturn: true } },
        'wk-03': { hiddenCards: true },
        'wk-04': { hiddenCards: true },
        'wk-05': { cards: ['ConnectX-6'] },
        'wk-06': { cards: ['ConnectX-6'] },
        'wk-07': { cards: ['ConnectX-6'], faults: { neverReturn: true } },
        'wk-08': { cards: ['ConnectX-6'] },
      },
    });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await fleet?.stop();
  });

  it('recovery-cycle: killed in maintenance-on, right after the reboot, while the host is down, while verifying', async () => {
    const { client } = await testEnv();
    const [inMaintenance, awaiting, verifying, rebooting] = ['wk-01', 'wk-02', 'wk-03', 'wk-04'].map(host);
    const marks = new Map<string, HostMark>();
    for (const h of [inMaintenance, awaiting, verifying, rebooting]) marks.set(h.name, await markHost(h));
    const first = await currentWorker(); // the survivor of an earlier kill, if any

    // wk-01: `maintenanceMode set -e true -t 600` runs; its read-back hangs: killed after the change, before the step completed.
    const heldInMaintenance = onCommand(
      inMaintenance.name,
      (c) => c === 'esxcli system maintenanceMode set -e true -t 600',
      () => fleet.setFaults(inMaintenance.name, { hang: ['esxcli system maintenanceMode get'] }),
    ).then(() => onCommand(inMaintenance.name, (c) => c === 'esxcli system maintenanceMode get'));
    // wk-03: back from reboot 1, `mst status` (verify-cards-recovery) hangs.
    const heldVerifying = onUp(verifying.name, () =>
      fleet.setFaults(verifying.name, { hang: ['/opt/mellanox/bin/mst status'] }),
    ).then(() => onCommand(verifying.name, (c) => c === '/opt/mellanox/bin/mst status'));
    const handles = new Map<string, WorkflowHandle>();
    for (const h of [inMaintenance, awaiting, verifying])
      handles.set(h.name, await startProcedure(client, taskQueue, 'recovery-cycle', h));
    await heldInMaintenance;
    await heldVerifying;
    // wk-02 never comes back until told: held in await-return-1.
    await fleet.host(awaiting.name).waitFor('down', { timeoutMs: WAIT_MS });
    await inStep(handles.get(awaiting.name) as WorkflowHandle, 'await-return-1');

    // wk-04: SIGKILL the moment its reboot command arrives (the command still runs).
    const killed = onCommand(
      rebooting.name,
      (c) => c.startsWith('esxcli system shutdown reboot'),
      () => first.child.kill('SIGKILL'),
    );
    handles.set(rebooting.name, await startProcedure(client, taskQueue, 'recovery-cycle', rebooting));
    await killed;
    await first.kill();
    await fleet.host(rebooting.name).waitFor('down', { timeoutMs: WAIT_MS });

    for (const h of [inMaintenance, awaiting, verifying]) fleet.setFaults(h.name, {});
    await newWorker();

    const reports = new Map<string, ProcedureReport>();
    for (const [name, handle] of handles) reports.set(name, await expectSuccess(handle));
    for (const h of [inMaintenance, awaiting, verifying, rebooting]) {
      const mark = marks.get(h.name) as HostMark;
      const commands = await commandsSince(mark);
      assert.equal(rebootCommands(commands).length, 2, `${h.name}: two reboot commands`);
      assert.equal(await bootsSince(mark), 2, `${h.name}: two boots`);
      assert.equal(reports.get(h.name)?.reboots, 2);
      const sets = changingCommands(commands).filter((c) =>
        c.startsWith('esxcli system module parameters set'),
      );
      assert.deepEqual(sets, [
        `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL} mst_recovery=1"`,
        `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL}"`,
      ]);
      assert.equal(
        commands.filter((c) => c === 'esxcli system maintenanceMode set -e true -t 600').length,
        1,
        `${h.name}: maintenance entered once`,
      );
      assert.equal(await storedOptions(h), ORIGINAL);
      assert.deepEqual(await mstDevices(h), ['mt4129_pciconf0']);
      assert.match(
        await sshRead(h, 'esxcli system maintenanceMode get'),
        /Disabled/,
        `${h.name}: left maintenance mode`,
      );
    }
    // The retries found what the dead worker had done: maintenance mode entered, the reboot issued.
    const step = (host: string, name: string) =>
      reports.get(host)?.steps.find((s) => s.name === name)?.detail ?? '';
    assert.equal(step(inMaintenance.name, 'maintenance-on'), 'already in maintenance mode');
    assert.match(step(rebooting.name, 'reboot-1'), /already rebooted by an earlier attempt/);
  });

  it('sriov-enable: killed setting mlxconfig, right after the reboot, while the host is down, while verifying', async () => {
    const { client } = await testEnv();
    const [setting, rebooting, awaiting, verifying] = ['wk-05', 'wk-06', 'wk-07', 'wk-08'].map(host);
    const marks = new Map<string, HostMark>();
    for (const h of [setting, rebooting, awaiting, verifying]) marks.set(h.name, await markHost(h));
    const first = await currentWorker(); // the survivor of an earlier kill, if any
    const params = { numVfs: 16, maxVfs: 4 };

    // wk-05: the SRIOV_EN set runs; its read-back query hangs.
    const heldSetting = onCommand(
      setting.name,
      (c) => c.includes('-y set SRIOV_EN=1'),
      () => fleet.setFaults(setting.name, { hang: [`${MLX} -d ${CX6} -e query`] }),
    ).then(() => onCommand(setting.name, (c) => c.includes(' -e query')));
    // wk-08: back from its reboot, the mlxconfig query of verify-firmware hangs.
    const heldVerifying = onUp(verifying.name, () =>
      fleet.setFaults(verifying.name, { hang: [`${MLX} -d ${CX6} -e query`] }),
    ).then(() => onCommand(verifying.name, (c) => c.includes(' -e query')));
    const handles = new Map<string, WorkflowHandle>();
    for (const h of [setting, awaiting, verifying])
      handles.set(h.name, await startProcedure(client, taskQueue, 'sriov-enable', h, { params }));
    await heldSetting;
    await heldVerifying;
    await fleet.host(awaiting.name).waitFor('down', { timeoutMs: WAIT_MS });
    await inStep(handles.get(awaiting.name) as WorkflowHandle, 'await-return-1');

    const killed = onCommand(
      rebooting.name,
      (c) => c.startsWith('esxcli system shutdown reboot'),
      () => first.child.kill('SIGKILL'),
    );
    handles.set(
      rebooting.name,
      await startProcedure(client, taskQueue, 'sriov-enable', rebooting, { params }),
    );
    await killed;
    await first.kill();
    await fleet.host(rebooting.name).waitFor('down', { timeoutMs: WAIT_MS });

    for (const h of [setting, awaiting, verifying]) fleet.setFaults(h.name, {});
    await newWorker();

    const reports = new Map<string, ProcedureReport>();
    for (const [name, handle] of handles) reports.set(name, await expectSuccess(handle));
    for (const h of [setting, rebooting, awaiting, verifying]) {
      const mark = marks.get(h.name) as HostMark;
      const commands = await commandsSince(mark);
      assert.deepEqual(
        changingCommands(commands),
        [
          'esxcli system maintenanceMode set -e true -t 600',
          `${MLX} -d ${CX6} -y set ADVANCED_PCI_SETTINGS=1`,
          `${MLX} -d ${CX6} -y set FORCE_ETH_PCI_SUBCLASS=1`,
          `${MLX} -d ${CX6} -y set SRIOV_EN=1 NUM_OF_VFS=16`,
          `esxcli system module parameters set -m nmlx5_core -p "${ORIGINAL} max_vfs=4,4"`,
          'esxcli system shutdown reboot -r "ibfleet sriov-enable"',
          'esxcli system maintenanceMode set -e false',
        ],
        `${h.name}: each change exactly once`,
      );
      assert.equal(await bootsSince(mark), 1, `${h.name}: one boot`);
      assert.equal(reports.get(h.name)?.reboots, 1);
      const values = await mlxValues(h, CX6);
      assert.equal(values.SRIOV_EN.current, '1');
      assert.equal(values.NUM_OF_VFS.current, '16');
      assert.deepEqual(await vfsPerPort(h), { vmnic2: 4, vmnic3: 4 });
      assert.equal(await storedOptions(h), `${ORIGINAL} max_vfs=4,4`);
    }
    const step = (host: string, name: string) =>
      reports.get(host)?.steps.find((s) => s.name === name)?.detail ?? '';
    assert.equal(step(setting.name, `mlxconfig-${CX6}-sriov`), 'already SRIOV_EN, NUM_OF_VFS');
    assert.match(step(rebooting.name, 'reboot-1'), /already rebooted by an earlier attempt/);
  });
});
