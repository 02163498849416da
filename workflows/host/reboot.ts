import type { BootMarker, HostReturn, HostStepInput } from '../../activities/contract';
import { compactSteps, type hostActivities } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';

type HostActs = ReturnType<typeof hostActivities>;

/**
 * One guarded reboot: record the boot marker (it stays in history for good), reboot only if the marker
 * is still that one, then wait for a new marker that stays up for the stability window.
 */
export async function rebootAndAwaitReturn(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  n: number,
  reason: string,
  viaEsxcli: boolean,
): Promise<BootMarker> {
  const host = base.host.name;
  const markerStep = `boot-marker-${n}`;
  const before = await run.call(
    markerStep,
    `read boot marker before reboot #${n}`,
    acts.readBootMarker,
    base,
    (m) => `boot #${m.boots}, up ${Math.round(m.uptimeMs / 1000)}s`,
  );

  const rebootStep = `reboot-${n}`;
  const awaitStep = `await-return-${n}`;
  const describeReturn = (r: HostReturn) =>
    `back after ${Math.round(r.waitedMs / 100) / 10}s (boot #${r.marker.boots})`;
  if (compactSteps()) {
    const deadlineAt = Date.now() + base.timing.bootDeadlineMs;
    const back = await run.rebootAndWait(
      { reboot: rebootStep, wait: awaitStep },
      () =>
        acts.rebootAndAwaitReturn.executeWithOptions(
          {
            summary: `reboot #${n} of ${host} (${reason}) and await it back, boot #${before.boots} → #${before.boots + 1}`,
          },
          [{ ...base, step: rebootStep, before, reason, viaEsxcli, deadlineAt }],
        ),
      describeReturn,
    );
    return back.marker;
  }

  // Workflows started before COMPACT_STEPS_PATCH: the reboot and the wait as two activities.
  await run.step(
    rebootStep,
    () =>
      acts.rebootIfStill.executeWithOptions({ summary: `reboot #${n} of ${host} (${reason})` }, [
        { ...base, step: rebootStep, before, reason, viaEsxcli },
      ]),
    (r) => r.detail,
  );
  run.rebooted();

  const deadlineAt = Date.now() + base.timing.bootDeadlineMs;
  const back = await run.step(
    awaitStep,
    () =>
      acts.awaitHostReturn.executeWithOptions(
        { summary: `await ${host} back, boot #${before.boots} → #${before.boots + 1}` },
        [{ ...base, step: awaitStep, before, deadlineAt }],
      ),
    describeReturn,
  );
  return back.marker;
}
