import assert from 'node:assert/strict';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import { runChaos } from './chaos-scenario';

// Durability under chaos: worker processes SIGKILLed and restarted at random (seeded) moments, SSH
// connections dropped under 10% of the commands, some hosts slow to boot. Every host must still show
// exactly two reboots and each option write exactly once, end with its original options, and the
// report must agree with the hosts. `npm run soak` runs the same scenario bigger and longer.

describe('durability: chaos rollout (worker kills, dropped connections, slow boots)', function () {
  this.timeout(240_000);

  it('reboots every host exactly twice and writes each option change exactly once despite the chaos', async () => {
    const { client } = await testEnv();
    const lines: string[] = [];
    const outcome = await runChaos(client, uniqueTaskQueue('chaos'), {
      seed: 20240611,
      hosts: 40,
      clusters: 4,
      maxParallel: 10,
      perCluster: 3,
      bootTimeMs: [200, 600],
      slowHosts: 3,
      slowBootMs: 2_500,
      drop: 0.1,
      kills: 3,
      killAfterMs: [1_500, 4_000],
      restartAfterMs: [0, 300],
      deadlineMs: 180_000,
      namePrefix: `chaos${process.pid}-`,
      log: (line) => lines.push(line),
    });
    assert.deepEqual(outcome.problems, [], lines.join('\n'));
    // A worker lives at most 4 s, far too little for 40 hosts: every planned kill happens.
    assert.equal(outcome.kills, 3, lines.join('\n'));
    assert.equal(outcome.report.counts.succeeded, 40);
    assert.ok(outcome.report.hosts.every((h) => h.reboots === 2));
  });
});
