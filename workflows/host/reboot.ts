import type { BootMarker, HostReturn, HostStepInput } from '../../activities/contract';
import type { RebootSteps } from '../../common/procedure-steps';
import { compactSteps, type HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { rebootThroughVcenter } from './vcenter-reboot';

export interface GuardedRebootOptions {
  /** The reboot's steps (rebootSteps(n): boot-marker-n, reboot-n, await-return-n). */
  steps: RebootSteps;
  /** Why, in the host's log (`esxcli system shutdown reboot -r`) and the activity summary. */
  reason: string;
  /** Reboot with `esxcli system shutdown reboot` (needs maintenance mode), else busybox `reboot`. */
  viaEsxcli: boolean;
}

/**
 * One guarded reboot: record the boot marker (it stays in history for good), reboot only if the marker
 * is still that one, then wait for a new marker that stays up for the stability window.
 */
export async function guardedReboot(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  { steps, reason, viaEsxcli }: GuardedRebootOptions,
): Promise<BootMarker> {
  const n = steps.n;
  // Through vCenter for hosts that have one (issue #14, vcenter-reboot.ts).
  const throughVcenter = await rebootThroughVcenter(run, acts, base, n, reason, viaEsxcli);
  if (throughVcenter) return throughVcenter;

  const host = base.host.name;
  const before = await run.call(
    steps.bootMarker,
    `read boot marker before reboot #${n}`,
    acts.local.readBootMarker,
    base,
    (m) => `boot #${m.boots}, up ${Math.round(m.uptimeMs / 1000)}s`,
  );

  const describeReturn = (r: HostReturn) =>
    `back after ${Math.round(r.waitedMs / 100) / 10}s (boot #${r.marker.boots})`;
  if (compactSteps()) {
    const deadlineAt = Date.now() + base.timing.bootDeadlineMs;
    const back = await run.callRebootAndReturn(
      { reboot: steps.reboot, wait: steps.awaitReturn },
      () =>
        acts.reboot.rebootAndAwaitReturn.executeWithOptions(
          {
            summary: `reboot #${n} of ${host} (${reason}) and await it back, boot #${before.boots} → #${before.boots + 1}`,
          },
          [{ ...base, step: steps.reboot, before, reason, viaEsxcli, deadlineAt }],
        ),
      describeReturn,
    );
    return back.marker;
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
  return back.marker;
}
