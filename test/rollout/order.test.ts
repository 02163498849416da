import assert from 'node:assert/strict';
import { slowestFirst } from '../../common/rollout';

describe('rollouts: the slowest-first start order', () => {
  const h = (name: string, lastRebootMs?: number, canary?: boolean) => ({
    name,
    ...(lastRebootMs !== undefined ? { lastRebootMs } : {}),
    ...(canary ? { canary } : {}),
  });

  it('keeps the canaries first, then hosts without a reboot on record, then the longest reboots first', () => {
    const order = slowestFirst([
      h('a', 5_000, true),
      h('b', 9_000),
      h('c'),
      h('d', 15_000),
      h('e', 9_000),
      h('f'),
    ]);
    assert.deepEqual(
      order.map((x) => x.name),
      ['a', 'c', 'f', 'd', 'b', 'e'],
    );
  });

  it('is the inventory order when nothing is known', () => {
    assert.deepEqual(
      slowestFirst([h('x'), h('y'), h('z')]).map((x) => x.name),
      ['x', 'y', 'z'],
    );
  });
});
