import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { BootMarker, HostStepInput, VcenterHostSummary } from '../../activities/contract';
import { HOST_NOT_RETURNED, VERIFICATION_FAILED } from '../../common/procedure-failures';
import { rebootSteps } from '../../common/procedure-steps';
import type { HostActs } from './activity-proxies';
import { failureMessage } from './failures';
import type { ProcedureRun } from './procedure-run';
import { vcenterActivities, vcenterHost, vcenterStep } from './vcenter-path';
import { reopenSshAfterReboot } from './vcenter-ssh';

// Issue #14: one guarded reboot through vCenter. The boot marker is vCenter's runtime.bootTime, recorded
// (in history for good) together with the host's own vmksummary boot count; RebootHost_Task goes out only
// while the boot time is still the recorded one, the wait ends when vCenter shows the host connected with
// a new boot time, and the host's vmksummary must then count exactly one boot more.

/** Steps boot-marker-N, reboot-N, await-return-N, ssh-on-after-reboot-N, boot-check-N; undefined without a vCenter. */
export async function rebootThroughVcenter(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  n: number,
  reason: string,
  inMaintenance: boolean,
): Promise<BootMarker | undefined> {
  const host = vcenterHost(run);
  if (!host) return undefined;
  const vc = vcenterActivities(base.timing);
  const steps = rebootSteps(n);
  const markerStep = steps.bootMarker;
  const before = await run.step(
    markerStep,
    async () => {
      const state = await vc.steps.vcenterHostState({ host });
      const marker = await acts.local.readBootMarker({ ...base, step: markerStep });
      return { bootTime: state.bootTime, marker, commands: marker.commands };
    },
    (b) => `vCenter boot time ${b.bootTime ?? 'unknown'}, vmksummary boot #${b.marker.boots}`,
  );

  await run.step(
    steps.reboot,
    () =>
      // Without maintenance mode (the run does without it) RebootHost_Task needs force.
      vcenterStep(
        vc.steps.vcenterRebootHost({ host, expectedBootTime: before.bootTime, force: !inMaintenance }),
      ),
    (r) => `${r.detail} (${reason})`,
  );
  run.rebooted();

  let back: VcenterHostSummary;
  try {
    back = await run.step(
      steps.awaitReturn,
      () =>
        vcenterStep(
          vc.vcenterAwaitReturn({
            host,
            previousBootTime: before.bootTime,
            pollMs: base.timing.pollIntervalMs,
          }),
        ),
      (s) => `vCenter shows it connected, boot time ${s.bootTime ?? 'unknown'}`,
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.create({
      type: HOST_NOT_RETURNED,
      message: `${host.name} not back through vCenter after reboot #${n}: ${failureMessage(err)}`,
      nonRetryable: true,
    });
  }
  await reopenSshAfterReboot(run, n);

  const checkStep = `boot-check-${n}`;
  const after = await run.step(
    checkStep,
    () => acts.local.readBootMarker({ ...base, step: checkStep }),
    (m) => `vmksummary boot #${m.boots} (vCenter boot time ${back.bootTime ?? 'unknown'})`,
  );
  if (after.boots !== before.marker.boots + 1)
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      message: `${host.name}: vCenter shows a new boot (${before.bootTime ?? 'unknown'} → ${back.bootTime ?? 'unknown'}) but vmksummary counts ${after.boots - before.marker.boots} boot(s) since boot #${before.marker.boots}`,
      nonRetryable: true,
    });
  return { boots: after.boots, bootTimeMs: after.bootTimeMs, uptimeMs: after.uptimeMs };
}
