import { versionAtLeast, type DesiredHostState } from './desired-state';
import { maxVfsList, mlxValue, type CardValues } from './firmware-values';
import type { PlanWorkloads } from './converge-vms';

// What `converge` would change on one host to reach its declared state, in the fewest reboots: pure and
// deterministic, so `ibfleet plan` (the CLI) and the converge workflow (after every reboot) compute the
// same plan from the same facts.
//
// Why these merges are safe and minimal:
// - mlxconfig values, max_vfs and the way back from recovery mode all take effect at the next boot and
//   do not depend on each other: they share one reboot (cold when firmware values change, so a Quick Boot
//   cannot leave them "Next Boot" only and cost a second reboot).
// - Cards mst status cannot list (guide 2.4) have no mlxconfig values to read or write: one reboot in
//   recovery mode first, then everything else with the reboot back to normal mode — 2 reboots, not 3-4.
// - MFT/NMST installed from a depot become active only at the next boot (the install says "Reboot
//   Required: true"); before that no card can be read. That reboot is made in recovery mode, so cards
//   that would come back hidden are listed at once, and the second reboot carries everything else:
//   2 reboots whatever the cards turn out to need (one more only if they were hidden, when found later).

export interface PlanVib {
  name: string;
  version: string;
}

/** The facts a plan is made from: readHostFacts and readCards of activities/contract.ts. */
export interface PlanFacts {
  vibs: PlanVib[];
  moduleLoaded: boolean;
  /** The stored nmlx5_core option string, exactly, and as key → value. */
  moduleOptions: string;
  moduleOptionValues: Record<string, string>;
  /** Cards listed by mst status (empty: hidden, or MFT/NMST not active). */
  mstDevices: string[];
  /** Cards with their mlxconfig values and ports (readCards). */
  cards: CardValues[];
  /** Every nmlx5 port in PCI order, and VFs per port. */
  ports: string[];
  vfs: Record<string, number>;
}

export interface PlanDifference {
  /** What differs: "mt4123_pciconf0 SRIOV_EN", "max_vfs", "vmnic2 VFs", "MFT (mft VIB)". */
  item: string;
  current: string;
  wanted: string;
}

export type MlxGroup = 'advanced-pci' | 'force-eth' | 'sriov' | 'sriov-off';

export type ConvergeAction =
  | { kind: 'install-mft'; depots: string[]; method: 'component' | 'vib' }
  | { kind: 'recovery-mode-on' }
  | { kind: 'mlxconfig'; device: string; group: MlxGroup; values: Record<string, string> }
  /**
   * Cards not readable yet (hidden, or MFT/NMST not active): their mlxconfig writes and max_vfs are
   * decided from what is read after the previous reboot.
   */
  | { kind: 'mlxconfig-after-reboot' }
  | { kind: 'max-vfs-after-reboot' }
  /** Take mst_recovery=1 off again: the stored string from before, byte for byte. */
  | { kind: 'normal-mode' }
  /** max_vfs merged into the stored options (null: removed). */
  | { kind: 'max-vfs'; value: string | null };

/** How a phase's reboot is made: cold (Quick Boot off for it) when firmware values change. */
export type RebootKind = 'warm' | 'cold' | 'cold-if-firmware-changes';

/** What must hold after a phase's reboot before the next phase starts. */
export type PhaseExpectation = 'mft-active' | 'cards-listed';

export interface ConvergePhase {
  actions: ConvergeAction[];
  reboot: { kind: RebootKind; reason: string };
  expect: PhaseExpectation[];
}

export interface HostConvergePlan {
  differences: PlanDifference[];
  /** Why the host cannot converge (nothing is changed on it); each says what to do instead. */
  blockers: string[];
  /** Remarks an operator should read (e.g. values read only after the first reboot). */
  notes: string[];
  /** Each phase's actions, then its reboot; the declared state is verified after the last. */
  phases: ConvergePhase[];
  reboots: number;
  /** Reboots made cold for certain; `cold-if-firmware-changes` ones are counted in maybeColdReboots. */
  coldReboots: number;
  maybeColdReboots: number;
  /** The powered-on VMs the VM policy deals with before the first change (only when a reboot is planned). */
  vms?: PlanWorkloads;
}

export const RECOVERY_KEY = 'mst_recovery';
const MFT_COMPONENTS = { mft: 'Mellanox-MFT-Tools', nmst: 'Mellanox-NATIVE-NMST' } as const;

/** The guide's mlxconfig commands per card, in its order (3.1 enable, 3.2 disable). */
export function mlxconfigGroups(
  desired: DesiredHostState,
): { group: MlxGroup; values: Record<string, string> }[] {
  if (desired.mode === 'passthrough')
    return [{ group: 'sriov-off', values: { SRIOV_EN: '0', NUM_OF_VFS: '0' } }];
  return [
    { group: 'advanced-pci', values: { ADVANCED_PCI_SETTINGS: '1' } },
    { group: 'force-eth', values: { FORCE_ETH_PCI_SUBCLASS: '1' } },
    { group: 'sriov', values: { SRIOV_EN: '1', NUM_OF_VFS: String(desired.numVfs ?? 0) } },
  ];
}

/** The stored max_vfs the declared state wants (null: no max_vfs at all). */
export function wantedMaxVfs(facts: PlanFacts, desired: DesiredHostState): string | null {
  const perPort = desired.mode === 'sriov' ? (desired.maxVfs ?? 0) : null;
  const list = maxVfsList(facts, facts.cards, perPort, facts.moduleOptionValues.max_vfs);
  return /^[0,]*$/.test(list) ? null : list;
}

function vibVersion(facts: PlanFacts, name: string): string | undefined {
  return facts.vibs.find((v) => v.name === name)?.version;
}

/** MFT/NMST VIBs missing or older than declared: one difference per VIB. */
function toolDifferences(facts: PlanFacts, desired: DesiredHostState): PlanDifference[] {
  const out: PlanDifference[] = [];
  for (const name of ['mft', 'nmst'] as const) {
    const have = vibVersion(facts, name);
    const min = desired.versions[name];
    if (have !== undefined && (min === undefined || versionAtLeast(have, min))) continue;
    out.push({
      item: `${name === 'mft' ? 'MFT' : 'NMST'} (${name} VIB)`,
      current: have ?? 'not installed',
      wanted: min ? `${min} or newer` : 'installed',
    });
  }
  return out;
}

function vlcmInstruction(desired: DesiredHostState): string {
  const comp = (name: 'mft' | 'nmst') =>
    `${MFT_COMPONENTS[name]}${desired.versions[name] ? ` ${desired.versions[name]} or newer` : ''}`;
  return (
    `the cluster is managed by a vLCM image: ibfleet does not install software on its hosts. Add the ` +
    `components ${comp('mft')} and ${comp('nmst')} to the cluster's image (Lifecycle Manager: Import ` +
    `Updates with the MFT and NMST zips, then edit the cluster image and add them; guide 2.2), remediate ` +
    `the cluster (guide 2.3), then run apply again`
  );
}

function describeParam(p: { current?: string; nextBoot: string } | undefined): string {
  if (!p) return 'not reported';
  const current = p.current ?? '?';
  return mlxValue(p.nextBoot) !== mlxValue(current) ? `${current} (Next Boot ${p.nextBoot})` : current;
}

/** Firmware values per card (Current and Next Boot must both hold the wanted value). */
function firmwarePlan(
  facts: PlanFacts,
  desired: DesiredHostState,
): { differences: PlanDifference[]; actions: ConvergeAction[]; currentChanges: boolean } {
  const differences: PlanDifference[] = [];
  const actions: ConvergeAction[] = [];
  let currentChanges = false;
  for (const card of facts.cards) {
    for (const g of mlxconfigGroups(desired)) {
      let groupDiffers = false;
      for (const [param, want] of Object.entries(g.values)) {
        const p = card.params[param];
        const currentOk = p?.current !== undefined && mlxValue(p.current) === want;
        const nextOk = p !== undefined && mlxValue(p.nextBoot) === want;
        if (currentOk && nextOk) continue;
        groupDiffers = true;
        if (!currentOk) currentChanges = true;
        differences.push({ item: `${card.device} ${param}`, current: describeParam(p), wanted: want });
      }
      if (groupDiffers)
        actions.push({ kind: 'mlxconfig', device: card.device, group: g.group, values: g.values });
    }
  }
  return { differences, actions, currentChanges };
}

/** The guide's VF rule per card, with the card's real port count. */
function vfRuleBlockers(facts: PlanFacts, desired: DesiredHostState): string[] {
  if (desired.mode !== 'sriov' || desired.numVfs === undefined || desired.maxVfs === undefined) return [];
  const { numVfs, maxVfs } = desired;
  return facts.cards
    .filter((c) => numVfs < maxVfs * c.nics.length + 1)
    .map(
      (c) =>
        `${c.device} has ${c.nics.length} port(s): numVfs ${numVfs} < maxVfs ${maxVfs} × ${c.nics.length} + 1 = ` +
        `${maxVfs * c.nics.length + 1} (one VF is reserved for the physical function, guide 3.1): declare a larger numVfs or a smaller maxVfs`,
    );
}

/** The phase that writes everything card- and driver-related, then reboots once (the last phase). */
function settlePhase(actions: ConvergeAction[], kind: RebootKind, reason: string): ConvergePhase {
  return { actions, reboot: { kind, reason }, expect: [] };
}

function withCounts(
  plan: Omit<HostConvergePlan, 'reboots' | 'coldReboots' | 'maybeColdReboots'>,
): HostConvergePlan {
  return {
    ...plan,
    reboots: plan.phases.length,
    coldReboots: plan.phases.filter((p) => p.reboot.kind === 'cold').length,
    maybeColdReboots: plan.phases.filter((p) => p.reboot.kind === 'cold-if-firmware-changes').length,
  };
}

/** The plan that brings a host from `facts` to `desired` (empty phases: converged, or blocked). */
export function planConvergence(facts: PlanFacts, desired: DesiredHostState): HostConvergePlan {
  const differences: PlanDifference[] = [];
  const blockers: string[] = [];
  const notes: string[] = [];

  // The inbox driver: ibfleet never changes ESXi itself.
  const nmlx5 = vibVersion(facts, 'nmlx5-core');
  if (nmlx5 === undefined || (desired.versions.nmlx5 && !versionAtLeast(nmlx5, desired.versions.nmlx5))) {
    differences.push({
      item: 'nmlx5 driver (nmlx5-core VIB)',
      current: nmlx5 ?? 'not installed',
      wanted: desired.versions.nmlx5 ? `${desired.versions.nmlx5} or newer` : 'installed',
    });
    blockers.push(
      'the inbox nmlx5 driver is missing or older than declared: update ESXi (its image) first; ibfleet does not change the driver',
    );
  }
  if (!facts.moduleLoaded)
    blockers.push('nmlx5_core is not loaded: run the module-reload procedure (or reboot the host) first');
  const stored = facts.moduleOptionValues[RECOVERY_KEY];
  if (stored !== undefined && !/^(0*|1)$/.test(stored))
    blockers.push(
      `the stored nmlx5_core options set ${RECOVERY_KEY}=${stored}; ibfleet knows only ${RECOVERY_KEY}=1 ` +
        `(recovery mode) and ${RECOVERY_KEY}=0 (normal mode): set it by hand first`,
    );

  const tools = toolDifferences(facts, desired);
  differences.push(...tools);
  const install = tools.length > 0;
  if (install && desired.vlcmImage) blockers.push(vlcmInstruction(desired));
  else if (install && !desired.mftInstall)
    blockers.push(
      'MFT/NMST are missing or too old and the declared state names no depot to install them from: ' +
        'declare mftInstall.depots (the MFT and NMST zips on a datastore, guide 2.1)',
    );

  const recoveryStored = stored === '1';
  const cardsListed = facts.mstDevices.length > 0 && facts.cards.length > 0;
  if (recoveryStored)
    differences.push({
      item: `nmlx5_core ${RECOVERY_KEY}`,
      current: '1 (recovery mode)',
      wanted: 'normal mode',
    });

  if (blockers.length > 0) return withCounts({ differences, blockers, notes, phases: [] });

  const reason = 'ibfleet converge';
  if (install || !cardsListed) {
    // Nothing card-related can be read yet: one reboot to make the cards readable, one for the rest.
    if (!install)
      differences.push({
        item: 'cards in mst status',
        current: 'none listed',
        wanted: 'listed (one boot in recovery mode, guide 2.4)',
      });
    notes.push(
      install
        ? 'mlxconfig values, max_vfs and VFs are read once MFT/NMST are active (after reboot 1); the install reboot is made in recovery mode so hidden cards are listed at once'
        : 'mlxconfig values, max_vfs and VFs are read once the cards are listed (after reboot 1)',
    );
    const first: ConvergeAction[] = [];
    if (install && desired.mftInstall)
      first.push({
        kind: 'install-mft',
        depots: desired.mftInstall.depots,
        method: desired.mftInstall.method,
      });
    if (!recoveryStored) first.push({ kind: 'recovery-mode-on' });
    return withCounts({
      differences,
      blockers,
      notes,
      phases: [
        {
          actions: first,
          reboot: { kind: 'warm', reason: `${reason}: ${install ? 'MFT/NMST, ' : ''}recovery mode` },
          expect: install ? ['mft-active', 'cards-listed'] : ['cards-listed'],
        },
        settlePhase(
          [{ kind: 'mlxconfig-after-reboot' }, { kind: 'normal-mode' }, { kind: 'max-vfs-after-reboot' }],
          'cold-if-firmware-changes',
          `${reason}: firmware, max_vfs, normal mode`,
        ),
      ],
    });
  }

  // Every card readable: compare and write what differs; one reboot takes it all in.
  blockers.push(...vfRuleBlockers(facts, desired));
  if (blockers.length > 0) return withCounts({ differences, blockers, notes, phases: [] });
  const firmware = firmwarePlan(facts, desired);
  differences.push(...firmware.differences);
  const actions: ConvergeAction[] = [...firmware.actions];
  if (recoveryStored) actions.push({ kind: 'normal-mode' });
  const maxVfs = wantedMaxVfs(facts, desired);
  if ((facts.moduleOptionValues.max_vfs ?? null) !== maxVfs) {
    differences.push({
      item: 'max_vfs',
      current: facts.moduleOptionValues.max_vfs ?? '(not set)',
      wanted: maxVfs ?? '(not set)',
    });
    actions.push({ kind: 'max-vfs', value: maxVfs });
  }
  const vfsPerPort = desired.mode === 'sriov' ? (desired.maxVfs ?? 0) : 0;
  let vfsDiffer = false;
  for (const port of facts.cards.flatMap((c) => c.nics)) {
    const have = facts.vfs[port] ?? 0;
    if (have === vfsPerPort) continue;
    vfsDiffer = true;
    differences.push({ item: `${port} VFs`, current: String(have), wanted: String(vfsPerPort) });
  }
  const needsReboot = actions.length > 0 || vfsDiffer;
  if (!needsReboot) return withCounts({ differences, blockers, notes, phases: [] });
  return withCounts({
    differences,
    blockers,
    notes,
    phases: [
      settlePhase(
        actions,
        firmware.currentChanges ? 'cold' : 'warm',
        `${reason}: ${firmware.currentChanges ? 'firmware, ' : ''}${recoveryStored ? 'normal mode, ' : ''}max_vfs`,
      ),
    ],
  });
}

/** The plan's actions as an operator reads them (also the step list of `ibfleet plan`). */
export function describeAction(a: ConvergeAction): string {
  switch (a.kind) {
    case 'install-mft':
      return `install MFT/NMST: esxcli software ${a.method === 'vib' ? 'vib install' : 'component apply'} -d ${a.depots.join(', then -d ')}`;
    case 'recovery-mode-on':
      return `set ${RECOVERY_KEY}=1 (recovery mode, appended to the stored nmlx5_core options)`;
    case 'mlxconfig':
      return `mlxconfig -d ${a.device} -y set ${Object.entries(a.values)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`;
    case 'mlxconfig-after-reboot':
      return 'mlxconfig: the declared values that differ, per card, once the cards are readable';
    case 'max-vfs-after-reboot':
      return "max_vfs as declared for the cards' ports, when the stored options differ";
    case 'normal-mode':
      return `restore the stored nmlx5_core options without ${RECOVERY_KEY}=1 (normal mode), byte for byte`;
    case 'max-vfs':
      return a.value === null
        ? 'remove max_vfs from the stored nmlx5_core options (when set)'
        : `set max_vfs=${a.value} (merged into the stored nmlx5_core options)`;
  }
}

/** What a phase expected after its reboot and the facts read then do not show (empty: all met). */
export function unmetExpectations(
  facts: PlanFacts,
  desired: DesiredHostState,
  expect: readonly PhaseExpectation[],
): string[] {
  const out: string[] = [];
  if (expect.includes('mft-active'))
    for (const d of toolDifferences(facts, desired))
      out.push(`${d.item} is ${d.current} after the install reboot (wanted ${d.wanted})`);
  if (expect.includes('cards-listed') && (facts.mstDevices.length === 0 || facts.cards.length === 0))
    out.push('mst status lists no card after the reboot in recovery mode');
  return out;
}
