import { ApplicationFailure, isCancellation, sleep } from '@temporalio/workflow';
import type { HostStepInput, VmInfo, VmListing } from '../../activities/contract';
import { MAINTENANCE_NOT_ENTERED, MAINTENANCE_NOT_EXITED } from '../../common/procedure-failures';
import { maintenanceAttemptStep, maintenanceWindowSteps } from '../../common/procedure-steps';
import { maintenanceTimeoutSeconds, type WorkloadOptions } from '../../common/workloads';
import type { HostActs } from './activity-proxies';
import { failureMessage } from './failures';
import type { ProcedureRun } from './procedure-run';
import { vcenterActivities, vcenterHost, vcenterStep } from './vcenter-path';
import { Workloads } from './workloads';

// Issue #14: maintenance mode through vCenter. The VM policy (workloads.ts) still runs first, but only
// for the VMs vCenter cannot move — those with passthrough or SR-IOV devices (or devices that could not
// be read); the others are left to DRS, which evacuates them when the host enters maintenance mode
// (EnterMaintenanceMode_Task with the timeout; a timeout names the VMs still on the host).

type Base = Omit<HostStepInput, 'step'>;

/** The Workloads of a run: through vCenter for hosts that have one (vcenter-path.ts), else over SSH. */
export function workloadsFor(run: ProcedureRun, acts: HostActs, base: Base, o: WorkloadOptions): Workloads {
  return vcenterHost(run) ? new VcenterWorkloads(run, acts, base, o) : new Workloads(run, acts, base, o);
}

/** A VM DRS can vMotion: its devices are known and none is passed through. */
function movable(vm: VmInfo): boolean {
  return vm.devices !== undefined && vm.devices.length === 0;
}

/**
 * The host's activities with `listVms` reading devices and leaving out the VMs DRS will move: the VM
 * policy's reads (vms-read, the wait policy's polls) see only the VMs it has to deal with. `listed`
 * sees each whole listing first (the report names every VM found).
 */
function leaveMovableVmsToDrs(acts: HostActs, listed: (whole: VmListing) => void): HostActs {
  const list = acts.steps.listVms;
  type ListInput = Parameters<typeof list>[0];
  const keep = (l: VmListing): VmListing => {
    listed(l);
    return { ...l, vms: l.vms.filter((vm) => !movable(vm)) };
  };
  const listVms = Object.assign(async (input: ListInput) => keep(await list({ ...input, devices: true })), {
    executeWithOptions: async (
      options: Parameters<typeof list.executeWithOptions>[0],
      [input]: [ListInput],
    ) => keep(await list.executeWithOptions(options, [{ ...input, devices: true }])),
  }) as typeof list;
  return { ...acts, steps: { ...acts.steps, listVms } };
}

const names = (vms: readonly string[]) => vms.join(', ');

class VcenterWorkloads extends Workloads {
  /** The first whole listing: step vms-read's, every VM of the host with its devices. */
  private readonly listing: { first?: VmListing };

  constructor(
    private readonly procedure: ProcedureRun,
    acts: HostActs,
    private readonly stepBase: Base,
    private readonly options: WorkloadOptions,
  ) {
    const listing: { first?: VmListing } = {};
    super(
      procedure,
      leaveMovableVmsToDrs(acts, (whole) => (listing.first ??= whole)),
      stepBase,
      options,
    );
    this.listing = listing;
  }

  /** Steps `vms-read` and the policy's for the VMs DRS cannot move; the report names every VM found. */
  override async read(): Promise<VmInfo[]> {
    try {
      return await super.read();
    } finally {
      this.reportEveryVmFound();
    }
  }

  /** report.vms.found: every VM vms-read found, and whether DRS or the VM policy deals with it. */
  private reportEveryVmFound(): void {
    const vms = this.procedure.report.vms;
    const whole = this.listing.first;
    if (!vms || !whole) return;
    vms.found = whole.vms.map((vm) => ({
      vmid: vm.vmid,
      name: vm.name,
      power: vm.power,
      handledBy: movable(vm) ? 'drs' : 'policy',
    }));
  }

  /** Step `maintenance-on` (then `maintenance-on-2`…) through vCenter: DRS evacuates, the timeout bounds it. */
  override async enterMaintenance(): Promise<boolean> {
    const run = this.procedure;
    const host = this.stepBase.host;
    const seconds = maintenanceTimeoutSeconds(this.options);
    const vsanMode = host.vsan ? this.options.vsanMode : undefined;
    const enter = vcenterActivities(this.stepBase.timing).enterMaintenance(seconds);
    const tries: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const step = maintenanceAttemptStep(maintenanceWindowSteps.maintenanceOn, attempt);
      run.safePoint(step);
      const r = await run.step(
        step,
        () => vcenterStep(enter({ host, timeoutSeconds: seconds, ...(vsanMode ? { vsanMode } : {}) })),
        (e) =>
          e.entered
            ? e.changed
              ? `entered maintenance mode through vCenter${e.evacuated?.length ? `; DRS moved ${names(e.evacuated)}` : ''}`
              : 'already in maintenance mode'
            : `not entered: timed out after ${seconds}s${e.blockedBy?.length ? `, still powered on: ${names(e.blockedBy)}` : ''}`,
      );
      if (r.entered) {
        if (r.evacuated?.length) {
          run.report.changes.push(`VMs moved to other hosts by DRS: ${names(r.evacuated)}`);
          for (const vm of run.report.vms?.found ?? [])
            if (r.evacuated.includes(vm.name)) vm.movedByDrs = true;
        }
        if (r.changed) run.report.changes.push('entered maintenance mode through vCenter');
        return r.changed;
      }
      tries.push(
        `timed out after ${seconds}s${r.blockedBy?.length ? ` (still powered on: ${names(r.blockedBy)})` : ''}`,
      );
      if (attempt > this.options.maintenanceRetries)
        throw ApplicationFailure.create({
          type: MAINTENANCE_NOT_ENTERED,
          message: `maintenance mode not entered through vCenter after ${attempt} tr${attempt === 1 ? 'y' : 'ies'}: ${tries.join('; ')}; the host is not in maintenance mode and its configuration was not changed`,
          nonRetryable: true,
        });
      await sleep(this.options.maintenanceRetryDelayMs);
    }
  }

  /** Step `maintenance-off` (then `maintenance-off-2`…) through vCenter, retried (it fails transiently right after a boot). */
  override async exitMaintenance(): Promise<void> {
    const run = this.procedure;
    const host = this.stepBase.host;
    const acts = vcenterActivities(this.stepBase.timing).steps;
    const tries: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const step = maintenanceAttemptStep(maintenanceWindowSteps.maintenanceOff, attempt);
      try {
        const r = await run.step(
          step,
          () => vcenterStep(acts.vcenterExitMaintenance({ host })),
          (e) => (e.changed ? 'exited maintenance mode through vCenter' : 'already out of maintenance mode'),
        );
        if (r.changed) run.report.changes.push('exited maintenance mode through vCenter');
        return;
      } catch (err) {
        if (isCancellation(err)) throw err;
        tries.push(failureMessage(err));
        if (attempt > this.options.maintenanceRetries)
          throw ApplicationFailure.create({
            type: MAINTENANCE_NOT_EXITED,
            message: `the host stays in maintenance mode: exiting through vCenter failed ${attempt} time(s): ${tries.join('; ')}`,
            nonRetryable: true,
          });
      }
      await sleep(this.options.maintenanceRetryDelayMs);
    }
  }
}
