import assert from 'node:assert/strict';
import type { RolloutReport } from '../../common/rollout';
import { rolloutOpsSchema } from '../../common/rollout-ops';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { resumeUpdate } from '../../workflows/messages';
import { startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { startRollout, waitForProgress, workIntervals } from '../helpers/rollout-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { HttpReceiver } from './http-receiver';

// Health gates in a real rollout (--gate, issue #16): a local endpoint that fails keeps every host
// from starting, a gate failing longer than --gate-timeout pauses the rollout, and once the endpoint is
// healthy again and the operator resumes, the hosts start (read from their own shell.log).

describe('ops: health gates in a rollout (dev server, simulated fleet)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let worker: RunningWorker;
  let health: HttpReceiver;
  const taskQueue = uniqueTaskQueue('ops-gates');

  before(async () => {
    fleet = await startFleet({ hosts: 2, namePrefix: 'gt-', bootTimeMs: 150, controlPort: false });
    health = await new HttpReceiver().start();
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
    await health?.stop();
  });

  it('a failing gate holds every host, pauses the rollout after --gate-timeout; resumed, the hosts start', async () => {
    const { client } = await testEnv();
    const hosts = fleet.inventory.hosts;
    health.status = 503;
    const since = Date.now();
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: 2,
      perCluster: 0,
      ops: rolloutOpsSchema.parse({
        gates: [{ kind: 'http', method: 'GET', target: { url: health.url('/healthy') }, expect: ['200'] }],
        gateTiming: { pollIntervalMs: 200, timeoutMs: 1_000 },
      }),
    });
    const paused = await waitForProgress(handle, (p) => p.phase === 'paused');
    assert.match(paused.waitingFor ?? '', /^paused: gate failing for .*HTTP 503/);
    assert.equal(paused.counts.pending, 2, 'no host started');
    assert.ok(health.requests.length >= 2, 'checked again while failing');

    health.status = 200;
    const resumedAt = Date.now();
    await handle.executeUpdate(resumeUpdate, { args: ['endpoint healthy'] });
    const report = (await handle.result()) as RolloutReport;
    assert.equal(report.phase, 'succeeded', JSON.stringify(report.problems));
    assert.deepEqual(
      report.events.filter((e) => /gate|resumed/.test(e.action)).map((e) => e.action),
      ['gate-failing', 'gate-paused', 'resumed'],
    );
    const intervals = await workIntervals(hosts, since);
    assert.equal(intervals.length, 2);
    for (const i of intervals) assert.ok(i.start >= resumedAt, `${i.host} was touched before the resume`);
  });
});
