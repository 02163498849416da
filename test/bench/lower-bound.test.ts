import assert from 'node:assert/strict';
import { hostWorkMs, listSchedule, lowerBound, type HostWork } from '../../bench/lower-bound';

const hosts = (works: number[], clusters?: string[]): HostWork[] =>
  works.map((workMs, i) => ({ name: `h${i}`, cluster: clusters?.[i] ?? 'c', workMs }));

describe('bench: lower bound of a rollout', () => {
  it('counts two boots, their shutdown delays and eleven command round trips per recovery cycle', () => {
    assert.equal(
      hostWorkMs({ commandLatencyMs: 10, downMs: [5_000, 6_000], shutdownDelayMs: 300 }),
      110 + 11_600,
    );
  });

  it("adds the longest guest shutdown of a host's VMs and one round trip to power them on again", () => {
    assert.equal(
      hostWorkMs({ commandLatencyMs: 10, downMs: [5_000, 6_000], shutdownDelayMs: 300, vmShutdownMs: 7_000 }),
      120 + 7_000 + 11_600,
    );
    assert.equal(
      hostWorkMs({ commandLatencyMs: 10, downMs: [], shutdownDelayMs: 300, commandRounds: 1 }),
      10,
    );
  });

  it('is the longest host when there are enough slots', () => {
    const b = lowerBound(hosts([5, 9, 3]), { maxParallel: 10, perCluster: 0 });
    assert.equal(b.lowerBoundMs, 9);
    assert.equal(b.binding, 'longest-host');
    assert.equal(b.inOrderScheduleMs, 9);
  });

  it('is total work over the slots when the work spreads evenly', () => {
    const b = lowerBound(hosts([4, 4, 4, 4, 4, 4]), { maxParallel: 2, perCluster: 0 });
    assert.equal(b.lowerBoundMs, 12);
    assert.equal(b.inOrderScheduleMs, 12);
  });

  it('knows that two of the slots+1 longest hosts share a slot', () => {
    const b = lowerBound(hosts([10, 10, 10, 9]), { maxParallel: 3, perCluster: 0 });
    assert.equal(b.lowerBoundMs, 19);
    assert.equal(b.inOrderScheduleMs, 19);
    assert.equal(b.binding, 'two-largest-sharing');
  });

  it('sums each cluster under a per-cluster limit of 1, and caps the slots at the clusters', () => {
    const b = lowerBound(hosts([3, 3, 3, 1, 1], ['a', 'a', 'a', 'b', 'b']), {
      maxParallel: 50,
      perCluster: 1,
    });
    assert.equal(b.effectiveParallelism, 2);
    assert.equal(b.lowerBoundMs, 9);
    assert.equal(b.binding, 'cluster');
    assert.equal(b.inOrderScheduleMs, 9);
  });

  it('schedules in order like the rollout window: a freed slot goes to the next host that fits', () => {
    // Slots 2: h0 (5) and h1 (1) start; h2 (5) starts at 1, h3 (1) at 5: done at 6.
    assert.equal(listSchedule(hosts([5, 1, 5, 1]), { maxParallel: 2, perCluster: 0 }), 6);
    // Per-cluster 1 skips a blocked host and starts a later one of another cluster.
    assert.equal(listSchedule(hosts([4, 4, 1], ['a', 'a', 'b']), { maxParallel: 2, perCluster: 1 }), 8);
  });

  it('never exceeds the longest-first schedule, which never beats the bound', () => {
    const works = [7, 3, 9, 2, 8, 4, 6, 5, 1];
    const b = lowerBound(hosts(works), { maxParallel: 3, perCluster: 0 });
    assert.ok(b.lowerBoundMs <= b.lptScheduleMs);
    assert.ok(b.lowerBoundMs <= b.inOrderScheduleMs);
  });
});
