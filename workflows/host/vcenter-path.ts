import { patched, proxyActivities } from '@temporalio/workflow';
import type { Audited, VcenterActivities, VcenterPeerActivities } from '../../activities/contract';
import { procedures, type Timing } from '../../common/procedures';
import type { HostRef } from '../../common/targets';
import { GOVC_VSAN_MODE } from '../../common/vcenter-schemas';
import { workloadOptions } from '../../common/workloads';
import { invalidInput } from './failures';
import { maintenanceEntryOptions, stepOptions } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';

// Issue #14: which runs go through the host's vCenter, and the vCenter activities with their timeouts.

/**
 * Workflows started before this patch did everything over SSH. Since then a rebooting procedure on a
 * host whose inventory names a vCenter opens SSH through it (vcenter-ssh.ts), enters and leaves
 * maintenance mode through it (vcenter-maintenance.ts) and reboots through it (vcenter-reboot.ts).
 * Hosts without a vCenter never take the patch: their histories are exactly as before.
 */
export const VCENTER_PATCH = 'ibfleet-vcenter';

/**
 * Workflows of module-reload (no reboot, no maintenance mode) started before this patch ran over SSH only,
 * and failed on a host whose SSH is disabled. Since then, on a host with a vCenter, it opens SSH through
 * it for its esxcli/vmkload_mod steps and closes it again at the end (vcenter-ssh.ts), as the rebooting
 * procedures do. Its own patch: module-reload workflows never checked VCENTER_PATCH.
 */
export const VCENTER_MODULE_RELOAD_PATCH = 'ibfleet-vcenter-module-reload';

const decided = new WeakMap<ProcedureRun, boolean>();

/** The host of a run that goes through its vCenter (decided once per run, at its first step). */
export function vcenterHost(run: ProcedureRun): HostRef | undefined {
  const target = run.input.target;
  if (target.kind !== 'esxi' || target.vcenter === undefined) return undefined;
  let through = decided.get(run);
  if (through === undefined) {
    through = goesThroughVcenter(run);
    decided.set(run, through);
  }
  return through ? target : undefined;
}

/** Rebooting procedures since VCENTER_PATCH, module-reload since VCENTER_MODULE_RELOAD_PATCH; preflight opens no SSH. */
function goesThroughVcenter(run: ProcedureRun): boolean {
  if (entersMaintenance(run)) return patched(VCENTER_PATCH);
  return run.procedure === 'module-reload' && patched(VCENTER_MODULE_RELOAD_PATCH);
}

/** Rebooting procedures enter maintenance mode; module-reload reloads a driver without it (the guide's troubleshooting section). */
function entersMaintenance(run: ProcedureRun): boolean {
  return procedures[run.procedure].reboots > 0;
}

/**
 * What the vCenter path cannot do, refused before the first step (nothing read, nothing changed): a vSAN
 * mode other than vCenter's default, which govc cannot send (only for procedures that enter maintenance mode).
 */
export function refuseWhatVcenterCannotDo(run: ProcedureRun, host: HostRef): void {
  if (!entersMaintenance(run)) return;
  const vsanMode = workloadOptions(run.input.options.vms).vsanMode;
  if (host.vsan && vsanMode !== GOVC_VSAN_MODE)
    throw invalidInput(
      `${host.name}: --vsan-mode ${vsanMode} cannot be sent through vCenter (govc v0.46.3 sends no vSAN mode: vCenter applies ${GOVC_VSAN_MODE}); use --vsan-mode ${GOVC_VSAN_MODE}, or a cluster with \`vcenter: false\``,
    );
}

/** govc starts a process per call and logs in each time: a few seconds under load, whatever the SSH timings. */
const MIN_VCENTER_STEP_MS = 120_000;

export function vcenterActivities(timing: Timing) {
  const base = stepOptions(timing);
  const stepMs = Math.max(MIN_VCENTER_STEP_MS, timing.connectTimeoutMs + 6 * timing.commandTimeoutMs);
  const steps = proxyActivities<VcenterActivities & VcenterPeerActivities>({
    ...base,
    startToCloseTimeout: stepMs,
  });
  // The wait polls vCenter and heartbeats; bounded by the boot deadline like the SSH wait.
  const waits = proxyActivities<VcenterActivities>({
    ...base,
    startToCloseTimeout: timing.bootDeadlineMs + timing.rebootStartMs + stepMs,
    scheduleToCloseTimeout: timing.bootDeadlineMs + 2 * timing.rebootStartMs + 2 * stepMs,
    retry: {
      initialInterval: 200,
      backoffCoefficient: 1.5,
      maximumInterval: 2_000,
      nonRetryableErrorTypes: base.retry?.nonRetryableErrorTypes,
    },
  });
  return {
    steps,
    vcenterAwaitReturn: waits.vcenterAwaitReturn,
    /** EnterMaintenanceMode_Task with its timeout: the activity waits as long (retries: maintenanceEntryOptions). */
    enterMaintenance(timeoutSeconds: number) {
      const options = maintenanceEntryOptions(base, timeoutSeconds * 1000 + stepMs);
      return proxyActivities<VcenterActivities>(options).vcenterEnterMaintenance;
    },
  };
}

/** A vCenter step runs no command on the host: nothing for the audit trail (ProcedureRun.step takes it as is). */
export async function vcenterStep<T extends object>(result: Promise<T>): Promise<T & Partial<Audited>> {
  return await result;
}
