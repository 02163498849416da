import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { HostStepInput, VmInfo } from '../../activities/contract';
import { VMS_RUNNING } from '../../common/procedure-failures';
import { maintenanceWindowSteps as steps } from '../../common/procedure-steps';
import type { WorkloadOptions } from '../../common/workloads';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';

/** The wait policy polls from the timing's poll interval, doubling up to this. */
const MAX_DRAIN_POLL_MS = 30_000;

const names = (vms: readonly { name: string }[]) => vms.map((v) => v.name).join(', ');

/**
 * The wait policy's step `vms-drain` (Workloads.read): poll until no VM runs, up to the drain deadline;
 * a stop request ends it at once. Resolves when none runs; else needs-attention naming the VMs.
 */
export async function drainVms(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: WorkloadOptions,
  running: VmInfo[],
): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + o.drainDeadlineMs;
  const waited = { vms: running.map((v) => v.name), startedAt: new Date(startedAt).toISOString() };
  const vms = run.report.vms;
  if (vms) vms.waited = { ...waited, outcome: 'deadline' };
  const end = (outcome: 'drained' | 'deadline' | 'stopped') => {
    if (vms) vms.waited = { ...waited, endedAt: new Date().toISOString(), outcome };
  };
  let pollMs = base.timing.maxPollIntervalMs;
  let still = running;
  await run.step(
    steps.vmsDrain,
    async () => {
      for (;;) {
        run.setDetail(`waiting for ${still.length} VM(s) to stop: ${names(still)}`);
        const left = deadline - Date.now();
        if (left <= 0) break;
        if (await condition(() => run.stopRequested, Math.min(pollMs, left))) break;
        pollMs = Math.min(pollMs * 2, MAX_DRAIN_POLL_MS);
        // Polls are reads: not listed in the audit trail (the first read was).
        const listing = await acts.steps.listVms.executeWithOptions(
          { summary: `is a VM still running? — ${base.host.name}` },
          [{ ...base, step: steps.vmsDrain, devices: false }],
        );
        still = listing.vms.filter((v) => v.power === 'on');
        if (still.length === 0) break;
      }
      return {};
    },
    () =>
      still.length === 0
        ? `all VMs powered off by their owners after ${Math.round((Date.now() - startedAt) / 1000)}s`
        : run.stopRequested
          ? `stop requested while waiting for ${names(still)}`
          : `still powered on at the drain deadline: ${names(still)}`,
  );
  if (still.length === 0) return end('drained');
  if (run.stopRequested) {
    end('stopped');
    run.safePoint(steps.vmsDrain);
  }
  end('deadline');
  throw ApplicationFailure.create({
    type: VMS_RUNNING,
    message: `${still.length} VM(s) still powered on after the drain deadline (${Math.round(o.drainDeadlineMs / 1000)}s): ${names(still)}; nothing was changed`,
    nonRetryable: true,
  });
}
