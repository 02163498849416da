import { ApplicationFailure } from '@temporalio/workflow';
import type { CardsState, HostFacts, HostStepInput } from '../../activities/contract';
import {
  RECOVERY_KEY,
  type ConvergeAction,
  type ConvergePhase,
  type HostConvergePlan,
  type PlanFacts,
} from '../../common/converge-plan';
import type { PlanVm } from '../../common/converge-vms';
import {
  convergePhaseSteps,
  convergeSteps as steps,
  mlxconfigStep,
  rebootStepOrder,
  type WindowStepOrder,
} from '../../common/procedure-steps';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';

// The steps of the converge workflow (converge.ts): reading a host's facts, and one phase's actions,
// each an existing idempotent host activity (module options merged and restored byte for byte,
// mlxconfig verified in Next Boot, the MFT/NMST install read back).

export interface ReadFacts {
  host: HostFacts;
  cards: CardsState;
  plan: PlanFacts;
}

/** readHostFacts and readCards (ordinary activities: in history before anything acts on them). */
export async function readConvergeFacts(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  afterReboot: number,
): Promise<ReadFacts> {
  const names = afterReboot === 0 ? steps : convergePhaseSteps(afterReboot);
  const host = await run.call(
    names.readState,
    'read ESXi version, VIBs, module options, cards, maintenance mode',
    acts.steps.readHostFacts,
    base,
    (f) =>
      `${f.vibs.map((v) => `${v.name} ${v.version}`).join(', ')}; options '${f.moduleOptions}'; ${f.mstDevices.length} card(s) listed`,
  );
  const cards = await run.call(
    names.readCards,
    'read cards, mlxconfig values and VFs',
    acts.steps.readCards,
    base,
    (s) =>
      s.cards.length === 0
        ? 'no card readable'
        : s.cards
            .map(
              (c) =>
                `${c.device} SRIOV_EN=${c.params.SRIOV_EN?.current ?? '?'} NUM_OF_VFS=${c.params.NUM_OF_VFS?.current ?? '?'}`,
            )
            .join(', '),
  );
  return {
    host,
    cards,
    plan: {
      vibs: host.vibs,
      moduleLoaded: host.moduleLoaded,
      moduleOptions: host.moduleOptions,
      moduleOptionValues: host.moduleOptionValues,
      mstDevices: host.mstDevices,
      cards: cards.cards,
      ports: cards.ports,
      vfs: cards.vfs,
    },
  };
}

/**
 * `ibfleet plan` only (apply reads them in its VM policy's `vms-read`, right before its first change):
 * the powered-on VMs of a host that would reboot, with the card devices they hold.
 */
export async function readPoweredOnVms(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
): Promise<PlanVm[]> {
  const listing = await run.call(
    steps.readVms,
    'read the VMs, their power state and passed-through devices',
    acts.steps.listVms,
    { ...base, devices: true },
    (l) => {
      const on = l.vms.filter((v) => v.power === 'on');
      return `${l.vms.length} VM(s) registered, ${on.length} powered on${on.length ? `: ${on.map((v) => v.name).join(', ')}` : ''}`;
    },
  );
  return listing.vms.filter((v) => v.power === 'on').map((v) => ({ name: v.name, devices: v.devices ?? [] }));
}

/** The step an action runs as (unique within a run: each kind occurs in one phase only). */
export function actionStep(a: ConvergeAction): string {
  switch (a.kind) {
    case 'install-mft':
      return steps.installMft;
    case 'recovery-mode-on':
      return steps.recoveryModeOn;
    case 'mlxconfig':
      return mlxconfigStep(a.device, a.group);
    case 'mlxconfig-after-reboot':
      return steps.mlxconfigAfterReboot;
    case 'normal-mode':
      return steps.normalMode;
    case 'max-vfs':
    case 'max-vfs-after-reboot':
      return steps.maxVfs;
  }
}

/**
 * The steps a plan would run, for the live step list (later phases are re-planned after each reboot):
 * the VM policy and maintenance mode (`vm`, from workloadSteps) before the first change and after the
 * last verification.
 */
export function convergeStepNames(plan: HostConvergePlan, vm: WindowStepOrder): string[] {
  const list: string[] = [steps.readState, steps.readCards, steps.plan];
  if (plan.phases.length > 0) list.push(...vm.before);
  plan.phases.forEach((phase, i) => {
    const s = convergePhaseSteps(i + 1);
    const cold = phase.reboot.kind !== 'warm';
    list.push(...phase.actions.map(actionStep));
    if (cold) list.push(s.quickBootOff);
    list.push(...rebootStepOrder(s.reboot), s.readState, s.readCards);
    if (cold) list.push(s.quickBootRestore);
    list.push(s.verify);
  });
  if (plan.phases.length > 0) list.push(...vm.after);
  return list;
}

/** Run a phase's actions (everything before its reboot); each records what it changed. */
export async function runPhaseActions(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  phase: ConvergePhase,
  facts: ReadFacts,
): Promise<void> {
  for (const a of phase.actions) {
    const step = actionStep(a);
    switch (a.kind) {
      case 'install-mft': {
        const r = await run.call(
          step,
          `install MFT/NMST from ${a.depots.join(', ')}`,
          acts.install.installMftTools,
          { ...base, depots: a.depots, method: a.method },
          (r) =>
            r.depots
              .map((d) => `${d.depot}: ${d.installed.length} installed, ${d.skipped.length} skipped`)
              .join('; ') + `; reboot required: ${r.rebootRequired}`,
        );
        for (const d of r.depots)
          if (d.installed.length > 0)
            run.report.changes.push(`installed ${d.installed.join(', ')} from ${d.depot}`);
        break;
      }
      case 'recovery-mode-on': {
        const r = await run.call(
          step,
          `set ${RECOVERY_KEY}=1 (appended to the stored options)`,
          acts.local.setModuleOption,
          // Appended, never edited in place: restoreModuleOptions takes exactly this word off again.
          { ...base, key: RECOVERY_KEY, value: '1', override: true },
          (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
        );
        // Against the facts read before, not r.changed: a local step re-run after a worker crash finds its own write.
        if (r.after !== facts.host.moduleOptions)
          run.report.changes.push(`nmlx5_core options '${facts.host.moduleOptions}' → '${r.after}'`);
        break;
      }
      case 'mlxconfig': {
        const values = Object.entries(a.values).map(([k, v]) => `${k}=${v}`);
        const r = await run.call(
          step,
          `mlxconfig -d ${a.device} set ${values.join(' ')}`,
          acts.local.setMlxconfig,
          { ...base, device: a.device, values: a.values },
          (r) =>
            r.changed.length > 0 ? `set ${r.changed.join(', ')}` : `already ${r.alreadySet.join(', ')}`,
        );
        if (r.changed.length > 0) run.report.changes.push(`${a.device}: ${r.changed.join(', ')} (Next Boot)`);
        break;
      }
      case 'normal-mode': {
        const r = await run.call(
          step,
          `restore options without ${RECOVERY_KEY}=1 (normal mode)`,
          acts.local.restoreModuleOptions,
          { ...base, original: facts.host.moduleOptions, key: RECOVERY_KEY },
          (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
        );
        if (r.changed) run.report.changes.push(`nmlx5_core options '${r.before}' → '${r.after}'`);
        break;
      }
      case 'max-vfs': {
        const r = await run.call(
          step,
          a.value === null
            ? 'remove max_vfs from stored options'
            : `set max_vfs=${a.value} (merged into stored options)`,
          acts.local.setModuleOption,
          { ...base, key: 'max_vfs', value: a.value },
          (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
        );
        if (r.changed) run.report.changes.push(`nmlx5_core options '${r.before}' → '${r.after}'`);
        break;
      }
      case 'mlxconfig-after-reboot':
      case 'max-vfs-after-reboot':
        // Only later phases hold these, and later phases are planned again from the facts after a reboot.
        throw ApplicationFailure.nonRetryable(`internal: ${a.kind} in the phase being run`);
    }
  }
}
