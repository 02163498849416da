import { patched } from '@temporalio/workflow';
import type { HostStepInput } from '../../activities/contract';
import type { HostOptions } from '../../common/procedures';
import type { HostRef } from '../../common/targets';
import { workloadOptions } from '../../common/workloads';
import {
  maintenanceWindowStepOrder,
  maintenanceWindowSteps as steps,
  type WindowStepOrder,
} from '../../common/procedure-steps';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { workloadsFor } from './vcenter-maintenance';
import type { Workloads } from './workloads';

/**
 * Workflows started before this patch entered maintenance mode (without a timeout) where each procedure
 * needed it and knew nothing of VMs; they replay that way. Since then, maintenance mode is the end of a
 * preparation that runs before the procedure's first change: the VM policy (workloads.ts), the vSAN
 * peers, then maintenance mode entered with -t and retried; and leaving it is followed by powering on
 * the VMs the policy stopped.
 */
export const VM_POLICY_PATCH = 'ibfleet-vm-policy';

/** The steps before a procedure's first change and after its last, as the options make them. */
export function workloadSteps(
  options: HostOptions,
  host?: Pick<HostRef, 'vsan'>,
  vsanPeers?: readonly HostRef[],
): WindowStepOrder {
  return maintenanceWindowStepOrder({
    policy: workloadOptions(options.vms).policy,
    vsanPeers: host?.vsan === true && (vsanPeers?.length ?? 0) > 0,
  });
}

/** What prepare() left for the procedure's later enter() call (a run is one workflow's, so this stays per workflow). */
const prepared = new WeakMap<ProcedureRun, MaintenanceWindow>();

/**
 * Maintenance mode around a procedure's reboots (`esxcli system shutdown reboot` requires it), and the
 * host's VMs with it. Whether to leave it at the end follows the host's state *before* the procedure,
 * not whether this attempt entered it: a retried step finds it entered by the attempt of a worker that died.
 */
export class MaintenanceWindow {
  private constructor(
    private readonly run: ProcedureRun,
    private readonly acts: HostActs,
    private readonly base: Omit<HostStepInput, 'step'>,
    private readonly wasOn: boolean,
    private readonly used: boolean,
    private readonly workloads?: Workloads,
  ) {}

  /** Set once exit() has left maintenance mode and powered the VMs on (or tried to). */
  closed = false;

  /**
   * Called by a procedure right before its first change: the VM policy, the vSAN peers and maintenance
   * mode now, so that a host that cannot be emptied or cannot enter maintenance mode is left exactly as
   * it was. Stops at a safe point when asked (before `firstChange` in workflows started before the patch).
   */
  static async prepare(
    run: ProcedureRun,
    acts: HostActs,
    base: Omit<HostStepInput, 'step'>,
    opts: { wanted: boolean; wasOn: boolean; firstChange: string },
  ): Promise<void> {
    if (!patched(VM_POLICY_PATCH)) {
      run.safePoint(opts.firstChange);
      return;
    }
    run.safePoint(steps.vmsRead);
    prepared.set(run, await MaintenanceWindow.open(run, acts, base, opts));
  }

  /** Enter maintenance mode (step "maintenance-on") unless the run does without it, or prepare() did. */
  static async enter(
    run: ProcedureRun,
    acts: HostActs,
    base: Omit<HostStepInput, 'step'>,
    opts: { wanted: boolean; wasOn: boolean },
  ): Promise<MaintenanceWindow> {
    const ready = prepared.get(run);
    if (ready) return ready;
    if (patched(VM_POLICY_PATCH)) return await MaintenanceWindow.open(run, acts, base, opts);
    if (!opts.wanted) {
      run.skip(steps.maintenanceOn, 'maintenance mode disabled for this run');
      return new MaintenanceWindow(run, acts, base, opts.wasOn, false);
    }
    const mm = await run.call(
      steps.maintenanceOn,
      'enter maintenance mode',
      acts.local.setMaintenanceMode,
      { ...base, enabled: true },
      (r) => (r.changed ? 'entered maintenance mode' : 'already in maintenance mode'),
    );
    if (mm.changed) run.report.changes.push('entered maintenance mode');
    return new MaintenanceWindow(run, acts, base, opts.wasOn, true);
  }

  /**
   * The VM policy, the vSAN peers, maintenance mode. A failure from here until the first reboot leaves
   * the host in service as it was found: out of maintenance mode (if ibfleet entered it), the VMs it
   * stopped powered on again (changes written so far wait for a boot; the report names them). After a
   * reboot the host stays as it is, for an operator, the VMs left off named in the report.
   */
  private static async open(
    run: ProcedureRun,
    acts: HostActs,
    base: Omit<HostStepInput, 'step'>,
    opts: { wanted: boolean; wasOn: boolean },
  ): Promise<MaintenanceWindow> {
    // Through vCenter for hosts that have one (issue #14, vcenter-maintenance.ts).
    const workloads = workloadsFor(run, acts, base, workloadOptions(run.input.options.vms));
    const opened: { window?: MaintenanceWindow } = {};
    run.onFailure(async () => {
      const window = opened.window;
      if (window?.closed || run.report.reboots > 0) return;
      if (window?.enteredByUs) await workloads.exitMaintenance();
      await workloads.restartAfterAbort();
    });
    const running = await workloads.read();
    await workloads.checkVsanPeers();
    await workloads.stop(running);
    if (opts.wanted) await workloads.enterMaintenance();
    else run.skip(steps.maintenanceOn, 'maintenance mode disabled for this run');
    opened.window = new MaintenanceWindow(run, acts, base, opts.wasOn, opts.wanted, workloads);
    return opened.window;
  }

  /** True when the procedure (not an operator before it) put the host in maintenance mode. */
  get enteredByUs(): boolean {
    return this.used && !this.wasOn;
  }

  /** Whether the host is in maintenance mode at the end. */
  get onAtEnd(): boolean {
    return this.wasOn;
  }

  /**
   * Exit maintenance mode (step "maintenance-off") if the procedure entered it; then power on the VMs the
   * policy stopped (step "vms-start"), once the host has been verified.
   */
  async exit(): Promise<void> {
    if (!this.enteredByUs) {
      this.run.skip(
        steps.maintenanceOff,
        this.wasOn ? 'host was in maintenance mode before: left in it' : 'not entered',
      );
    } else if (this.workloads) {
      await this.workloads.exitMaintenance();
    } else {
      await this.run.call(
        steps.maintenanceOff,
        'exit maintenance mode',
        this.acts.local.setMaintenanceMode,
        { ...this.base, enabled: false },
        () => 'exited maintenance mode',
      );
      this.run.report.changes.push('exited maintenance mode');
    }
    this.closed = true;
    await this.workloads?.restart();
  }
}
