import type { HostStepInput } from '../../activities/contract';
import {
  planConvergence,
  unmetExpectations,
  type ConvergePhase,
  type HostConvergePlan,
} from '../../common/converge-plan';
import { withVmPolicy } from '../../common/converge-vms';
import { desiredHostState, type DesiredHostState } from '../../common/desired-state';
import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { workloadOptions } from '../../common/workloads';
import {
  convergePhaseSteps,
  convergeSteps as steps,
  maintenanceWindowSteps,
} from '../../common/procedure-steps';
import { hostActivities, type HostActs } from './activity-proxies';
import {
  convergeStepNames,
  readConvergeFacts,
  readPoweredOnVms,
  runPhaseActions,
  type ReadFacts,
} from './converge-steps';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import { invalidInput, preconditionFailed, verificationFailed } from './failures';
import type { ProcedureRun } from './procedure-run';
import { guardedReboot } from './reboot';
import { runProcedure } from './run-procedure';
import { validateProcedureInput } from './validate';

/**
 * Converge one host to its cluster's declared state (`ibfleet apply`) in the fewest reboots: read the
 * facts, plan (common/converge-plan.ts, the same plan `ibfleet plan` shows), then per phase run its
 * actions, reboot once (guarded by the boot marker; cold when firmware values change), verify what the
 * phase expected, and plan again from the facts read after the reboot. Never more reboots than planned
 * at the start; the declared state is verified after the last one. A converged host is left untouched;
 * a host left half-way by an interrupted run is planned from where it is (recovery mode already stored,
 * MFT already staged) and finished without repeating a reboot. The VM policy, the vSAN peers and
 * maintenance mode come before the first change (MaintenanceWindow.prepare): a host whose VMs may not or
 * do not stop is left exactly as it was; the VMs stopped are powered on again once the declared state is
 * verified. With `dryRun`, only the plan, with the powered-on VMs the policy would meet.
 */
export async function convergeWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const { target: host, params, options } = validateProcedureInput<'converge', HostRef>(input, 'converge');
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };

  const head = [steps.readState, steps.readCards, ...(params.dryRun ? [steps.readVms] : []), steps.plan];
  return await runProcedure(input, head, async (run) => {
    const cluster = params.clusters[host.cluster];
    if (!cluster)
      throw invalidInput(
        `params.clusters: no desired state for cluster ${host.cluster} (declare it under the cluster's desired:)`,
      );
    const desired = desiredHostState(cluster, host.name);
    const first = await readConvergeFacts(run, acts, base, 0);
    const hostPlan = planConvergence(first.plan, desired);
    // The VMs matter only to a host that reboots; apply reads them again in the policy's own step.
    const plan =
      params.dryRun && hostPlan.phases.length > 0
        ? withVmPolicy(hostPlan, await readPoweredOnVms(run, acts, base), workloadOptions(options.vms))
        : hostPlan;
    run.report.found = {
      desired,
      moduleOptions: first.host.moduleOptions,
      vibs: first.host.vibs,
      mstDevices: first.host.mstDevices,
      cards: first.cards.cards,
      vfs: first.cards.vfs,
      maintenanceMode: first.host.maintenanceMode,
      // In the report whatever the outcome: a host stopped half-way still says how many reboots were planned.
      plannedReboots: plan.reboots,
    };
    await run.step(
      steps.plan,
      () => Promise.resolve({}),
      () => describePlan(plan),
    );
    if (params.dryRun) return { dryRun: true, plan };
    if (plan.blockers.length > 0)
      throw preconditionFailed(`${host.name} cannot converge: ${plan.blockers.join('; ')}`);
    if (plan.phases.length === 0) return { converged: true, changed: false, reboots: 0, plan };
    const vm = workloadSteps(options, host, input.vsanPeers);
    const stepList = convergeStepNames(plan, vm);
    run.plan(stepList);

    const window = { wanted: options.maintenanceMode, wasOn: first.host.maintenanceMode };
    await MaintenanceWindow.prepare(run, acts, base, {
      ...window,
      firstChange: stepList[stepList.indexOf(maintenanceWindowSteps.maintenanceOn) + 1],
    });
    run.beginCycle(
      'converge started changing the host and has not verified the declared state after its last reboot; run apply again to finish',
    );
    const last = await runPhases(run, acts, base, {
      plan,
      first,
      desired,
      maintenanceMode: options.maintenanceMode,
      maintenance: await MaintenanceWindow.enter(run, acts, base, window),
    });
    return {
      converged: true,
      changed: true,
      reboots: run.report.reboots,
      plan,
      finalDifferences: last.differences,
    };
  });
}

/** Every phase of `plan`, each re-planned from the facts after the previous reboot; then the final check. */
async function runPhases(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: {
    plan: HostConvergePlan;
    first: ReadFacts;
    desired: DesiredHostState;
    maintenanceMode: boolean;
    maintenance: MaintenanceWindow;
  },
): Promise<HostConvergePlan> {
  let facts = o.first;
  let current = o.plan;
  for (let n = 1; current.phases.length > 0; n++) {
    // Never more reboots than planned at the start: a plan that grows means the host did not do what it should.
    if (n + current.phases.length - 1 > o.plan.reboots)
      throw verificationFailed(
        `after ${n - 1} of the ${o.plan.reboots} planned reboot(s) the host still needs ${current.phases.length} more: ` +
          describeDifferences(current),
      );
    const phase = current.phases[0];
    await runPhaseActions(run, acts, base, phase, facts);
    facts = await rebootPhase(run, acts, base, { phase, n, viaEsxcli: o.maintenanceMode });
    const unmet = unmetExpectations(facts.plan, o.desired, phase.expect);
    if (unmet.length > 0) throw verificationFailed(unmet.join('; '));
    current = planConvergence(facts.plan, o.desired);
    if (current.blockers.length > 0)
      throw verificationFailed(`after reboot ${n}: ${current.blockers.join('; ')}`);
    await run.step(
      convergePhaseSteps(n).verify,
      () => Promise.resolve({}),
      () => (current.phases.length === 0 ? 'declared state reached' : `next: ${describePlan(current)}`),
    );
  }
  run.endCycle();
  await o.maintenance.exit();
  return current;
}

/** The phase's reboot (cold when firmware values change: Quick Boot off for it), then the facts read after it. */
async function rebootPhase(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  { phase, n, viaEsxcli }: { phase: ConvergePhase; n: number; viaEsxcli: boolean },
): Promise<ReadFacts> {
  const phaseSteps = convergePhaseSteps(n);
  const cold = phase.reboot.kind !== 'warm';
  const quickBoot = cold
    ? await run.call(
        phaseSteps.quickBootOff,
        'disable Quick Boot: firmware values apply only on a cold reboot',
        acts.local.setQuickBoot,
        { ...base, enabled: false },
        (r) => (r.changed ? 'Quick Boot disabled' : 'Quick Boot already off'),
      )
    : undefined;
  if (quickBoot?.changed) run.report.changes.push('Quick Boot disabled for a cold reboot');
  await guardedReboot(run, acts, base, { steps: phaseSteps.reboot, reason: phase.reboot.reason, viaEsxcli });
  if (quickBoot?.before) {
    await run.call(
      phaseSteps.quickBootRestore,
      'restore Quick Boot',
      acts.local.setQuickBoot,
      { ...base, enabled: true },
      () => 'Quick Boot enabled again',
    );
    run.report.changes.push('Quick Boot restored');
  }
  return await readConvergeFacts(run, acts, base, n);
}

function describeDifferences(plan: HostConvergePlan): string {
  return plan.differences.map((d) => `${d.item}: ${d.current} → ${d.wanted}`).join('; ') || 'no difference';
}

function describePlan(plan: HostConvergePlan): string {
  if (plan.blockers.length > 0) return `blocked: ${plan.blockers.join('; ')}`;
  if (plan.phases.length === 0) return 'converged: nothing to do';
  const vms = plan.vms
    ? `; VMs to stop (--vm-policy ${plan.vms.policy}): ${plan.vms.poweredOn.map((v) => v.name).join(', ')}`
    : '';
  return `${plan.differences.length} difference(s), ${plan.reboots} reboot(s): ${describeDifferences(plan)}${vms}`;
}
