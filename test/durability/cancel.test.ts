import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { targetWorkflowId } from '../../common/targets';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { recoveryCycleDefaultSteps } from '../../workflows/host/recovery-cycle';
import { cancelUpdate, hostProgressQuery } from '../../workflows/messages';
import { fastHostOptions, spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout, waitForProgress } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import {
  auditRecoveryCycle,
  commandsSince,
  maintenanceSets,
  markHost,
  rebootCommands,
  setOptionsCommands,
  type HostMark,
} from './host-audit';

// Cancelling a rollout in the middle: every host ends up untouched (nothing in its shell.log since the
// start), finished (audited like any finished host), or listed in the report with the exact step it was
// left in, and its shell.log shows exactly the changes of the steps before that one.
//
// To catch a host mid-procedure for sure, one host's `esxcli software vib list` hangs (its read-state
// step keeps timing out and retrying) until the cancel was requested; it then stops at its safe point.

const ORIGINAL = 'max_vfs=4,4';
const HANGING = 'esxcli software vib list';

/** The commands that change a host, per recovery-cycle step (everything else only reads). */
function changesBefore(step: string, original: string): string[] {
  const at = recoveryCycleDefaultSteps.indexOf(step);
  const done = recoveryCycleDefaultSteps.slice(0, at < 0 ? 0 : at);
  const byStep: Record<string, string[]> = {
    'set-mst-recovery-1': [
      `esxcli system module parameters set -m nmlx5_core -p "${original} mst_recovery=1"`,
    ],
    'maintenance-on': ['esxcli system maintenanceMode set -e true -t 600'],
    'reboot-1': ['reboot'],
    'restore-options': [`esxcli system module parameters set -m nmlx5_core -p "${original}"`],
    'reboot-2': ['reboot'],
    'maintenance-off': ['esxcli system maintenanceMode set -e false'],
  };
  return done.flatMap((s) => byStep[s] ?? []);
}

describe('durability: cancelling a rollout in the middle', function () {
  this.timeout(120_000);
  let fleet: Fleet | undefined;
  let worker: WorkerProcess | undefined;

  after(async () => {
    await worker?.kill('SIGKILL');
    await fleet?.stop();
  });

  it('leaves every host untouched, finished, or reported with the exact step it stopped in', async () => {
    const { client } = await testEnv();
    const taskQueue = uniqueTaskQueue('cancel');
    const prefix = `cx${process.pid}-`;
    const stuck = `${prefix}03`;
    fleet = await startFleet({
      hosts: 8,
      namePrefix: prefix,
      bootTimeMs: [200, 400],
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
      hostOverrides: { [stuck]: { faults: { hang: [HANGING] } } },
    });
    const hosts = fleet.inventory.hosts;
    const marks: HostMark[] = [];
    for (const h of hosts) marks.push(await markHost(h));
    worker = await spawnWorker(taskQueue);
    await worker.ready;

    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 3,
      perCluster: 0,
      host: { ...fastHostOptions, timing: { ...fastHostOptions.timing, commandTimeoutMs: 4_000 } },
    });
    await waitForProgress(
      handle,
      (p) => p.counts.succeeded >= 2 && p.hosts.some((h) => h.name === stuck && h.phase === 'running'),
    );
    const step = await client.workflow
      .getHandle(targetWorkflowId({ kind: 'esxi', name: stuck }))
      .query(hostProgressQuery);
    assert.equal(step.step, 'read-state', `${stuck} is held in read-state by the hanging command`);

    assert.equal(await handle.executeUpdate(cancelUpdate, { args: ['change freeze'] }), 'cancelling');
    fleet.setFaults(stuck, {});
    const report = (await handle.result()) as RolloutReport;

    assert.equal(report.phase, 'cancelled');
    assert.ok(report.events.some((e) => e.action === 'cancel-requested' && e.reason === 'change freeze'));
    const held = report.hosts.find((h) => h.name === stuck);
    assert.equal(held?.phase, 'cancelled');
    // The next step after read-state: reading the VMs, before anything is changed.
    assert.equal(held?.stoppedInStep, 'vms-read');
    assert.ok(report.counts.skipped >= 1, 'hosts not started yet are listed as skipped');

    const problems: string[] = [];
    for (const m of marks) {
      const entry = report.hosts.find((h) => h.name === m.host.name);
      const name = m.host.name;
      if (entry?.phase === 'succeeded') {
        problems.push(...(await auditRecoveryCycle(m, ORIGINAL, entry)));
        continue;
      }
      const commands = (await commandsSince(m)) ?? [`${name}: shell.log lost the mark`];
      if (entry?.phase === 'skipped') {
        if (commands.length > 0) problems.push(`${name} skipped but ran ${JSON.stringify(commands)}`);
        if (!report.problems.some((p) => p.name === name && p.outcome === 'skipped'))
          problems.push(`${name} not listed as skipped`);
      } else if (entry?.phase === 'cancelled' && entry.stoppedInStep) {
        const changes = [
          ...setOptionsCommands(commands),
          ...maintenanceSets(commands, true),
          ...rebootCommands(commands),
          ...maintenanceSets(commands, false),
        ];
        const expected = changesBefore(entry.stoppedInStep, ORIGINAL);
        const normalized = changes
          .map((c) => (c.startsWith('esxcli system shutdown reboot') ? 'reboot' : c))
          .sort();
        if (JSON.stringify(normalized) !== JSON.stringify([...expected].sort())) {
          problems.push(
            `${name} stopped in ${entry.stoppedInStep} but its changes were ${JSON.stringify(changes)}`,
          );
        }
        if (!report.problems.some((p) => p.name === name && p.stoppedInStep === entry.stoppedInStep))
          problems.push(`${name} not listed with its step`);
      } else {
        problems.push(`${name}: ${entry?.phase ?? 'missing'} (${entry?.reason ?? ''})`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
