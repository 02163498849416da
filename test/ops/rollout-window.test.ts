import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { rolloutOpsSchema } from '../../common/rollout-ops';
import type { MaintenanceWindow } from '../../common/windows';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout, waitForProgress, workIntervals } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { changingCommands, commandsSince, markHost } from '../procedures/host-audit';
import { vmOptions } from '../workloads/vm-audit';

// Maintenance windows in a real rollout (issue #16), with a clock the test controls: the rollout judges
// its windows at its time plus `ops.testClockOffsetMs`, so "Monday 22:00 UTC" is a few seconds away.

/** Monday 2026-01-05 22:00 UTC: the opening of the test's window. */
const OPENING_MS = Date.UTC(2026, 0, 5, 22, 0, 0);
const mondayNight: MaintenanceWindow = { days: ['Mon'], start: '22:00', end: '23:00', timeZone: 'UTC' };

describe('ops: maintenance windows in a rollout (dev server, simulated fleet)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('ops-window');

  before(async () => {
    fleet = await startFleet({
      hosts: 4,
      namePrefix: 'win-',
      bootTimeMs: 150,
      controlPort: false,
      hostOverrides: { 'win-04': { vms: [{ name: 'batch' }] } },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('starts no host before the window opens, says what it waits for, and starts them when it opens', async () => {
    const { client } = await testEnv();
    const hosts = fleet.inventory.hosts.slice(0, 3);
    const since = Date.now();
    // The window opens 5 s from now, as the rollout sees it.
    const opensAtMs = since + 5_000;
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 3,
      perCluster: 0,
      ops: {
        windows: [mondayNight],
        windowEnd: 'continue',
        gateTiming: { pollIntervalMs: 30_000, timeoutMs: 1_800_000 },
        fleetWide: false,
        testClockOffsetMs: OPENING_MS - opensAtMs,
      },
    });
    const waiting = await waitForProgress(handle, (p) => p.waitingFor !== undefined);
    assert.match(waiting.waitingFor ?? '', /waiting for the window Mon 22:00/);
    assert.equal(waiting.counts.running, 0);
    assert.match(waiting.operations?.[0] ?? '', /waiting for the window/);

    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.deepEqual(
      report.events.filter((e) => e.action.startsWith('window')).map((e) => e.action),
      ['window-wait', 'window-open'],
    );
    const intervals = await workIntervals(hosts, since);
    assert.equal(intervals.length, 3);
    for (const i of intervals)
      assert.ok(
        i.start >= opensAtMs,
        `${i.host} was first touched ${opensAtMs - i.start} ms before the window`,
      );
  });

  it('--window-end stop: a host in flight at the close stops at its safe point, waits, and starts again in the next window', async () => {
    const { client } = await testEnv();
    const host = fleet.inventory.hosts[3];
    // Two windows a minute apart; the first closes 4 s from now, as the rollout sees it.
    const mark = await markHost(host);
    const closesAtMs = Date.now() + 4_000;
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', [host], {
      host: vmOptions({ policy: 'wait', drainDeadlineMs: 300_000 }),
      ops: rolloutOpsSchema.parse({
        windows: [
          { ...mondayNight, end: '22:01' },
          { ...mondayNight, start: '22:02' },
        ],
        windowEnd: 'stop',
        testClockOffsetMs: OPENING_MS + 60_000 - closesAtMs,
      }),
    });
    // In the window the host starts and waits for its VM to stop (the owner's job, under --vm-policy wait).
    await waitForProgress(handle, (p) => p.counts.running === 1);
    const stopped = await waitForProgress(
      handle,
      (p) => p.counts.pending === 1 && p.waitingFor !== undefined,
    );
    assert.match(stopped.waitingFor ?? '', /waiting for the window Mon 22:02/);
    assert.deepEqual(changingCommands(await commandsSince(mark)), [], 'nothing changed before the stop');
    await sshRead(host, 'vim-cmd vmsvc/power.off 1');
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.deepEqual(
      report.events.filter((e) => e.action.startsWith('window')).map((e) => e.action),
      ['window-closed', 'window-wait', 'window-open'],
    );
  });
});
