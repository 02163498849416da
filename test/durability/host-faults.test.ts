import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { fastHostOptions, spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { auditRecoveryCycle, markHost, storedOptions, type HostMark } from './host-audit';

// Hosts that break during a rollout: one never comes back from its reboot, one comes back without its
// cards. Both are reported as needing attention, with the reason and the step they were left in, within
// the boot deadline; the rest of the rollout goes on within the failure budget and finishes exactly.

const ORIGINAL = 'max_vfs=4,4';
const BOOT_DEADLINE_MS = 3_000;

describe('durability: a host that never returns and one that returns without its cards', function () {
  this.timeout(120_000);
  let fleet: Fleet | undefined;
  let worker: WorkerProcess | undefined;

  after(async () => {
    await worker?.kill('SIGKILL');
    await fleet?.stop();
  });

  it('reports both as needs-attention with the reason and step, and finishes the others within the budget', async () => {
    const { client } = await testEnv();
    const taskQueue = uniqueTaskQueue('host-faults');
    const prefix = `hf${process.pid}-`;
    const lost = `${prefix}02`;
    const cardless = `${prefix}05`;
    fleet = await startFleet({
      hosts: 8,
      clusters: 2,
      namePrefix: prefix,
      bootTimeMs: [200, 400],
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL },
      hostOverrides: {
        [lost]: { faults: { neverReturn: true } },
        [cardless]: { faults: { cardsMissingAfterBoot: true } },
      },
    });
    const hosts = fleet.inventory.hosts;
    const marks: HostMark[] = [];
    for (const h of hosts) marks.push(await markHost(h));
    worker = await spawnWorker(taskQueue);
    await worker.ready;

    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 4,
      perCluster: 0,
      maxFailures: { count: 2 },
      host: { ...fastHostOptions, timing: { ...fastHostOptions.timing, bootDeadlineMs: BOOT_DEADLINE_MS } },
    });
    const report = (await handle.result()) as RolloutReport;

    assert.equal(report.phase, 'failed', 'a rollout with hosts needing attention does not succeed');
    assert.deepEqual(report.budget, { allowed: 2, used: 2, exceeded: false });
    assert.equal(report.counts.skipped, 0, 'no host was skipped: the budget was not exceeded');
    assert.equal(report.counts.succeeded, 6);

    const neverBack = report.hosts.find((h) => h.name === lost);
    assert.equal(neverBack?.phase, 'needs-attention');
    assert.equal(neverBack?.failureType, 'HostNotReturned');
    assert.match(neverBack?.reason ?? '', /did not return within the boot deadline of 3s/);
    assert.equal(neverBack?.stoppedInStep, 'await-return-1');
    assert.equal(neverBack?.leftMidCycle, true);
    assert.equal(fleet.host(lost).power, 'down', 'the simulated host is really still down');

    const noCards = report.hosts.find((h) => h.name === cardless);
    assert.equal(noCards?.phase, 'needs-attention');
    assert.equal(noCards?.failureType, 'VerificationFailed');
    assert.match(noCards?.reason ?? '', /came back without its cards/);
    assert.match(noCards?.reason ?? '', /left mid-change: nmlx5_core mst_recovery=1 stored/);
    assert.equal(noCards?.stoppedInStep, 'verify-cards-recovery');
    assert.equal(noCards?.leftMidCycle, true);
    assert.equal(
      await storedOptions(hosts.find((h) => h.name === cardless)!),
      `${ORIGINAL} mst_recovery=1`,
      'the report tells the truth',
    );

    for (const name of [lost, cardless]) {
      const problem = report.problems.find((p) => p.name === name);
      assert.equal(problem?.outcome, 'needs-attention');
      assert.ok(problem?.stoppedInStep, `${name} is listed with the step it was left in`);
    }

    const problems: string[] = [];
    for (const m of marks.filter((x) => x.host.name !== lost && x.host.name !== cardless)) {
      problems.push(
        ...(await auditRecoveryCycle(
          m,
          ORIGINAL,
          report.hosts.find((x) => x.name === m.host.name),
        )),
      );
    }
    assert.deepEqual(problems, []);
  });
});
