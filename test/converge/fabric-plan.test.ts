import assert from 'node:assert/strict';
import { declaredFabric, gateLine, planSwitch, type DeclaredSwitch } from '../../client/converge/fabric-plan';
import { parseInventory } from '../../client/inventory/load';
import { parseDocument } from 'yaml';
import { VALID_INVENTORY } from '../client/harness';

// The fabric part of the plan, pure: which switches the selected clusters declare (merged when a switch
// serves several), a switch read against them, and the gate's required bandwidth.

/** VALID_INVENTORY with a desired state on both clusters, both served by ibsw-a. */
function inventory(): ReturnType<typeof parseInventory> {
  const doc = parseDocument(VALID_INVENTORY);
  const sriov = { mode: 'sriov', numVfs: 16, maxVfs: 4 };
  doc.setIn(
    ['clusters', 0, 'desired'],
    doc.createNode({
      ...sriov,
      fabric: { switches: ['ibsw-a'], smVirtualization: true },
      bandwidthGate: { pairs: ['pair-a'], lineRateGbps: 200, bidirectional: true, threshold: 0.9 },
    }),
  );
  doc.setIn(
    ['clusters', 1, 'desired'],
    doc.createNode({
      ...sriov,
      fabric: { switches: ['ibsw-a'], smVirtualization: true, minVersion: '3.11.2000', restartSm: false },
    }),
  );
  return parseInventory(doc.toString(), 'fleet.yaml');
}

describe('converge: the fabric plan', () => {
  it('declares each switch once for every cluster it serves: highest minVersion, restartSm if any', () => {
    const fabric = declaredFabric(inventory(), new Set(['gpu-a', 'gpu-b']));
    assert.deepEqual(
      fabric.switches.map((s) => [s.ref.name, s.clusters, s.smVirtualization, s.params]),
      [['ibsw-a', ['gpu-a', 'gpu-b'], true, { minVersion: '3.11.2000', restartSm: true }]],
    );
    assert.deepEqual(
      fabric.gates.map((g) => [g.cluster, g.pairs.map((p) => p.name)]),
      [['gpu-a', ['pair-a']]],
    );
    assert.equal(
      gateLine(fabric.gates[0]),
      'gpu-a: guest pair(s) pair-a must reach 360 Gb/s with ib_send_bw (bidirectional) (0.9 × 400 Gb/s)',
    );
    const onlyB = declaredFabric(inventory(), new Set(['gpu-b']));
    assert.deepEqual(
      onlyB.switches.map((s) => [s.clusters, s.params.restartSm]),
      [[['gpu-b'], false]],
      'only the selected clusters count',
    );
    assert.deepEqual(onlyB.gates, []);
  });

  const declared = (): DeclaredSwitch => declaredFabric(inventory(), new Set(['gpu-a'])).switches[0];
  it('a switch with virtualization off differs; with it on it is converged', () => {
    const off = planSwitch(declared(), { release: '3.11.1004', smEnabled: true, smVirtEnabled: false });
    assert.equal(off.status, 'changes');
    assert.deepEqual(off.differences, [
      { item: 'OpenSM virtualization (show ib sm virt)', current: 'disabled', wanted: 'enabled' },
    ]);
    const smOff = planSwitch(declared(), { release: '3.11.1004', smEnabled: false, smVirtEnabled: false });
    assert.deepEqual(
      smOff.differences.map((d) => d.item),
      ['subnet manager (show ib sm)', 'OpenSM virtualization (show ib sm virt)'],
    );
    const on = planSwitch(declared(), { release: '3.11.1004', smEnabled: true, smVirtEnabled: true });
    assert.deepEqual([on.status, on.differences], ['converged', []]);
  });

  it('an MLNX-OS older than minVersion blocks the switch (guide 4.1); an unreadable one says why', () => {
    const old = planSwitch(declared(), { release: '3.9.2110', smEnabled: true, smVirtEnabled: false });
    assert.equal(old.status, 'blocked');
    assert.match(old.blockers[0], /MLNX-OS 3\.9\.2110 is older than 3\.10\.4000: update the switch first/);
    const unreadable = planSwitch(declared(), { error: 'SshAuthFailed: permission denied' });
    assert.deepEqual(
      [unreadable.status, unreadable.error],
      ['unreadable', 'SshAuthFailed: permission denied'],
    );
  });
});
