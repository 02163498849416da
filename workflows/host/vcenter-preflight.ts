import { patched } from '@temporalio/workflow';
import type { VcenterHostView, VmInfo } from '../../activities/contract';
import type { HostRef } from '../../common/targets';
import { preconditionFailed } from './failures';
import type { ProcedureRun } from './procedure-run';
import { vcenterActivities, vcenterStep } from './vcenter-path';

// Issue #14: preflight on a host whose inventory names a vCenter also shows vCenter's view of it
// (cluster with DRS/HA/vSAN, connection and maintenance state, VMs, TSM-SSH) and whether that view
// agrees with what the host itself says over SSH. Preflight changes nothing, so it does not open SSH
// the way the rebooting procedures do (vcenter-ssh.ts): with TSM-SSH stopped it says so and stops.

/**
 * Workflows started before this patch read nothing through vCenter in preflight. Checked only for
 * hosts with a vCenter: the histories of hosts without one are exactly as before.
 */
export const VCENTER_PREFLIGHT_PATCH = 'ibfleet-vcenter-preflight';

export const VCENTER_READ_STEP = 'vcenter-read';

/** Step `vcenter-read`: vCenter's view of the host; undefined for hosts without a vCenter (or older runs). */
export async function readVcenterView(
  run: ProcedureRun,
  host: HostRef,
): Promise<VcenterHostView | undefined> {
  if (host.vcenter === undefined || !patched(VCENTER_PREFLIGHT_PATCH)) return undefined;
  const acts = vcenterActivities(run.input.options.timing).steps;
  return await run.step(
    VCENTER_READ_STEP,
    () => vcenterStep(acts.vcenterHostView({ host })),
    describeVcenterView,
  );
}

/**
 * Preflight reads the host over SSH: with TSM-SSH stopped it ends as needs-attention saying so (with
 * vCenter's view in the report), instead of failing on a refused connection.
 */
export function refuseWithSshDisabled(run: ProcedureRun, host: HostRef, view: VcenterHostView): never {
  run.holdAttention(
    'ssh-disabled',
    'SSH disabled; preflight reads over SSH: start TSM-SSH on the host (vSphere Client, or `govc host.service start TSM-SSH`) and run preflight again',
  );
  throw preconditionFailed(
    `${host.name}: vCenter shows TSM-SSH stopped (start policy ${view.ssh.policy}); nothing was read over SSH`,
  );
}

/** What the host says over SSH, to hold against vCenter's view. */
export interface HostSshView {
  maintenanceMode: boolean;
  /** Absent in workflows before the VM policy patch (preflight did not list VMs). */
  vms?: readonly Pick<VmInfo, 'name' | 'power'>[];
}

const POWER: Record<VcenterHostView['vms'][number]['powerState'], VmInfo['power']> = {
  poweredOn: 'on',
  poweredOff: 'off',
  suspended: 'suspended',
};

/** Where vCenter and the host disagree (or vCenter cannot manage the host); empty when they agree. */
export function vcenterDisagreements(view: VcenterHostView, host: HostSshView): string[] {
  const out: string[] = [];
  if (view.connectionState !== 'connected') out.push(`vCenter shows the host ${view.connectionState}`);
  if (view.inMaintenanceMode !== host.maintenanceMode)
    out.push(
      `maintenance mode: vCenter shows ${onOff(view.inMaintenanceMode)}, the host (esxcli) ${onOff(host.maintenanceMode)}`,
    );
  if (host.vms) {
    const onHost = new Map(host.vms.map((vm) => [vm.name, vm.power]));
    const inVcenter = new Map(view.vms.map((vm) => [vm.name, POWER[vm.powerState]]));
    for (const [name, power] of inVcenter) {
      const seen = onHost.get(name);
      if (seen === undefined) out.push(`VM ${name}: registered in vCenter, not on the host`);
      else if (seen !== power) out.push(`VM ${name}: ${power} in vCenter, ${seen} on the host`);
    }
    for (const name of onHost.keys())
      if (!inVcenter.has(name)) out.push(`VM ${name}: registered on the host, not in vCenter`);
  }
  return out;
}

/** "cluster gpu-a (DRS fullyAutomated, HA off, vSAN off), connected, not in maintenance, 3 VM(s) (2 on, 1 tied to the host), TSM-SSH running (policy off)". */
export function describeVcenterView(v: VcenterHostView): string {
  const c = v.cluster;
  const cluster = c
    ? `cluster ${c.name} (DRS ${c.drs.enabled ? (c.drs.behavior ?? 'on') : 'off'}, HA ${onOff(c.ha)}, vSAN ${onOff(c.vsan)})`
    : 'standalone (no cluster)';
  const on = v.vms.filter((vm) => vm.powerState === 'poweredOn').length;
  const tied = v.vms.length - v.vmotionable.length;
  return [
    cluster,
    v.connectionState,
    v.inMaintenanceMode ? 'in maintenance mode' : 'not in maintenance mode',
    `${v.vms.length} VM(s) (${on} on, ${tied} tied to the host)`,
    `TSM-SSH ${v.ssh.running ? 'running' : 'stopped'} (policy ${v.ssh.policy})`,
  ].join(', ');
}

function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}
