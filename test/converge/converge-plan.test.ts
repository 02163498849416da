import assert from 'node:assert/strict';
import { planConvergence, type HostConvergePlan, type PlanFacts } from '../../common/converge-plan';
import { withVmPolicy, type PlanVm } from '../../common/converge-vms';
import type { DesiredHostState } from '../../common/desired-state';
import type { CardValues } from '../../common/firmware-values';
import { workloadOptionsSchema, type WorkloadOptions } from '../../common/workloads';

// The converge planner (common/converge-plan.ts): from a host's facts and its declared state, the
// differences, the ordered actions and the fewest reboots. Pure: every case is facts in, plan out.

const NMLX5 = '4.23.0.66-2vmw.802.0.0.22380479';
const MFT = '4.26.1.3-0';
const NMST = '4.26.1.3-1OEM.801.0.0.21495797';
const DEPOT = '/vmfs/volumes/datastore1/mft-depot.zip';

const SRIOV: DesiredHostState = {
  mode: 'sriov',
  numVfs: 16,
  maxVfs: 4,
  versions: {},
  mftInstall: { depots: [DEPOT], method: 'component' },
  vlcmImage: false,
};
const PASSTHROUGH: DesiredHostState = { ...SRIOV, mode: 'passthrough', numVfs: undefined, maxVfs: undefined };

type Values = Record<string, number>;
const OFF: Values = { SRIOV_EN: 0, NUM_OF_VFS: 0, ADVANCED_PCI_SETTINGS: 0, FORCE_ETH_PCI_SUBCLASS: 0 };
const ON_16: Values = { SRIOV_EN: 1, NUM_OF_VFS: 16, ADVANCED_PCI_SETTINGS: 1, FORCE_ETH_PCI_SUBCLASS: 1 };
const BOOL = new Set(['SRIOV_EN', 'ADVANCED_PCI_SETTINGS', 'FORCE_ETH_PCI_SUBCLASS']);

/** mlxconfig's way of showing a value: True(1) / False(0) for booleans. */
const shown = (k: string, v: number) => (BOOL.has(k) ? (v ? 'True(1)' : 'False(0)') : String(v));

/** A dual-port ConnectX-6 (vmnic2, vmnic3) with Current values `current` and Next Boot `next`. */
function card(
  current: Values,
  next: Values = current,
  device = 'mt4123_pciconf0',
  nics = ['vmnic2', 'vmnic3'],
): CardValues {
  return {
    device,
    nics,
    params: Object.fromEntries(
      Object.keys(current).map((k) => [k, { current: shown(k, current[k]), nextBoot: shown(k, next[k]) }]),
    ),
  };
}

function facts(o: Partial<PlanFacts> & { options?: string } = {}): PlanFacts {
  const options = o.options ?? o.moduleOptions ?? 'trust_state=2';
  const values = Object.fromEntries(
    options
      .split(/\s+/)
      .filter((w) => w !== '')
      .map((w) => [w.split('=')[0], w.split('=')[1] ?? '']),
  );
  const cards = o.cards ?? [card(OFF)];
  return {
    vibs: o.vibs ?? [
      { name: 'nmlx5-core', version: NMLX5 },
      { name: 'mft', version: MFT },
      { name: 'nmst', version: NMST },
    ],
    moduleLoaded: o.moduleLoaded ?? true,
    moduleOptions: options,
    moduleOptionValues: o.moduleOptionValues ?? values,
    mstDevices: o.mstDevices ?? cards.map((c) => c.device),
    cards,
    ports: o.ports ?? cards.flatMap((c) => c.nics),
    vfs: o.vfs ?? {},
  };
}

const actionsOf = (p: HostConvergePlan) =>
  p.phases.map((ph) =>
    ph.actions.map((a) =>
      a.kind === 'mlxconfig'
        ? `mlxconfig ${a.device} ${a.group}`
        : a.kind === 'max-vfs'
          ? `max-vfs ${a.value}`
          : a.kind,
    ),
  );
const rebootsOf = (p: HostConvergePlan) => p.phases.map((ph) => ph.reboot.kind);
const itemsOf = (p: HostConvergePlan) => p.differences.map((d) => d.item);

/** Facts as they would be read after the plan's single reboot (cold when planned so): the host converged. */
function afterSettle(f: PlanFacts, desired: DesiredHostState, p: HostConvergePlan): PlanFacts {
  assert.equal(p.phases.length, 1);
  const cold = p.phases[0].reboot.kind === 'cold';
  const writes = new Map<string, Record<string, string>>();
  let options = f.moduleOptionValues;
  for (const a of p.phases[0].actions) {
    if (a.kind === 'mlxconfig') writes.set(a.device, { ...(writes.get(a.device) ?? {}), ...a.values });
    if (a.kind === 'max-vfs') {
      const { max_vfs: _old, ...rest } = options;
      void _old;
      options = a.value === null ? rest : { ...rest, max_vfs: a.value };
    }
    if (a.kind === 'normal-mode') {
      const { mst_recovery: _r, ...rest } = options;
      void _r;
      options = rest;
    }
  }
  const cards = f.cards.map((c) => ({
    ...c,
    params: Object.fromEntries(
      Object.entries(c.params).map(([k, v]) => {
        const next =
          writes.get(c.device)?.[k] !== undefined ? shown(k, Number(writes.get(c.device)?.[k])) : v.nextBoot;
        return [k, { current: cold ? next : v.current, nextBoot: next }];
      }),
    ),
  }));
  const perPort = desired.mode === 'sriov' ? (desired.maxVfs ?? 0) : 0;
  return {
    ...f,
    cards,
    moduleOptionValues: options,
    vfs: Object.fromEntries(f.ports.map((p) => [p, perPort])),
  };
}

describe('converge: the plan (pure)', () => {
  it('an already converged SR-IOV host: no difference, no step, no reboot', () => {
    const f = facts({
      cards: [card(ON_16)],
      options: 'trust_state=2 max_vfs=4,4',
      vfs: { vmnic2: 4, vmnic3: 4 },
    });
    const p = planConvergence(f, SRIOV);
    assert.deepEqual(p.differences, []);
    assert.deepEqual(p.phases, []);
    assert.deepEqual([p.reboots, p.coldReboots, p.blockers], [0, 0, []]);
  });

  it("SR-IOV off → on: the guide's three mlxconfig writes per card, max_vfs per port, one cold reboot", () => {
    const f = facts();
    const p = planConvergence(f, SRIOV);
    assert.deepEqual(itemsOf(p), [
      'mt4123_pciconf0 ADVANCED_PCI_SETTINGS',
      'mt4123_pciconf0 FORCE_ETH_PCI_SUBCLASS',
      'mt4123_pciconf0 SRIOV_EN',
      'mt4123_pciconf0 NUM_OF_VFS',
      'max_vfs',
      'vmnic2 VFs',
      'vmnic3 VFs',
    ]);
    assert.deepEqual(
      p.differences.find((d) => d.item === 'mt4123_pciconf0 SRIOV_EN'),
      {
        item: 'mt4123_pciconf0 SRIOV_EN',
        current: 'False(0)',
        wanted: '1',
      },
    );
    assert.deepEqual(
      p.differences.find((d) => d.item === 'max_vfs'),
      { item: 'max_vfs', current: '(not set)', wanted: '4,4' },
    );
    assert.deepEqual(actionsOf(p), [
      [
        'mlxconfig mt4123_pciconf0 advanced-pci',
        'mlxconfig mt4123_pciconf0 force-eth',
        'mlxconfig mt4123_pciconf0 sriov',
        'max-vfs 4,4',
      ],
    ]);
    assert.deepEqual(rebootsOf(p), ['cold']);
    assert.deepEqual([p.reboots, p.coldReboots], [1, 1]);
    assert.deepEqual(
      planConvergence(afterSettle(f, SRIOV, p), SRIOV).phases,
      [],
      'after its reboot: converged',
    );
  });

  it('SR-IOV on with the wrong VF count: only NUM_OF_VFS and max_vfs change, one cold reboot', () => {
    const f = facts({
      cards: [card({ ...ON_16, NUM_OF_VFS: 8 })],
      options: 'max_vfs=2,2',
      vfs: { vmnic2: 2, vmnic3: 2 },
    });
    const p = planConvergence(f, SRIOV);
    assert.deepEqual(itemsOf(p), ['mt4123_pciconf0 NUM_OF_VFS', 'max_vfs', 'vmnic2 VFs', 'vmnic3 VFs']);
    assert.deepEqual(actionsOf(p), [['mlxconfig mt4123_pciconf0 sriov', 'max-vfs 4,4']]);
    assert.deepEqual(rebootsOf(p), ['cold']);
    assert.deepEqual(planConvergence(afterSettle(f, SRIOV, p), SRIOV).phases, []);
  });

  it('only max_vfs differs: a warm reboot (no firmware value changes)', () => {
    const f = facts({ cards: [card(ON_16)], options: 'max_vfs=2,2', vfs: { vmnic2: 2, vmnic3: 2 } });
    const p = planConvergence(f, SRIOV);
    assert.deepEqual(actionsOf(p), [['max-vfs 4,4']]);
    assert.deepEqual([rebootsOf(p), p.coldReboots], [['warm'], 0]);
  });

  it('values written but not applied (Quick Boot): still a difference, written again as a no-op, one cold reboot', () => {
    const f = facts({ cards: [card({ ...ON_16, SRIOV_EN: 0 }, ON_16)], options: 'max_vfs=4,4', vfs: {} });
    const p = planConvergence(f, SRIOV);
    assert.deepEqual(p.differences[0], {
      item: 'mt4123_pciconf0 SRIOV_EN',
      current: 'False(0) (Next Boot True(1))',
      wanted: '1',
    });
    assert.deepEqual(rebootsOf(p), ['cold']);
  });

  it('a Next Boot value someone else wrote is put back even when Current is right', () => {
    const p = planConvergence(
      facts({
        cards: [card(ON_16, { ...ON_16, NUM_OF_VFS: 8 })],
        options: 'max_vfs=4,4',
        vfs: { vmnic2: 4, vmnic3: 4 },
      }),
      SRIOV,
    );
    assert.deepEqual(actionsOf(p), [['mlxconfig mt4123_pciconf0 sriov']]);
    assert.deepEqual(rebootsOf(p), ['warm'], 'Current already holds it: the reboot need not be cold');
  });

  it('hidden cards: recovery mode → reboot → cards listed → writes, normal mode and max_vfs → one more reboot: 2, not 3-4', () => {
    const p = planConvergence(facts({ cards: [], mstDevices: [], ports: ['vmnic2', 'vmnic3'] }), SRIOV);
    assert.deepEqual(itemsOf(p), ['cards in mst status']);
    assert.deepEqual(actionsOf(p), [
      ['recovery-mode-on'],
      ['mlxconfig-after-reboot', 'normal-mode', 'max-vfs-after-reboot'],
    ]);
    assert.deepEqual(rebootsOf(p), ['warm', 'cold-if-firmware-changes']);
    assert.deepEqual(p.phases[0].expect, ['cards-listed']);
    assert.deepEqual([p.reboots, p.coldReboots, p.maybeColdReboots], [2, 0, 1]);
  });

  it('hidden cards after reboot 1 (recovery stored, cards listed): everything else in one cold reboot', () => {
    const f = facts({ options: 'trust_state=2 mst_recovery=1' });
    const p = planConvergence(f, SRIOV);
    assert.ok(itemsOf(p).includes('nmlx5_core mst_recovery'));
    assert.deepEqual(actionsOf(p), [
      [
        'mlxconfig mt4123_pciconf0 advanced-pci',
        'mlxconfig mt4123_pciconf0 force-eth',
        'mlxconfig mt4123_pciconf0 sriov',
        'normal-mode',
        'max-vfs 4,4',
      ],
    ]);
    assert.deepEqual(rebootsOf(p), ['cold']);
    assert.deepEqual(planConvergence(afterSettle(f, SRIOV, p), SRIOV).phases, []);
  });

  it('recovery mode left stored on a host that is otherwise right: one warm reboot back to normal mode', () => {
    const p = planConvergence(
      facts({ cards: [card(ON_16)], options: 'max_vfs=4,4 mst_recovery=1', vfs: { vmnic2: 4, vmnic3: 4 } }),
      SRIOV,
    );
    assert.deepEqual(actionsOf(p), [['normal-mode']]);
    assert.deepEqual(rebootsOf(p), ['warm']);
  });

  it('hidden cards with recovery mode already stored (an interrupted run): no write before the first reboot', () => {
    const p = planConvergence(facts({ cards: [], mstDevices: [], options: 'mst_recovery=1' }), SRIOV);
    assert.deepEqual(actionsOf(p), [[], ['mlxconfig-after-reboot', 'normal-mode', 'max-vfs-after-reboot']]);
    assert.equal(p.reboots, 2);
  });

  it('MFT missing: install from the depot in recovery mode, then everything else: 2 reboots', () => {
    const p = planConvergence(
      facts({ vibs: [{ name: 'nmlx5-core', version: NMLX5 }], cards: [], mstDevices: [] }),
      SRIOV,
    );
    assert.deepEqual(p.differences, [
      { item: 'MFT (mft VIB)', current: 'not installed', wanted: 'installed' },
      { item: 'NMST (nmst VIB)', current: 'not installed', wanted: 'installed' },
    ]);
    assert.deepEqual(actionsOf(p), [
      ['install-mft', 'recovery-mode-on'],
      ['mlxconfig-after-reboot', 'normal-mode', 'max-vfs-after-reboot'],
    ]);
    assert.deepEqual(p.phases[0].actions[0], { kind: 'install-mft', depots: [DEPOT], method: 'component' });
    assert.deepEqual(p.phases[0].expect, ['mft-active', 'cards-listed']);
    assert.equal(p.reboots, 2);
    assert.match(p.notes.join(' '), /read once MFT\/NMST are active/);
  });

  it('MFT older than declared: installed again from the depot', () => {
    const p = planConvergence(
      facts({ cards: [card(ON_16)], options: 'max_vfs=4,4', vfs: { vmnic2: 4, vmnic3: 4 } }),
      {
        ...SRIOV,
        versions: { mft: '4.27' },
      },
    );
    assert.deepEqual(p.differences, [{ item: 'MFT (mft VIB)', current: MFT, wanted: '4.27 or newer' }]);
    assert.equal(actionsOf(p)[0][0], 'install-mft');
  });

  it('MFT missing on a vLCM-managed cluster: nothing is changed, the plan says what to add to the image', () => {
    const p = planConvergence(
      facts({ vibs: [{ name: 'nmlx5-core', version: NMLX5 }], cards: [], mstDevices: [] }),
      {
        ...SRIOV,
        versions: { mft: '4.26.1', nmst: '4.26.1' },
        vlcmImage: true,
      },
    );
    assert.deepEqual(p.phases, []);
    assert.equal(p.blockers.length, 1);
    assert.match(p.blockers[0], /vLCM image: ibfleet does not install software/);
    assert.match(
      p.blockers[0],
      /Mellanox-MFT-Tools 4\.26\.1 or newer and Mellanox-NATIVE-NMST 4\.26\.1 or newer/,
    );
  });

  it('MFT missing and no depot declared: blocked, saying what to declare', () => {
    const { mftInstall: _m, ...noDepot } = SRIOV;
    void _m;
    const p = planConvergence(
      facts({ vibs: [{ name: 'nmlx5-core', version: NMLX5 }], cards: [], mstDevices: [] }),
      noDepot,
    );
    assert.deepEqual(p.phases, []);
    assert.match(p.blockers[0], /declare mftInstall\.depots/);
  });

  it('passthrough wanted on an SR-IOV host: SRIOV_EN=0 NUM_OF_VFS=0, max_vfs removed, other options kept, one cold reboot', () => {
    const f = facts({
      cards: [card(ON_16)],
      options: 'trust_state=2 max_vfs=4,4',
      vfs: { vmnic2: 4, vmnic3: 4 },
    });
    const p = planConvergence(f, PASSTHROUGH);
    assert.deepEqual(itemsOf(p), [
      'mt4123_pciconf0 SRIOV_EN',
      'mt4123_pciconf0 NUM_OF_VFS',
      'max_vfs',
      'vmnic2 VFs',
      'vmnic3 VFs',
    ]);
    assert.deepEqual(actionsOf(p), [['mlxconfig mt4123_pciconf0 sriov-off', 'max-vfs null']]);
    assert.deepEqual(rebootsOf(p), ['cold']);
    assert.deepEqual(planConvergence(afterSettle(f, PASSTHROUGH, p), PASSTHROUGH).phases, []);
  });

  it('passthrough already: ADVANCED_PCI_SETTINGS / FORCE_ETH_PCI_SUBCLASS are left as they are (guide 3.2)', () => {
    const p = planConvergence(
      facts({ cards: [card({ ...OFF, ADVANCED_PCI_SETTINGS: 1, FORCE_ETH_PCI_SUBCLASS: 1 })] }),
      PASSTHROUGH,
    );
    assert.deepEqual([p.differences, p.phases], [[], []]);
  });

  it("max_vfs of ports on other devices is kept; the cards' ports get the declared value", () => {
    const f = facts({ options: 'max_vfs=0,0,8', ports: ['vmnic2', 'vmnic3', 'vmnic9'] });
    const maxVfs = planConvergence(f, SRIOV).phases[0].actions.find((a) => a.kind === 'max-vfs');
    assert.deepEqual(maxVfs, { kind: 'max-vfs', value: '4,4,8' });
  });

  it("the guide's VF rule per card with its real ports: a dual-port card with 8 VFs of 4 per port is refused before any change", () => {
    const p = planConvergence(facts(), { ...SRIOV, numVfs: 8 });
    assert.deepEqual(p.phases, []);
    assert.match(p.blockers[0], /mt4123_pciconf0 has 2 port\(s\): numVfs 8 < maxVfs 4 × 2 \+ 1 = 9/);
  });

  it('blocked without a change: a driver older than declared, nmlx5_core not loaded, an mst_recovery value it does not know', () => {
    assert.match(
      planConvergence(facts(), { ...SRIOV, versions: { nmlx5: '4.24' } }).blockers[0],
      /update ESXi/,
    );
    assert.match(planConvergence(facts({ moduleLoaded: false }), SRIOV).blockers[0], /module-reload/);
    assert.match(planConvergence(facts({ options: 'mst_recovery=2' }), SRIOV).blockers[0], /mst_recovery=2/);
    for (const p of [
      planConvergence(facts(), { ...SRIOV, versions: { nmlx5: '4.24' } }),
      planConvergence(facts({ moduleLoaded: false }), SRIOV),
    ])
      assert.deepEqual(p.phases, []);
  });

  describe('the VM policy (withVmPolicy): what apply does with the powered-on VMs of a host it reboots', () => {
    const GPU: PlanVm = { name: 'train-01', devices: [{ kind: 'passthrough', id: '0000:17:00.0' }] };
    const WEB: PlanVm = { name: 'web', devices: [] };
    const policy = (o: Partial<WorkloadOptions>) => workloadOptionsSchema.parse(o);
    const converged = () =>
      planConvergence(
        facts({ cards: [card(ON_16)], options: 'max_vfs=4,4', vfs: { vmnic2: 4, vmnic3: 4 } }),
        SRIOV,
      );

    it('shutdown: the VMs are listed in order with the effect; the phases and reboots stay', () => {
      const p = planConvergence(facts(), SRIOV);
      const v = withVmPolicy(p, [GPU, WEB], policy({ policy: 'shutdown', guestShutdownTimeoutMs: 120_000 }));
      assert.deepEqual(v.phases, p.phases);
      assert.equal(v.reboots, 1);
      assert.deepEqual(v.blockers, []);
      assert.equal(v.vms?.policy, 'shutdown');
      assert.deepEqual(v.vms?.poweredOn, [GPU, WEB]);
      assert.match(
        v.vms?.effect ?? '',
        /guest shutdown \(up to 120s; one still running then leaves the host unchanged/,
      );
      assert.match(v.vms?.effect ?? '', /powered on again in this order/);
      assert.match(
        withVmPolicy(p, [WEB], policy({ policy: 'shutdown', forcePowerOff: true })).vms?.effect ?? '',
        /then powered off hard: --force-power-off/,
      );
      assert.deepEqual(p.vms, undefined, 'the plan given is not changed');
    });

    it('wait: the host waits for their owners, up to the drain deadline', () => {
      const v = withVmPolicy(
        planConvergence(facts(), SRIOV),
        [WEB],
        policy({ policy: 'wait', drainDeadlineMs: 600_000 }),
      );
      assert.equal(v.reboots, 1);
      assert.match(
        v.vms?.effect ?? '',
        /waits up to 600s for their owners to power them off, changing nothing before/,
      );
    });

    it('refuse (the default): the host is blocked, no phase, naming the VMs and the reboots it would need', () => {
      const p = planConvergence(facts(), SRIOV);
      const v = withVmPolicy(p, [GPU, WEB], policy({}));
      assert.deepEqual([v.phases, v.reboots, v.coldReboots], [[], 0, 0]);
      assert.deepEqual(v.differences, p.differences, 'what differs is still shown');
      assert.equal(v.blockers.length, 1);
      assert.match(
        v.blockers[0],
        /^2 VM\(s\) powered on: train-01, web; --vm-policy refuse leaves a host with running VMs untouched/,
      );
      assert.match(v.blockers[0], /\(then 1 reboot\(s\)\)$/);
      assert.equal(v.vms?.policy, 'refuse');
    });

    it('no VM running, or no reboot planned (converged or blocked): the plan as it is', () => {
      const p = planConvergence(facts(), SRIOV);
      assert.deepEqual(withVmPolicy(p, [], policy({})), p);
      const c = converged();
      assert.deepEqual(withVmPolicy(c, [GPU], policy({ policy: 'shutdown' })), c);
      const blocked = planConvergence(facts({ moduleLoaded: false }), SRIOV);
      assert.deepEqual(withVmPolicy(blocked, [GPU], policy({})), blocked);
    });
  });

  it('is deterministic: the same facts give the same plan', () => {
    const f = facts({ cards: [card(OFF), card(ON_16, ON_16, 'mt4123_pciconf1', ['vmnic4', 'vmnic5'])] });
    assert.deepEqual(planConvergence(f, SRIOV), planConvergence(structuredClone(f), SRIOV));
    assert.deepEqual(actionsOf(planConvergence(f, SRIOV)), [
      [
        'mlxconfig mt4123_pciconf0 advanced-pci',
        'mlxconfig mt4123_pciconf0 force-eth',
        'mlxconfig mt4123_pciconf0 sriov',
        'max-vfs 4,4,4,4',
      ],
    ]);
  });
});
