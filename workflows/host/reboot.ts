import { patched } from '@temporalio/workflow';
import type { Audited, BootMarker, HostReturn, HostStepInput } from '../../activities/contract';
import type { RebootSteps } from '../../common/procedure-steps';
import { compactSteps, type HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { vcenterHost } from './vcenter-path';
import { rebootThroughVcenter } from './vcenter-reboot';

export interface GuardedRebootOptions {
  /** The reboot's steps (rebootSteps(n): boot-marker-n, reboot-n, await-return-n). */
  steps: RebootSteps;
  /** Why, in the host's log (`esxcli system shutdown reboot -r`) and the activity summary. */
  reason: string;
  /** Reboot with `esxcli system shutdown reboot` (needs maintenance mode), else busybox `reboot`. */
  viaEsxcli: boolean;
  /**
   * The boot marker the step before read after its write (READS_ALONGSIDE_PATCH, readsBootMarkerAs):
   * recorded as the boot-marker step instead of reading it in a step of its own.
   */
  markerRead?: BootMarker & Audited;
}

/**
 * Workflows started since this patch read two things alongside other reads instead of in local
 * activities of their own (each one round trip and one workflow-task hand-off fewer per reboot):
 * (1) the boot marker a reboot is guarded by, read by the write before it after its write
 * (readsBootMarkerAs: any reboot after that read is still after the write); (2) the cards after a reboot
 * (`mst status`, recovery-cycle's verify step), read by the reboot activity with the boot-marker read that
 * ends the stability window (guardedRebootThenListCards): the window and its guarantee are unchanged
 * (the activity returns only once the new boot has answered for stabilityMs), the read is on the
 * connection that proves it, and nothing is written before the window ends. A result without them (a
 * read that failed, a history from before) takes the step of old. Workflows started before the patch read
 * both in local activities and replay that way.
 *
 * Retiring it: once no open host workflow started before the patch, `deprecatePatch` it, then remove it.
 */
export const READS_ALONGSIDE_PATCH = 'ibfleet-reads-alongside';

/**
 * The input that asks the write before a reboot to read the boot marker after its write, recorded as
 * that reboot's boot-marker step (since READS_ALONGSIDE_PATCH; over SSH only: a reboot through vCenter
 * reads vCenter's boot time with it).
 */
export function readsBootMarkerAs(run: ProcedureRun, steps: RebootSteps): { readBootMarkerAs?: string } {
  if (vcenterHost(run) !== undefined || !compactSteps() || !patched(READS_ALONGSIDE_PATCH)) return {};
  return { readBootMarkerAs: steps.bootMarker };
}

/** A verify step that lists the cards in `mst status` and requires at least one. */
export interface ListCardsStep {
  step: string;
  summary: string;
  describe: (r: { devices: string[] }) => string;
}

/**
 * One guarded reboot: record the boot marker (it stays in history for good), reboot only if the marker
 * is still that one, then wait for a new marker that stays up for the stability window.
 */
export async function guardedReboot(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  options: GuardedRebootOptions,
): Promise<BootMarker> {
  return (await rebootAndReturn(run, acts, base, options)).marker;
}

/**
 * guardedReboot, then the cards listed (at least one required) as `verify.step`. Since
 * READS_ALONGSIDE_PATCH the reboot activity reads them with the window's last read; a host whose read
 * failed there or listed no card is read again by the step of old (which fails without cards).
 */
export async function guardedRebootThenListCards(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  options: GuardedRebootOptions,
  verify: ListCardsStep,
): Promise<{ devices: string[] }> {
  const { cards } = await rebootAndReturn(run, acts, base, options, verify.step);
  if (cards && cards.devices.length > 0)
    return await run.step(verify.step, () => Promise.resolve(cards), verify.describe, { local: true });
  return await run.call(
    verify.step,
    verify.summary,
    acts.local.listMstDevices,
    { ...base, require: true },
    verify.describe,
  );
}

async function rebootAndReturn(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  { steps, reason, viaEsxcli, markerRead }: GuardedRebootOptions,
  /** The verify step whose cards the reboot activity may read (READS_ALONGSIDE_PATCH). */
  listCardsAs?: string,
): Promise<{ marker: BootMarker; cards?: Audited & { devices: string[] } }> {
  const n = steps.n;
  // Through vCenter for hosts that have one (issue #14, vcenter-reboot.ts).
  const throughVcenter = await rebootThroughVcenter(run, acts, base, n, reason, viaEsxcli);
  if (throughVcenter) return { marker: throughVcenter };

  const host = base.host.name;
  const describeMarker = (m: BootMarker) => `boot #${m.boots}, up ${Math.round(m.uptimeMs / 1000)}s`;
  const before = markerRead
    ? await run.step(steps.bootMarker, () => Promise.resolve(markerRead), describeMarker, { local: true })
    : await run.call(
        steps.bootMarker,
        `read boot marker before reboot #${n}`,
        acts.local.readBootMarker,
        base,
        describeMarker,
      );

  const describeReturn = (r: HostReturn) =>
    `back after ${Math.round(r.waitedMs / 100) / 10}s (boot #${r.marker.boots})`;
  if (compactSteps()) {
    const deadlineAt = Date.now() + base.timing.bootDeadlineMs;
    const cardsAs = listCardsAs !== undefined && patched(READS_ALONGSIDE_PATCH) ? { listCardsAs } : {};
    const back = await run.callRebootAndReturn(
      { reboot: steps.reboot, wait: steps.awaitReturn },
      () =>
        acts.reboot.rebootAndAwaitReturn.executeWithOptions(
          {
            summary: `reboot #${n} of ${host} (${reason}) and await it back, boot #${before.boots} → #${before.boots + 1}`,
          },
          [{ ...base, step: steps.reboot, before, reason, viaEsxcli, deadlineAt, ...cardsAs }],
        ),
      describeReturn,
    );
    return { marker: back.marker, ...(back.cards ? { cards: back.cards } : {}) };
  }

  // Workflows started before COMPACT_STEPS_PATCH: the reboot and the wait as two activities.
  await run.step(
    steps.reboot,
    () =>
      acts.reboot.rebootIfStill.executeWithOptions({ summary: `reboot #${n} of ${host} (${reason})` }, [
        { ...base, step: steps.reboot, before, reason, viaEsxcli },
      ]),
    (r) => r.detail,
  );
  run.rebooted();

  const deadlineAt = Date.now() + base.timing.bootDeadlineMs;
  const back = await run.step(
    steps.awaitReturn,
    () =>
      acts.reboot.awaitHostReturn.executeWithOptions(
        { summary: `await ${host} back, boot #${before.boots} → #${before.boots + 1}` },
        [{ ...base, step: steps.awaitReturn, before, deadlineAt }],
      ),
    describeReturn,
  );
  return { marker: back.marker };
}
