import type { CardInfo, CardsState, HostStepInput } from '../../activities/contract';
import type { hostActivities } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { rebootAndAwaitReturn } from './reboot';
import { MaintenanceWindow } from './maintenance';
import { checkFirmware, verificationFailed, type FirmwareCheck } from './sriov-common';

type HostActs = ReturnType<typeof hostActivities>;

export const firmwareRebootSteps = [
  'boot-marker-1',
  'reboot-1',
  'await-return-1',
  'verify-firmware',
  'quick-boot-off',
  'boot-marker-2',
  'reboot-2',
  'await-return-2',
  'verify-firmware-cold',
  'quick-boot-restore',
];

/**
 * Reboot so mlxconfig's Next Boot values become Current, then verify Current. A warm Quick Boot may skip
 * firmware initialisation and leave them pending: then, when allowed, disable Quick Boot for one cold
 * reboot and restore it; otherwise say exactly that.
 */
export async function rebootUntilFirmwareApplied(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  cards: CardInfo[],
  intended: Record<string, string>,
  opts: { reason: string; viaEsxcli: boolean; allowColdReboot: boolean },
): Promise<FirmwareCheck> {
  const devices = cards.map((c) => c.device);
  await rebootAndAwaitReturn(run, acts, base, 1, opts.reason, opts.viaEsxcli);
  let after = await run.call(
    'verify-firmware',
    'verify mlxconfig Current values',
    acts.readCards,
    { ...base, devices },
    (s) => describe(checkFirmware(s.cards, intended)),
  );
  requireCards(devices, after.cards);
  let check = checkFirmware(after.cards, intended);
  if (check.wrong.length > 0)
    throw verificationFailed(`mlxconfig values not applied: ${check.wrong.join('; ')}`);
  if (check.pendingNextBoot.length === 0) {
    for (const s of firmwareRebootSteps.slice(4)) run.skip(s, 'firmware values applied by the first reboot');
    return check;
  }
  if (!opts.allowColdReboot) {
    throw verificationFailed(
      `mlxconfig values are still only "Next Boot" after a warm (Quick Boot) reboot: ${check.pendingNextBoot.join('; ')}; cold-reboot the host (or allow it with allowColdReboot)`,
    );
  }
  const qb = await run.call(
    'quick-boot-off',
    'disable Quick Boot for one cold reboot',
    acts.setQuickBoot,
    { ...base, enabled: false },
    (r) => (r.changed ? 'Quick Boot disabled' : 'Quick Boot already off'),
  );
  if (qb.changed) run.report.changes.push('Quick Boot disabled for a cold reboot');
  await rebootAndAwaitReturn(run, acts, base, 2, `${opts.reason} (cold, firmware)`, opts.viaEsxcli);
  after = await run.call(
    'verify-firmware-cold',
    'verify mlxconfig Current values after a cold reboot',
    acts.readCards,
    { ...base, devices },
    (s) => describe(checkFirmware(s.cards, intended)),
  );
  requireCards(devices, after.cards);
  check = checkFirmware(after.cards, intended);
  if (qb.before) {
    await run.call(
      'quick-boot-restore',
      'restore Quick Boot',
      acts.setQuickBoot,
      { ...base, enabled: true },
      () => 'Quick Boot enabled again',
    );
    run.report.changes.push('Quick Boot restored');
  } else {
    run.skip('quick-boot-restore', 'Quick Boot was off before');
  }
  if (!check.applied)
    throw verificationFailed(
      `mlxconfig values not applied after a cold reboot: ${[...check.pendingNextBoot, ...check.wrong].join('; ')}`,
    );
  return check;
}

/** A card that is gone after the reboot has nothing to compare: that is a failed verification, not a pass. */
function requireCards(devices: string[], cards: CardInfo[]): void {
  const missing = devices.filter((d) => !cards.some((c) => c.device === d));
  if (missing.length > 0)
    throw verificationFailed(
      `the host came back without card(s) ${missing.join(', ')} (not listed by mst status)`,
    );
}

function describe(check: FirmwareCheck): string {
  if (check.applied) return 'Current = intended on every card';
  return [...check.pendingNextBoot.map((p) => `pending: ${p}`), ...check.wrong].join('; ');
}

/**
 * The part sriov-enable and sriov-disable share once the firmware values are written: max_vfs in the
 * stored options, maintenance mode, the reboot(s) until mlxconfig Current holds the values, the VFs per
 * port, maintenance mode off.
 */
export async function setMaxVfsRebootAndVerify(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: {
    cards: CardInfo[];
    intended: Record<string, string>;
    maxVfsStep: string;
    /** The max_vfs list to store, or null to remove it. */
    maxVfs: string | null;
    vfsPerPort: number;
    reason: string;
    maintenance: { wanted: boolean; wasOn: boolean };
    allowColdReboot: boolean;
  },
): Promise<CardsState> {
  const mv = await run.call(
    o.maxVfsStep,
    o.maxVfs === null
      ? 'remove max_vfs from stored options'
      : `set max_vfs=${o.maxVfs} (merged into stored options)`,
    acts.setModuleOption,
    { ...base, key: 'max_vfs', value: o.maxVfs },
    (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
  );
  if (mv.changed) run.report.changes.push(`nmlx5_core options '${mv.before}' → '${mv.after}'`);

  const maintenance = await MaintenanceWindow.enter(run, acts, base, o.maintenance);
  await rebootUntilFirmwareApplied(run, acts, base, o.cards, o.intended, {
    reason: o.reason,
    viaEsxcli: o.maintenance.wanted,
    allowColdReboot: o.allowColdReboot,
  });
  const after = await run.call(
    'verify-vfs',
    `verify ${o.vfsPerPort} VF(s) per port`,
    acts.readCards,
    { ...base, devices: o.cards.map((c) => c.device) },
    (s) =>
      Object.entries(s.vfs)
        .map(([n, v]) => `${n}: ${v} VFs`)
        .join(', '),
  );
  const wrong = o.cards.flatMap((c) =>
    c.nics
      .filter((n) => (after.vfs[n] ?? 0) !== o.vfsPerPort)
      .map((n) => `${n}: ${after.vfs[n] ?? 0} VFs, wanted ${o.vfsPerPort}`),
  );
  if (wrong.length > 0)
    throw verificationFailed(`VFs per port not as intended after the reboot: ${wrong.join('; ')}`);
  run.endChange();
  await maintenance.exit();
  return after;
}
