import assert from 'node:assert/strict';
import { scheduleTargets, simulateSchedule, type ScheduleTarget } from '../../client/rollout/schedule';
import type { HostRef } from '../../common/targets';

// The --dry-run schedule applies the rollout's limits (workflows/rollout/start-rules.ts): one host at a
// time of a vSAN cluster for a rebooting procedure, and the ramp after the canary.

const host = (name: string, cluster: string, vsan = false): HostRef => ({
  kind: 'esxi',
  name,
  cluster,
  ...(vsan ? { vsan } : {}),
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: 'SHA256:x',
  credential: { type: 'agent' },
  tags: [],
});
const names = (waves: ScheduleTarget[][]) => waves.map((w) => w.map((t) => t.name));

describe('rollouts: the --dry-run schedule', () => {
  const targets = [host('v1', 'v', true), host('v2', 'v', true), host('p1', 'p'), host('p2', 'p')];

  it('a vSAN cluster: one host per wave whatever --per-cluster says, for a procedure that reboots', () => {
    const limits = { maxParallel: 10, perCluster: 0, canary: 0 };
    assert.deepEqual(names(simulateSchedule(scheduleTargets('recovery-cycle', targets), limits).waves), [
      ['v1', 'p1', 'p2'],
      ['v2'],
    ]);
    assert.deepEqual(
      names(simulateSchedule(scheduleTargets('preflight', targets), limits).waves),
      [['v1', 'v2', 'p1', 'p2']],
      'preflight takes no host out',
    );
  });

  it('the ramp after the canary: waves grow by its steps up to --max-parallel', () => {
    const many = Array.from({ length: 12 }, (_, i) => host(`h${i + 1}`, 'c'));
    const s = simulateSchedule(scheduleTargets('recovery-cycle', many), {
      maxParallel: 4,
      perCluster: 0,
      canary: 1,
      ramp: [1, 2],
    });
    assert.deepEqual(names(s.canaryWaves), [['h1']]);
    assert.deepEqual(
      s.waves.map((w) => w.length),
      [1, 2, 4, 4],
    );
  });
});
