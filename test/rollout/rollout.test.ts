import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { parseShellLog, parseVmksummaryBoots } from '../../activities/esxi/parsers';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { approveUpdate, cancelUpdate, pauseUpdate, resumeUpdate } from '../../workflows/messages';
import { fastHostOptions, sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { maybeRecordHistory } from '../helpers/histories';
import { maxOverlap, startRollout, waitForProgress, workIntervals } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';

/** An update rejected by its validator fails with the validator's message as the cause. */
async function rejectsMentioning(promise: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error & { cause?: Error }) => {
    assert.match(`${err.message} ${err.cause?.message ?? ''}`, re);
    return true;
  });
}

describe('rollouts: the rollout workflow on the simulated fleet', () => {
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('rollout');
  const fleets: Fleet[] = [];

  async function fleet(
    prefix: string,
    hosts: number,
    clusters = 1,
    extra: Parameters<typeof startFleet>[0] = {},
  ): Promise<Fleet> {
    const f = await startFleet({
      hosts,
      clusters,
      namePrefix: prefix,
      bootTimeMs: 150,
      controlPort: false,
      ...extra,
    });
    fleets.push(f);
    return f;
  }

  before(async () => {
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    for (const f of fleets) await f.stop();
  });

  it('keeps the sliding window and the per-cluster limit (checked on the hosts), rebooting each host twice', async () => {
    const { client } = await testEnv();
    const f = await fleet('win-', 12, 3);
    const hosts = f.inventory.hosts;
    const since = Date.now();
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 4,
      perCluster: 2,
    });
    const report = (await handle.result()) as RolloutReport;
    await maybeRecordHistory(handle, 'rollout-recovery-cycle');

    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.equal(report.counts.succeeded, 12);
    const intervals = await workIntervals(hosts, since);
    assert.equal(intervals.length, 12, 'every host was worked on');
    assert.ok(maxOverlap(intervals) <= 4, `at most 4 hosts at once (saw ${maxOverlap(intervals)})`);
    for (const c of new Set(hosts.map((h) => h.cluster))) {
      const inCluster = maxOverlap(intervals, (i) => i.cluster === c);
      assert.ok(inCluster <= 2, `at most 2 hosts of ${c} at once (saw ${inCluster})`);
    }
    for (const h of hosts) {
      const log = parseVmksummaryBoots(await sshRead(h, 'cat /var/log/vmksummary.log'));
      assert.ok(log.bootCount >= 3, `${h.name} booted twice more`);
      assert.equal(report.hosts.find((x) => x.name === h.name)?.reboots, 2);
    }
  });

  it('runs the canary alone, waits for approval, then finishes the rest', async () => {
    const { client } = await testEnv();
    const f = await fleet('can-', 4);
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', f.inventory.hosts, {
      canary: 1,
      perCluster: 0,
      maxParallel: 4,
    });
    const waiting = await waitForProgress(handle, (p) => p.phase === 'awaiting-approval');
    assert.equal(waiting.counts.succeeded, 1);
    assert.equal(waiting.counts.pending, 3);
    assert.equal(waiting.hosts.find((h) => h.canary)?.phase, 'succeeded');
    const phase = await handle.executeUpdate(approveUpdate, { args: ['looks good'] });
    assert.equal(phase, 'running');
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded');
    assert.ok(report.events.some((e) => e.action === 'approved' && e.reason === 'looks good'));
    await rejectsMentioning(
      handle.executeUpdate(approveUpdate, { args: [''] }),
      /already (ended|completed)|nothing to approve/,
    );
  });

  it('--order slowest-first: after the canary, starts hosts by their last reboot duration read from vmksummary.log', async () => {
    const { client } = await testEnv();
    const bootTimeMs: Record<string, number> = {
      'ord-01': 100,
      'ord-02': 250,
      'ord-03': 150,
      'ord-04': 300,
      'ord-05': 200,
    };
    const f = await fleet('ord-', 5, 1, {
      hostOverrides: Object.fromEntries(
        Object.entries(bootTimeMs).map(([name, ms]) => [name, { bootTimeMs: ms }]),
      ),
    });
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', f.inventory.hosts, {
      maxParallel: 1,
      perCluster: 0,
      canary: 1,
      autoApprove: true,
      order: 'slowest-first',
    });
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    const started = [...report.hosts]
      .sort((a, b) => Date.parse(a.startedAt ?? '') - Date.parse(b.startedAt ?? ''))
      .map((x) => x.name);
    assert.deepEqual(
      started,
      ['ord-01', 'ord-04', 'ord-02', 'ord-05', 'ord-03'],
      'the canary, then slowest first',
    );
    for (const h of report.hosts)
      assert.equal(h.lastRebootMs, bootTimeMs[h.name], `${h.name}: its last reboot as logged`);
    assert.ok(
      report.events.some(
        (e) =>
          e.action === 'ordered' && /5 host\(s\) with a reboot on record, 0 without/.test(e.reason ?? ''),
      ),
    );
  });

  it('pauses (no new host starts), resumes, and finishes', async () => {
    const { client } = await testEnv();
    const f = await fleet('pau-', 4);
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', f.inventory.hosts, {
      maxParallel: 1,
      perCluster: 0,
    });
    await waitForProgress(handle, (p) => p.counts.running === 1);
    assert.equal(await handle.executeUpdate(pauseUpdate, { args: ['maintenance window'] }), 'paused');
    const paused = await waitForProgress(handle, (p) => p.counts.running === 0);
    const pendingWhilePaused = paused.counts.pending;
    assert.ok(pendingWhilePaused >= 2, 'hosts wait while paused');
    await rejectsMentioning(handle.executeUpdate(pauseUpdate, { args: [''] }), /already paused/);
    assert.equal(
      (await waitForProgress(handle, (p) => p.phase === 'paused')).counts.pending,
      pendingWhilePaused,
    );
    assert.equal(await handle.executeUpdate(resumeUpdate, { args: [''] }), 'running');
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded');
    assert.deepEqual(
      report.events.map((e) => e.action).filter((a) => a === 'paused' || a === 'resumed'),
      ['paused', 'resumed'],
    );
  });

  it('cancels at a safe point: every host untouched, finished, or listed with the step it stopped in', async () => {
    const { client } = await testEnv();
    const f = await fleet('cxl-', 5);
    const hosts = f.inventory.hosts;
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 2,
      perCluster: 0,
    });
    await waitForProgress(handle, (p) => p.counts.succeeded >= 1 && p.counts.running >= 1);
    assert.equal(await handle.executeUpdate(cancelUpdate, { args: ['operator stop'] }), 'cancelling');
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'cancelled');
    for (const h of report.hosts) {
      assert.ok(['succeeded', 'skipped', 'cancelled'].includes(h.phase), `${h.name} is ${h.phase}`);
      if (h.phase === 'cancelled') assert.ok(h.stoppedInStep, `${h.name} names the step it stopped in`);
      if (h.phase !== 'succeeded') assert.notEqual(h.leftMidCycle, true);
    }
    assert.ok(report.counts.skipped >= 1, 'hosts not started are listed as skipped');
    for (const h of hosts) {
      const entry = report.hosts.find((x) => x.name === h.name);
      const options = (await sshRead(h, 'esxcfg-module -g nmlx5_core')).includes('mst_recovery=1');
      assert.equal(options, false, `${h.name} (${entry?.phase}) is not left in recovery mode`);
    }
  });

  it('stops starting hosts when the failure budget is exceeded, and retry touches only the failed hosts', async () => {
    const { client } = await testEnv();
    const f = await fleet('bud-', 6, 1, { hostOverrides: { 'bud-02': { faults: { neverReturn: true } } } });
    const hosts = f.inventory.hosts;
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 2,
      perCluster: 0,
      maxFailures: { count: 0 },
      host: { ...fastHostOptions, timing: { ...fastHostOptions.timing, bootDeadlineMs: 2_000 } },
    });
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'failed');
    assert.equal(report.budget.exceeded, true);
    const bad = report.hosts.find((h) => h.name === 'bud-02');
    assert.equal(bad?.phase, 'needs-attention');
    assert.match(bad?.reason ?? '', /did not return/);
    assert.ok(report.counts.skipped >= 1, 'no new host started after the budget was exceeded');
    assert.ok(report.problems.some((p) => p.name === 'bud-02'));

    // Retry: only the hosts that did not succeed run again; finished hosts are not touched.
    f.setFaults('bud-02', {});
    f.host('bud-02').powerCycle?.();
    const succeeded = report.hosts.filter((h) => h.phase === 'succeeded').map((h) => h.name);
    const since = Date.now();
    const retryTargets = hosts.filter((h) => !succeeded.includes(h.name));
    const retry = await startRollout(client, taskQueue, 'recovery-cycle', retryTargets, {
      maxParallel: 2,
      perCluster: 0,
    });
    const retried = (await retry.result()) as RolloutReport;
    assert.equal(retried.phase, 'succeeded', JSON.stringify(retried.problems));
    for (const name of succeeded) {
      const h = hosts.find((x) => x.name === name)!;
      const touched = parseShellLog(await sshRead(h, 'cat /var/log/shell.log')).filter(
        (e) => (e.epochMs ?? 0) >= since && e.command !== 'cat /var/log/shell.log',
      );
      assert.deepEqual(touched, [], `${name} was not touched by the retry`);
    }
  });

  it('continues as new without losing progress', async () => {
    const { client } = await testEnv();
    const f = await fleet('can2-', 14);
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', f.inventory.hosts, {
      maxParallel: 4,
      perCluster: 0,
      continueAsNewAfterEvents: 100,
    });
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.ok(report.continueAsNewCount >= 1, `continued as new (${report.continueAsNewCount})`);
    assert.equal(report.counts.succeeded, 14);
    for (const h of report.hosts) assert.equal(h.reboots, 2, `${h.name} rebooted exactly twice`);
  });
});
