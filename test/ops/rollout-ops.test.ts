import assert from 'node:assert/strict';
import { clusterLeaseLimit, rolloutOpsSchema, startAllowance } from '../../common/rollout-ops';
import { parseWindow } from '../../common/windows';

// The pure part of "may the next host start?" that the rollout asks with its own clock.

describe('ops: start allowance from windows and ramp; the lease limit per cluster', () => {
  const ops = rolloutOpsSchema.parse({
    windows: [parseWindow('Mon-Fri 22:00-06:00 Europe/Berlin')],
    ramp: [1, 2, 4],
  });
  const at = (iso: string, succeededSinceCanary = 0, afterCanary = true) => ({
    nowMs: Date.parse(iso),
    maxParallel: 10,
    succeededSinceCanary,
    afterCanary,
  });

  it('holds outside the windows until the next opening, with the reason', () => {
    assert.deepEqual(startAllowance(ops, at('2025-01-13T17:48:00Z')), {
      width: 1,
      hold: {
        reason: 'waiting for the window Mon 22:00 CET, in 3h12m',
        untilMs: Date.parse('2025-01-13T21:00:00Z'),
      },
      notes: [
        'waiting for the window Mon 22:00 CET, in 3h12m',
        'ramp step 1/3: 1 in flight, 2 once 1 succeeded (0 so far)',
      ],
    });
  });

  it('inside a window: the ramp width, no hold, when it closes; the ramp applies only after the canary', () => {
    assert.deepEqual(startAllowance(ops, at('2025-01-13T22:00:00Z', 3)), {
      width: 4,
      closesAtMs: Date.parse('2025-01-14T05:00:00Z'),
      notes: [
        'in the window until Tue 06:00 CET, 7h00m left',
        'ramp step 3/3: 4 in flight, 10 once 7 succeeded (3 so far)',
      ],
    });
    assert.equal(startAllowance(ops, at('2025-01-13T22:00:00Z', 0, false)).width, 10);
    assert.deepEqual(startAllowance(undefined, at('2025-01-13T17:48:00Z')), { width: 10, notes: [] });
  });

  it('leases: the inventory maxUnavailable always, --per-cluster only with --fleet-wide, never unlimited', () => {
    const declared = rolloutOpsSchema.parse({ clusterLimits: { 'gpu-a': 2 } });
    assert.equal(clusterLeaseLimit(declared, 1, 'gpu-a'), 2);
    assert.equal(clusterLeaseLimit(declared, 1, 'gpu-b'), undefined);
    const wide = rolloutOpsSchema.parse({ fleetWide: true });
    assert.equal(clusterLeaseLimit(wide, 3, 'gpu-b'), 3);
    assert.equal(clusterLeaseLimit(wide, 0, 'gpu-b'), undefined);
    assert.equal(clusterLeaseLimit(undefined, 1, 'gpu-a'), undefined);
  });
});
