import type { CardInfo, HostStepInput } from '../../activities/contract';
import { coldRebootStepOrder, firmwareRebootSteps as steps } from '../../common/procedure-steps';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { guardedReboot } from './reboot';
import { checkFirmware, type FirmwareCheck } from '../../common/firmware-values';
import { verificationFailed } from './failures';

export interface FirmwareRebootOptions {
  /** The cards whose mlxconfig values must become Current. */
  cards: CardInfo[];
  /** The values written to Next Boot, by mlxconfig name. */
  intended: Record<string, string>;
  reason: string;
  viaEsxcli: boolean;
  /** When a warm reboot left the values pending: disable Quick Boot for one cold reboot. */
  allowColdReboot: boolean;
}

/**
 * Reboot so mlxconfig's Next Boot values become Current, then verify Current. A warm Quick Boot may skip
 * firmware initialisation and leave them pending: then, when allowed, disable Quick Boot for one cold
 * reboot and restore it; otherwise say exactly that.
 */
export async function rebootUntilFirmwareApplied(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: FirmwareRebootOptions,
): Promise<FirmwareCheck> {
  const devices = o.cards.map((c) => c.device);
  const verify = async (step: string, summary: string) => {
    const read = await run.call(step, summary, acts.steps.readCards, { ...base, devices }, (s) =>
      describe(checkFirmware(s.cards, o.intended)),
    );
    requireCards(devices, read.cards);
    return checkFirmware(read.cards, o.intended);
  };

  // 1. A warm reboot, then mlxconfig's Current values.
  await guardedReboot(run, acts, base, {
    steps: steps.firstReboot,
    reason: o.reason,
    viaEsxcli: o.viaEsxcli,
  });
  const warm = await verify(steps.verifyFirmware, 'verify mlxconfig Current values');
  if (warm.wrong.length > 0)
    throw verificationFailed(`mlxconfig values not applied: ${warm.wrong.join('; ')}`);
  if (warm.pendingNextBoot.length === 0) {
    for (const s of coldRebootStepOrder) run.skip(s, 'firmware values applied by the first reboot');
    return warm;
  }
  if (!o.allowColdReboot) {
    throw verificationFailed(
      `mlxconfig values are still only "Next Boot" after a warm (Quick Boot) reboot: ${warm.pendingNextBoot.join('; ')}; cold-reboot the host (or allow it with allowColdReboot)`,
    );
  }

  // 2. Still pending (Quick Boot skipped firmware initialisation): one cold reboot with Quick Boot off.
  const quickBoot = await run.call(
    steps.quickBootOff,
    'disable Quick Boot for one cold reboot',
    acts.local.setQuickBoot,
    { ...base, enabled: false },
    (r) => (r.changed ? 'Quick Boot disabled' : 'Quick Boot already off'),
  );
  if (quickBoot.changed) run.report.changes.push('Quick Boot disabled for a cold reboot');
  await guardedReboot(run, acts, base, {
    steps: steps.coldReboot,
    reason: `${o.reason} (cold, firmware)`,
    viaEsxcli: o.viaEsxcli,
  });
  const cold = await verify(steps.verifyFirmwareCold, 'verify mlxconfig Current values after a cold reboot');

  // 3. Quick Boot as it was.
  if (quickBoot.before) {
    await run.call(
      steps.quickBootRestore,
      'restore Quick Boot',
      acts.local.setQuickBoot,
      { ...base, enabled: true },
      () => 'Quick Boot enabled again',
    );
    run.report.changes.push('Quick Boot restored');
  } else {
    run.skip(steps.quickBootRestore, 'Quick Boot was off before');
  }
  if (!cold.applied)
    throw verificationFailed(
      `mlxconfig values not applied after a cold reboot: ${[...cold.pendingNextBoot, ...cold.wrong].join('; ')}`,
    );
  return cold;
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
