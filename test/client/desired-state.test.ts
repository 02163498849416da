import assert from 'node:assert/strict';
import { convergeParamsFor } from '../../client/inventory/desired';
import { parseInventory } from '../../client/inventory/load';
import { InventoryError } from '../../client/inventory/problems';
import {
  convergeParamsSchema,
  desiredClusterSchema,
  desiredHostState,
  versionAtLeast,
} from '../../common/desired-state';
import { harness, tempDir, VALID_INVENTORY } from './harness';

// The declared state in the inventory: a `desired:` block per cluster with host overrides, validated with
// every problem named by its field path (file:line:col too), and resolved per host for the workflows.

const GPU_A_HOSTS = `      - name: esx-03
        address: 10.0.0.13
        hostKey: `;

/** The valid inventory with `block` (indented under gpu-a) as gpu-a's desired state. */
function withDesired(block: string): string {
  const at = VALID_INVENTORY.indexOf('  - name: gpu-b');
  assert.ok(VALID_INVENTORY.includes(GPU_A_HOSTS) && at > 0);
  const indented = block
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  return `${VALID_INVENTORY.slice(0, at)}    desired:\n${indented}\n${VALID_INVENTORY.slice(at)}`;
}

function problemsOf(yaml: string): string[] {
  try {
    parseInventory(yaml, 'fleet.yaml');
  } catch (err) {
    assert.ok(err instanceof InventoryError, String(err));
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('the inventory loaded; expected problems');
}

const SRIOV = `
mode: sriov
numVfs: 16
maxVfs: 4
versions: { nmlx5: "4.23", mft: "4.26.1", nmst: "4.26.1" }
mftInstall: { depots: [/vmfs/volumes/datastore1/mft-depot.zip] }
fabric: { switches: [ibsw-a], smVirtualization: true }
bandwidthGate: { pairs: [pair-a], threshold: 0.9 }
hostOverrides:
  esx-02: { mode: passthrough }
  esx-03: { numVfs: 33, maxVfs: 8 }
`;

describe('inventory: desired state (plan / apply)', () => {
  it("loads a cluster's desired state with host overrides, and resolves each host", () => {
    const inv = parseInventory(withDesired(SRIOV), 'fleet.yaml');
    const gpuA = inv.clusters.find((c) => c.name === 'gpu-a');
    assert.ok(gpuA?.desired);
    assert.equal(inv.clusters.find((c) => c.name === 'gpu-b')?.desired, undefined);
    assert.equal(gpuA.desired.bandwidthGate?.threshold, 0.9);
    assert.equal(gpuA.desired.bandwidthGate?.test, 'ib_send_bw', 'validate-bandwidth defaults apply');
    assert.deepEqual(gpuA.desired.bandwidthGate?.pairs, ['pair-a']);
    assert.deepEqual(
      gpuA.desired.fabric,
      { switches: ['ibsw-a'], smVirtualization: true, minVersion: '3.10.4000', restartSm: true },
      "switch-sm-virt's defaults apply",
    );

    const params = convergeParamsFor(
      inv.clusters,
      inv.hosts.filter((h) => h.cluster === 'gpu-a' && h.name !== 'esx-02'),
    );
    assert.deepEqual(Object.keys(params.clusters), ['gpu-a'], 'only the clusters of the chosen hosts');
    const cluster = params.clusters['gpu-a'];
    assert.equal(
      'fabric' in cluster || 'bandwidthGate' in cluster,
      false,
      'the fabric parts stay in the CLI',
    );
    assert.deepEqual(
      Object.keys(cluster.hostOverrides ?? {}),
      ['esx-03'],
      "only the chosen hosts' overrides",
    );
    assert.ok(convergeParamsSchema().safeParse(params).success, 'what the CLI sends, the workflow accepts');

    const full = convergeParamsFor(inv.clusters, inv.hosts).clusters['gpu-a'];
    assert.deepEqual(desiredHostState(full, 'esx-01'), {
      mode: 'sriov',
      numVfs: 16,
      maxVfs: 4,
      versions: { nmlx5: '4.23', mft: '4.26.1', nmst: '4.26.1' },
      mftInstall: { depots: ['/vmfs/volumes/datastore1/mft-depot.zip'], method: 'component' },
      vlcmImage: false,
    });
    assert.equal(desiredHostState(full, 'esx-02').mode, 'passthrough');
    assert.equal(desiredHostState(full, 'esx-02').numVfs, undefined, 'passthrough carries no VF numbers');
    assert.deepEqual(
      [desiredHostState(full, 'esx-03').numVfs, desiredHostState(full, 'esx-03').maxVfs],
      [33, 8],
    );
  });

  const cases: { name: string; block: string; expect: (string | RegExp)[] }[] = [
    {
      name: "the guide's VF rule at the cluster",
      block: 'mode: sriov\nnumVfs: 4\nmaxVfs: 4',
      expect: [
        /^clusters\[0\]\.desired\.numVfs: numVfs \(NUM_OF_VFS\) must be greater than the VFs maxVfs \(4\)/,
      ],
    },
    {
      name: "the guide's VF rule broken by a host's override, named at the override",
      block: 'mode: sriov\nnumVfs: 16\nmaxVfs: 4\nhostOverrides:\n  esx-03: { maxVfs: 16 }',
      expect: [
        /^clusters\[0\]\.desired\.hostOverrides\.esx-03\.maxVfs: numVfs \(NUM_OF_VFS\) must be greater .*\(host esx-03\)/,
      ],
    },
    {
      name: 'sriov without its numbers',
      block: 'mode: sriov',
      expect: [
        /^clusters\[0\]\.desired\.numVfs: is required with mode sriov/,
        /^clusters\[0\]\.desired\.maxVfs: is required with mode sriov/,
      ],
    },
    {
      name: 'a host switched to sriov without numbers',
      block: 'mode: passthrough\nhostOverrides:\n  esx-01: { mode: sriov, numVfs: 9 }',
      expect: [
        /^clusters\[0\]\.desired\.hostOverrides\.esx-01\.maxVfs: is required with mode sriov \(host esx-01\)/,
      ],
    },
    {
      name: 'passthrough with VF numbers',
      block: 'mode: passthrough\nnumVfs: 16',
      expect: ['clusters[0].desired.numVfs: is for mode sriov only'],
    },
    {
      name: 'an unknown mode',
      block: 'mode: vfio',
      expect: [/^clusters\[0\]\.desired\.mode: .*sriov.*passthrough/],
    },
    {
      name: "numVfs above the cards' maximum",
      block: 'mode: sriov\nnumVfs: 128\nmaxVfs: 4',
      expect: [/^clusters\[0\]\.desired\.numVfs: must be at most 127/],
    },
    {
      name: 'a depot outside a datastore',
      block: 'mode: passthrough\nmftInstall: { depots: [/tmp/mft.zip] }',
      expect: [/^clusters\[0\]\.desired\.mftInstall\.depots\[0\]: must be an offline depot on a datastore/],
    },
    {
      name: 'a depot path with shell characters',
      block: 'mode: passthrough\nmftInstall: { depots: ["/vmfs/volumes/ds1/$(reboot).zip"] }',
      expect: [/^clusters\[0\]\.desired\.mftInstall\.depots\[0\]: must be an offline depot/],
    },
    {
      name: 'an install method that does not exist',
      block: 'mode: passthrough\nmftInstall: { depots: [/vmfs/volumes/ds1/m.zip], method: rpm }',
      expect: [/^clusters\[0\]\.desired\.mftInstall\.method: /],
    },
    {
      name: 'a version that is not a version',
      block: 'mode: passthrough\nversions: { mft: latest }',
      expect: [/^clusters\[0\]\.desired\.versions\.mft: must be a dotted version such as 4\.26\.1/],
    },
    {
      name: 'an override for a host of another cluster',
      block: 'mode: passthrough\nhostOverrides:\n  esx-11: { mode: sriov, numVfs: 9, maxVfs: 4 }',
      expect: [
        /^clusters\[0\]\.desired\.hostOverrides\.esx-11: names no host of cluster "gpu-a" \(hosts: esx-01, esx-02, esx-03\)/,
      ],
    },
    {
      name: 'sriov without OpenSM virtualization',
      block: 'mode: sriov\nnumVfs: 16\nmaxVfs: 4\nfabric: { switches: [ibsw-a], smVirtualization: false }',
      expect: [
        /^clusters\[0\]\.desired\.fabric\.smVirtualization: must be true when a host of the cluster is in mode sriov/,
      ],
    },
    {
      name: 'a bad bandwidth gate',
      block: 'mode: passthrough\nbandwidthGate: { pairs: [pair-a], threshold: 1.5 }',
      expect: [/^clusters\[0\]\.desired\.bandwidthGate\.threshold: must be at most 1/],
    },
    {
      name: 'a fabric without its switches, and a gate without its pairs',
      block: 'mode: passthrough\nfabric: { smVirtualization: true }\nbandwidthGate: { threshold: 0.9 }',
      expect: [
        /^clusters\[0\]\.desired\.fabric\.switches: /,
        /^clusters\[0\]\.desired\.bandwidthGate\.pairs: /,
      ],
    },
    {
      name: 'an unknown switch',
      block: 'mode: passthrough\nfabric: { switches: [ibsw-a, ibsw-z], smVirtualization: true }',
      expect: [
        'clusters[0].desired.fabric.switches[1]: names no switch of this inventory: "ibsw-z" (switches: ibsw-a)',
      ],
    },
    {
      name: 'a switch named twice',
      block: 'mode: passthrough\nfabric: { switches: [ibsw-a, ibsw-a], smVirtualization: true }',
      expect: ['clusters[0].desired.fabric.switches: must name each switch once'],
    },
    {
      name: 'an unknown guest pair',
      block: 'mode: passthrough\nbandwidthGate: { pairs: [pair-z] }',
      expect: [
        'clusters[0].desired.bandwidthGate.pairs[0]: names no guest pair of this inventory: "pair-z" (guest pairs: pair-a)',
      ],
    },
    {
      name: "a typo in the gate's parameters",
      block: 'mode: passthrough\nbandwidthGate: { pairs: [pair-a], treshold: 0.9 }',
      expect: [/^clusters\[0\]\.desired\.bandwidthGate\.treshold: unknown key/],
    },
    {
      name: 'a typo in a key',
      block: 'mode: passthrough\nvlcmimage: true',
      expect: [
        /^clusters\[0\]\.desired\.vlcmimage: unknown key \(allowed: mode, numVfs, maxVfs, versions, mftInstall, vlcmImage, hostOverrides, fabric, bandwidthGate\)/,
      ],
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}, naming the field`, () => {
      const problems = problemsOf(withDesired(c.block));
      for (const e of c.expect)
        assert.ok(
          problems.some((p) => (typeof e === 'string' ? p.startsWith(e) : e.test(p))),
          `expected ${String(e)} in:\n${problems.join('\n')}`,
        );
    });
  }

  it('the workflow validates its parameters again with the same rules (paths under the cluster)', () => {
    const r = convergeParamsSchema().safeParse({
      clusters: { 'gpu-a': { mode: 'sriov', numVfs: 8, maxVfs: 8 } },
    });
    assert.equal(r.success, false);
    assert.deepEqual(
      r.error?.issues.map((i) => i.path.join('.')),
      ['clusters.gpu-a.numVfs'],
    );
    assert.equal(
      desiredClusterSchema().safeParse({
        mode: 'passthrough',
        fabric: { switches: ['ibsw-a'], smVirtualization: true },
      }).success,
      false,
      "fabric is the CLI's",
    );
  });

  it('compares versions as minimums on the leading dotted numbers of a VIB version', () => {
    assert.equal(versionAtLeast('4.23.0.66-2vmw.802.0.0.22380479', '4.23'), true);
    assert.equal(versionAtLeast('4.23.0.66-2vmw.802.0.0.22380479', '4.23.0.67'), false);
    assert.equal(versionAtLeast('4.26.1.3-1OEM.801.0.0.21495797', '4.26.1'), true);
    assert.equal(versionAtLeast('4.26.1.3-0', '4.27'), false);
    assert.equal(versionAtLeast('4.9', '4.10'), false, 'numbers, not text');
    assert.equal(versionAtLeast('unknown', '1'), false);
  });

  describe('plan / apply refuse bad input with exit 2 before contacting Temporal', () => {
    const dir = tempDir();
    after(() => dir.cleanup());
    const withGpuA = withDesired('mode: sriov\nnumVfs: 16\nmaxVfs: 4');
    const cases: { name: string; argv: (file: string) => string[]; yaml: string; expect: RegExp[] }[] = [
      {
        name: 'plan of a cluster without a desired state',
        argv: (f) => ['plan', '-i', f],
        yaml: withGpuA,
        expect: [
          /clusters\[1\]\.desired: is required to plan or apply cluster gpu-b \(selected: esx-11, esx-12\)/,
        ],
      },
      {
        name: 'apply of a cluster without a desired state, with every other problem at once',
        argv: (f) => ['apply', '-i', f, '--max-parallel', 'x', '--set', 'numVfs=8'],
        yaml: withGpuA,
        expect: [
          /clusters\[1\]\.desired: is required/,
          /--max-parallel: must be a whole number/,
          /--set: apply takes the declared state from the inventory/,
        ],
      },
      {
        name: 'rollout start converge (it has no declared state): points at plan and apply',
        argv: (f) => ['rollout', 'start', 'converge', '-i', f, '--select', 'cluster=gpu-a'],
        yaml: withGpuA,
        expect: [
          /^error: converge: converges each host to its cluster's declared state \(clusters\[\]\.desired in the inventory\), which `rollout start` does not pass/,
          /run `ibfleet plan -i \S*fleet\.yaml` to see the changes and `ibfleet apply -i \S*fleet\.yaml` to make them/,
        ],
      },
      {
        name: 'rollout start converge --dry-run too',
        argv: (f) => ['rollout', 'start', 'converge', '-i', f, '--dry-run'],
        yaml: VALID_INVENTORY,
        expect: [/converge: converges each host .* run `ibfleet plan -i \S*fleet\.yaml`/],
      },
      {
        name: 'plan with a bad desired state (field path, line)',
        argv: (f) => ['plan', '-i', f, '--select', 'cluster=gpu-a'],
        yaml: withDesired('mode: sriov\nnumVfs: 4\nmaxVfs: 4'),
        expect: [
          /fleet\.yaml:\d+:\d+: clusters\[0\]\.desired\.numVfs: numVfs \(NUM_OF_VFS\) must be greater/,
        ],
      },
      {
        name: 'plan and apply with an unknown switch and a pair of another cluster (the fields named)',
        argv: (f) => ['apply', '-i', f, '--select', 'cluster=gpu-a', '--watch'],
        yaml: withDesired(
          'mode: sriov\nnumVfs: 16\nmaxVfs: 4\nfabric: { switches: [ibsw-q], smVirtualization: true }\n' +
            'bandwidthGate: { pairs: [pair-a] }',
        ).replace('cluster: gpu-a', 'cluster: gpu-b'),
        expect: [
          /fleet\.yaml:\d+:\d+: clusters\[0\]\.desired\.fabric\.switches\[0\]: names no switch of this inventory: "ibsw-q" \(switches: ibsw-a\)/,
          /clusters\[0\]\.desired\.bandwidthGate\.pairs\[0\]: guest pair "pair-a" belongs to cluster "gpu-b" \(guestPairs\[0\]\.cluster\), not "gpu-a"/,
        ],
      },
      {
        name: 'plan with a bad --concurrency',
        argv: (f) => ['plan', '-i', f, '--select', 'cluster=gpu-a', '--concurrency', '0'],
        yaml: withGpuA,
        expect: [/--concurrency: must be a whole number from 1 to 500/],
      },
    ];
    it('apply passes the declared state (every check passes; only then is Temporal asked)', async () => {
      const file = dir.write('fleet.yaml', withGpuA);
      const h = harness();
      assert.notEqual(await h.run('apply', '-i', file, '--select', 'cluster=gpu-a'), 2, h.stderr());
      assert.doesNotMatch(h.stderr(), /converge: converges each host/);
      assert.equal(h.temporalCalls(), 1);
    });
    for (const c of cases) {
      it(c.name, async () => {
        const file = dir.write('fleet.yaml', c.yaml);
        const h = harness();
        assert.equal(await h.run(...c.argv(file)), 2, h.stdout() + h.stderr());
        for (const e of c.expect) assert.match(h.stderr(), e);
        assert.equal(h.temporalCalls(), 0);
      });
    }
  });
});
