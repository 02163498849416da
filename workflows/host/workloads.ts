import { ApplicationFailure, CancellationScope, sleep } from '@temporalio/workflow';
import type { HostStepInput, VmInfo, VmRef, VmStartOutcome } from '../../activities/contract';
import {
  MAINTENANCE_NOT_ENTERED,
  MAINTENANCE_NOT_EXITED,
  VMS_DID_NOT_STOP,
  VMS_NOT_RESTARTED,
  VMS_RUNNING,
} from '../../common/procedure-failures';
import { maintenanceAttemptStep, maintenanceWindowSteps as steps } from '../../common/procedure-steps';
import { maintenanceTimeoutSeconds, type StoppedVm, type WorkloadOptions } from '../../common/workloads';
import { workloadActivities, type HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { checkVsanPeers } from './vsan-peers';
import { drainVms } from './vm-drain';

// The VM policy of rebooting procedures, and maintenance mode with a timeout and retries: the steps
// MaintenanceWindow (maintenance.ts) runs before a procedure's first change and after its last.
//   refuse    powered-on VMs: needs-attention naming them, before anything is changed;
//   wait      wait (durably, visibly) for their owners to power them off, up to the drain deadline;
//   shutdown  the running VMs are recorded (the vms-read result, in history before anything is stopped),
//             shut down by their guests, powered off hard only with forcePowerOff, and powered on again,
//             in their order, once the host is done (an idempotent step: a VM already on is left alone).

type Base = Omit<HostStepInput, 'step'>;

const ATTENTION_KEY = 'vms';

function failure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

const names = (vms: readonly { name: string }[]) => vms.map((v) => v.name).join(', ');
const vmRef = (vm: VmInfo): VmRef => ({ vmid: vm.vmid, name: vm.name, file: vm.file });

/** The VMs of one procedure's host: what was found, what the policy stopped, and restarting them. */
export class Workloads {
  /** The VMs the shutdown policy stopped (or tried to), in their order. */
  private stopped: VmRef[] = [];

  constructor(
    private readonly run: ProcedureRun,
    private readonly acts: HostActs,
    private readonly base: Base,
    private readonly o: WorkloadOptions,
  ) {}

  private get entries(): StoppedVm[] {
    return this.run.report.vms?.stopped ?? [];
  }

  /** Steps `vms-read` and, as the policy says, `vms-drain`: resolves when no VM of the host runs (or the policy will stop them). */
  async read(): Promise<VmInfo[]> {
    const listing = await this.run.call(
      steps.vmsRead,
      'read the VMs and their power state',
      this.acts.steps.listVms,
      { ...this.base, devices: false },
      (l) => {
        const on = l.vms.filter((v) => v.power === 'on');
        return `${l.vms.length} VM(s) registered, ${on.length} powered on${on.length ? `: ${names(on)}` : ''}`;
      },
    );
    this.run.report.vms = {
      policy: this.o.policy,
      found: listing.vms.map((v) => ({ vmid: v.vmid, name: v.name, power: v.power })),
      stopped: [],
    };
    const running = listing.vms.filter((v) => v.power === 'on');
    if (running.length === 0 || this.o.policy === 'shutdown') return running;
    if (this.o.policy === 'refuse')
      throw failure(
        VMS_RUNNING,
        `${running.length} VM(s) powered on: ${names(running)}; --vm-policy refuse leaves a host with running VMs untouched (nothing was changed): stop them, or use --vm-policy wait or shutdown`,
      );
    await drainVms(this.run, this.acts, this.base, this.o, running);
    return [];
  }

  /**
   * Step `vsan-peers`: another host of the vSAN cluster in maintenance mode (whoever put it there), or
   * one that cannot be read, keeps this one out of it.
   */
  async checkVsanPeers(): Promise<void> {
    await checkVsanPeers(this.run, this.acts, this.base);
  }

  /** The shutdown policy's step `vms-stop`: every VM in `running` off, or the host restored and needs-attention. */
  async stop(running: VmInfo[]): Promise<void> {
    if (running.length === 0 || this.o.policy !== 'shutdown') return;
    this.run.safePoint(steps.vmsStop);
    const refs = running.map(vmRef);
    const vms = this.run.report.vms;
    if (vms) vms.stopped = refs.map((v) => ({ vmid: v.vmid, name: v.name }));
    this.stopped = refs;
    this.run.holdAttention(ATTENTION_KEY, this.attentionText());
    const deadlineAt = Date.now() + this.o.guestShutdownTimeoutMs;
    const timeout = Math.round(this.o.guestShutdownTimeoutMs / 1000);
    const r = await this.run.step(
      steps.vmsStop,
      () =>
        workloadActivities(this.base.timing, this.o).stopVms.executeWithOptions(
          { summary: `guest shutdown of ${refs.length} VM(s) (${timeout}s) — ${this.base.host.name}` },
          [{ ...this.base, step: steps.vmsStop, vms: refs, deadlineAt, forcePowerOff: this.o.forcePowerOff }],
        ),
      (s) =>
        s.vms.map((v) => `${v.name}: ${v.how ?? `not stopped (${v.detail ?? 'still running'})`}`).join(', '),
    );
    for (const outcome of r.vms) {
      const entry = this.entries.find((e) => e.vmid === outcome.vmid);
      if (!entry) continue;
      if (outcome.how) entry.how = outcome.how;
      if (outcome.shutdownRequestedAt) entry.shutdownRequestedAt = outcome.shutdownRequestedAt;
      if (outcome.stoppedAt) entry.stoppedAt = outcome.stoppedAt;
      if (outcome.detail) entry.detail = outcome.detail;
    }
    const changes = r.vms.filter((v) => v.how === 'guest-shutdown' || v.how === 'hard-off');
    if (changes.length > 0)
      this.run.report.changes.push(
        `VMs stopped: ${changes.map((v) => `${v.name} (${v.how === 'hard-off' ? 'hard power-off' : 'guest shutdown'})`).join(', ')}`,
      );
    const notStopped = r.vms.filter((v) => v.how === undefined);
    if (notStopped.length === 0) return;
    // The VMs stopped so far go back on as the procedure fails (MaintenanceWindow's cleanup).
    const which = notStopped.map((v) => `${v.name} (${v.detail ?? 'still running'})`).join(', ');
    throw failure(
      VMS_DID_NOT_STOP,
      `${notStopped.length} VM(s) did not stop within the guest shutdown timeout (${timeout}s): ${which}; without --force-power-off they are not powered off, and the host is not changed`,
    );
  }

  /** Step `maintenance-on` (then `maintenance-on-2`…): entered with -t, retried per policy. */
  async enterMaintenance(): Promise<boolean> {
    const seconds = maintenanceTimeoutSeconds(this.o);
    const vsanMode = this.base.host.vsan ? this.o.vsanMode : undefined;
    const acts = workloadActivities(this.base.timing, this.o);
    const tries: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const step = maintenanceAttemptStep(steps.maintenanceOn, attempt);
      this.run.safePoint(step);
      const r = await this.run.call(
        step,
        `enter maintenance mode (-t ${seconds}${vsanMode ? ` -m ${vsanMode}` : ''})`,
        acts.enterMaintenance,
        { ...this.base, timeoutSeconds: seconds, ...(vsanMode ? { vsanMode } : {}) },
        (e) =>
          e.entered
            ? e.already
              ? 'already in maintenance mode'
              : 'entered maintenance mode'
            : `not entered: ${e.failure ?? 'refused'}${e.blockedBy?.length ? `, still powered on: ${e.blockedBy.join(', ')}` : ''}${e.message ? ` (${e.message})` : ''}`,
      );
      if (r.entered) {
        if (!r.already) this.run.report.changes.push('entered maintenance mode');
        return !r.already;
      }
      tries.push(
        `${r.failure === 'timed-out' ? `timed out after ${seconds}s` : (r.failure ?? 'refused')}${r.blockedBy?.length ? ` (still powered on: ${r.blockedBy.join(', ')})` : ''}${r.failure === 'refused' && r.message ? `: ${r.message}` : ''}`,
      );
      if (attempt > this.o.maintenanceRetries)
        throw failure(
          MAINTENANCE_NOT_ENTERED,
          `maintenance mode not entered after ${attempt} tr${attempt === 1 ? 'y' : 'ies'}: ${tries.join('; ')}; the host is not in maintenance mode and its configuration was not changed`,
        );
      await sleep(this.o.maintenanceRetryDelayMs);
    }
  }

  /** Step `maintenance-off` (then `maintenance-off-2`…): left, retried (it fails transiently right after a boot). */
  async exitMaintenance(): Promise<void> {
    const tries: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const step = maintenanceAttemptStep(steps.maintenanceOff, attempt);
      const r = await this.run.call(
        step,
        'exit maintenance mode',
        this.acts.local.exitMaintenance,
        this.base,
        (e) =>
          e.exited
            ? e.already
              ? 'already out of maintenance mode'
              : 'exited maintenance mode'
            : `still in maintenance mode: ${e.message ?? ''}`,
      );
      if (r.exited) {
        if (!r.already) this.run.report.changes.push('exited maintenance mode');
        return;
      }
      tries.push(r.message ?? 'still in maintenance mode');
      if (attempt > this.o.maintenanceRetries)
        throw failure(
          MAINTENANCE_NOT_EXITED,
          `the host stays in maintenance mode: exiting failed ${attempt} time(s): ${tries.join('; ')}`,
        );
      await sleep(this.o.maintenanceRetryDelayMs);
    }
  }

  /** Step `vms-start`: the stopped VMs on again, in order; needs-attention naming those that would not start. */
  async restart(): Promise<void> {
    const failed = await this.powerOn();
    if (failed.length > 0)
      throw failure(
        VMS_NOT_RESTARTED,
        `${failed.length} VM(s) could not be powered on again: ${failed.map((f) => `${f.name} (${f.error ?? 'failed'})`).join(', ')}`,
      );
  }

  /** After a failure before the first change: the VMs stopped so far on again (best effort; the failure stands). */
  async restartAfterAbort(): Promise<void> {
    // Those stopped and not powered on yet (an earlier call may have done some).
    const left = this.entries
      .filter((e) => e.how !== undefined && e.restarted === undefined)
      .map((e) => e.vmid);
    if (left.length === 0) {
      if (this.entries.every((e) => e.restarted !== 'failed')) this.run.releaseAttention(ATTENTION_KEY);
      return;
    }
    try {
      // Also when the workflow is being cancelled: the VMs go back on before it ends.
      await CancellationScope.nonCancellable(() =>
        this.powerOn(this.stopped.filter((v) => left.includes(v.vmid))),
      );
    } catch {
      // The attention note names the VMs left off; the original failure is what the report leads with.
    }
  }

  private async powerOn(vms: VmRef[] = this.stopped): Promise<VmStartOutcome[]> {
    if (vms.length === 0) return [];
    const r = await this.run.call(
      steps.vmsStart,
      `power on ${vms.length} VM(s) stopped for the procedure`,
      this.acts.steps.startVms,
      { ...this.base, vms },
      (s) => s.vms.map((v) => `${v.name}: ${v.result}${v.error ? ` (${v.error})` : ''}`).join(', '),
    );
    for (const outcome of r.vms) {
      const entry = this.entries.find((e) => e.vmid === outcome.vmid);
      if (!entry) continue;
      entry.restarted = outcome.result;
      entry.restartedAt = outcome.at;
      if (outcome.error) entry.restartError = outcome.error;
    }
    const started = r.vms.filter((v) => v.result !== 'failed');
    if (started.length > 0) this.run.report.changes.push(`VMs powered on again: ${names(started)}`);
    const failed = r.vms.filter((v) => v.result === 'failed');
    const off = this.entries.filter(
      (e) => e.how !== undefined && e.restarted !== 'powered-on' && e.restarted !== 'already-on',
    );
    if (off.length === 0) this.run.releaseAttention(ATTENTION_KEY);
    else this.run.holdAttention(ATTENTION_KEY, this.attentionText(off));
    return failed;
  }

  private attentionText(left: readonly { name: string }[] = this.stopped): string {
    return `VMs stopped by ibfleet and not powered on again: ${names(left)} (power them on once the host is fit)`;
  }
}
