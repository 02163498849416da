import type { HostFacts, HostStepInput } from '../../activities/contract';
import { hostOptionsSchema, type HostOptions, type ProcedureInput } from '../../common/procedures';
import {
  recoveryCycleStepOrder,
  recoveryCycleSteps as steps,
  recoveryHalfStepOrder,
} from '../../common/procedure-steps';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { hostActivities, type HostActs } from './activity-proxies';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import type { ProcedureRun } from './procedure-run';
import { guardedRebootThenListCards, readsBootMarkerAs } from './reboot';
import { runProcedure } from './run-procedure';
import { preconditionFailed } from './failures';
import { validateProcedureInput } from './validate';

const KEY = 'mst_recovery';

/** The steps, in order: the VM policy and maintenance mode come before the first change. */
export function recoveryCycleStepsFor(
  options: HostOptions,
  host?: Pick<HostRef, 'vsan'>,
  peers?: readonly HostRef[],
): string[] {
  return recoveryCycleStepOrder(workloadSteps(options, host, peers));
}

/** The steps with the default options. */
export const recoveryCycleDefaultSteps = recoveryCycleStepsFor(hostOptionsSchema.parse({}));

/**
 * The guide's recovery-mode cycle (section 2.4): nmlx5_core mst_recovery=1 → reboot → cards listed in
 * `mst status` → back to normal mode → reboot → cards still listed. mst_recovery=1 is appended to the
 * stored string (never replacing it), and normal mode restores the original string exactly — also when
 * an interrupted run left the override stored and a new run recorded that as its "original".
 */
export async function recoveryCycleWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const { target: host, options } = validateProcedureInput<'recovery-cycle', HostRef>(
    input,
    'recovery-cycle',
  );
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };

  return await runProcedure(input, recoveryCycleStepsFor(options, host, input.vsanPeers), async (run) => {
    const facts = await run.call(
      steps.readState,
      'read module options, cards and maintenance mode',
      acts.steps.readHostFacts,
      base,
      (f) => `ESXi ${f.esxiVersion}, options '${f.moduleOptions}', ${f.mstDevices.length} card(s) listed`,
    );
    run.report.found = {
      esxiVersion: facts.esxiVersion,
      moduleOptions: facts.moduleOptions,
      mstDevices: facts.mstDevices,
      maintenanceMode: facts.maintenanceMode,
      bootMarker: facts.bootMarker,
    };
    // Only 1 is taken off again after the cycle; any other value is restored as it was. A value that is
    // neither (2, 01, 0x1…) may well mean recovery mode to the driver: leave it to an operator.
    const stored = facts.moduleOptionValues[KEY];
    if (stored !== undefined && !/^(0*|1)$/.test(stored))
      throw preconditionFailed(
        `${host.name}: the stored nmlx5_core options set ${KEY}=${stored}; recovery-cycle knows only ` +
          `${KEY}=1 (recovery mode) and ${KEY}=0 (normal mode): set it by hand first`,
      );
    // The VM policy and maintenance mode before the first change (workflows since VM_POLICY_PATCH).
    const window = { wanted: options.maintenanceMode, wasOn: facts.maintenanceMode };
    await MaintenanceWindow.prepare(run, acts, base, { ...window, firstChange: steps.setRecoveryMode });
    const enterMaintenance = () => MaintenanceWindow.enter(run, acts, base, window);

    // Section 2.4 steps 1–3: recovery mode, a reboot, the cards listed. Done already when an earlier,
    // interrupted run stored recovery mode and the cards are visible: then the cycle resumes at step 4.
    const resumed = facts.moduleOptionValues[KEY] === '1' && facts.mstDevices.length > 0;
    run.beginCycle(`nmlx5_core ${KEY}=1 stored (recovery mode); run recovery-cycle again to finish`);
    const maintenance = resumed
      ? await skipRecoveryHalf(run, enterMaintenance)
      : await recoveryHalf(run, acts, base, { facts, enterMaintenance, viaEsxcli: options.maintenanceMode });

    // Section 2.4 steps 4–5: back to normal mode (the options from before, exactly), a reboot, the
    // cards still listed.
    const restored = await run.call(
      steps.restoreOptions,
      `restore options without ${KEY}=1 (normal mode)`,
      acts.local.restoreModuleOptions,
      { ...base, original: facts.moduleOptions, key: KEY, ...readsBootMarkerAs(run, steps.normalReboot) },
      (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
    );
    if (restored.changed)
      run.report.changes.push(`nmlx5_core options '${restored.before}' → '${restored.after}'`);
    const cards = await guardedRebootThenListCards(
      run,
      acts,
      base,
      {
        steps: steps.normalReboot,
        reason: `ibfleet recovery-cycle: ${KEY} back to normal`,
        viaEsxcli: options.maintenanceMode,
        markerRead: restored.bootMarker,
      },
      {
        step: steps.verifyCardsNormal,
        summary: 'verify cards listed in mst status (normal mode)',
        describe: describeCards,
      },
    );
    run.endCycle();

    await maintenance.exit();
    return { moduleOptions: restored.after, mstDevices: cards.devices, maintenanceMode: maintenance.onAtEnd };
  });
}

/**
 * Section 2.4 steps 1–3: mst_recovery=1 appended to the stored options, a reboot, the cards listed in
 * `mst status`. Maintenance mode is entered between the write and the reboot (where workflows started
 * before VM_POLICY_PATCH enter it; since then MaintenanceWindow.prepare has entered it already).
 */
async function recoveryHalf(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  o: { facts: HostFacts; enterMaintenance: () => Promise<MaintenanceWindow>; viaEsxcli: boolean },
): Promise<MaintenanceWindow> {
  const set = await run.call(
    steps.setRecoveryMode,
    `set ${KEY}=1 (appended to the stored options)`,
    acts.local.setModuleOption,
    // Appended, not edited in place: the string from before stays in it, so even a later run that
    // only finds the overridden string restores it byte for byte (the loader applies the last word).
    { ...base, key: KEY, value: '1', override: true, ...readsBootMarkerAs(run, steps.recoveryReboot) },
    (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
  );
  // Against the recorded facts, not set.changed: a local step re-run after a worker crash finds its
  // own earlier write and reports "already".
  if (set.after !== o.facts.moduleOptions)
    run.report.changes.push(`nmlx5_core options '${o.facts.moduleOptions}' → '${set.after}'`);

  const maintenance = await o.enterMaintenance();
  await guardedRebootThenListCards(
    run,
    acts,
    base,
    {
      steps: steps.recoveryReboot,
      reason: `ibfleet recovery-cycle: ${KEY}=1`,
      viaEsxcli: o.viaEsxcli,
      markerRead: set.bootMarker,
    },
    {
      step: steps.verifyCardsRecovery,
      summary: 'verify cards listed in mst status (recovery mode)',
      describe: describeCards,
    },
  );
  return maintenance;
}

function describeCards(r: { devices: string[] }): string {
  return `${r.devices.length} card(s): ${r.devices.join(', ')}`;
}

/** A resumed cycle: steps 1–3 are recorded as skipped. */
async function skipRecoveryHalf(
  run: ProcedureRun,
  enterMaintenance: () => Promise<MaintenanceWindow>,
): Promise<MaintenanceWindow> {
  for (const s of recoveryHalfStepOrder)
    run.skip(s, 'recovery mode already stored and cards listed (resumed cycle)');
  return await enterMaintenance();
}
