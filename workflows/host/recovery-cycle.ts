import { hostOptionsSchema, type HostOptions, type ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { hostActivities } from './activity-proxies';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import { rebootAndAwaitReturn } from './reboot';
import { runProcedure } from './run-procedure';
import { preconditionFailed } from './sriov-common';
import { validateProcedureInput } from './validate';

const KEY = 'mst_recovery';

const cycleSteps = [
  'set-mst-recovery-1',
  'boot-marker-1',
  'reboot-1',
  'await-return-1',
  'verify-cards-recovery',
  'restore-options',
  'boot-marker-2',
  'reboot-2',
  'await-return-2',
  'verify-cards-normal',
];

/** The steps, in order: the VM policy and maintenance mode come before the first change. */
export function recoveryCycleStepsFor(
  options: HostOptions,
  host?: Pick<HostRef, 'vsan'>,
  peers?: readonly HostRef[],
): string[] {
  const vm = workloadSteps(options, host, peers);
  return ['read-state', ...vm.before, ...cycleSteps, ...vm.after];
}

/** The steps with the default options. */
export const recoveryCycleSteps = recoveryCycleStepsFor(hostOptionsSchema.parse({}));

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
      'read-state',
      'read module options, cards and maintenance mode',
      acts.readHostFacts,
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
    await MaintenanceWindow.prepare(run, acts, base, {
      wanted: options.maintenanceMode,
      wasOn: facts.maintenanceMode,
      firstChange: 'set-mst-recovery-1',
    });

    // Resumed after an earlier, interrupted run: recovery mode already stored and the cards already
    // visible means the first half is done; go straight to normal mode.
    const firstHalfDone = facts.moduleOptionValues[KEY] === '1' && facts.mstDevices.length > 0;
    run.beginChange(`nmlx5_core ${KEY}=1 stored (recovery mode); run recovery-cycle again to finish`);

    if (firstHalfDone) {
      for (const s of [
        'set-mst-recovery-1',
        'boot-marker-1',
        'reboot-1',
        'await-return-1',
        'verify-cards-recovery',
      ]) {
        run.skip(s, 'recovery mode already stored and cards listed (resumed cycle)');
      }
    } else {
      const set = await run.call(
        'set-mst-recovery-1',
        `set ${KEY}=1 (appended to the stored options)`,
        acts.setModuleOption,
        // Appended, not edited in place: the string from before stays in it, so even a later run that
        // only finds the overridden string restores it byte for byte (the loader applies the last word).
        { ...base, key: KEY, value: '1', override: true },
        (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
      );
      // Against the recorded facts, not set.changed: a local step re-run after a worker crash finds its
      // own earlier write and reports "already".
      if (set.after !== facts.moduleOptions)
        run.report.changes.push(`nmlx5_core options '${facts.moduleOptions}' → '${set.after}'`);
    }

    const maintenance = await MaintenanceWindow.enter(run, acts, base, {
      wanted: options.maintenanceMode,
      wasOn: facts.maintenanceMode,
    });

    if (!firstHalfDone) {
      await rebootAndAwaitReturn(
        run,
        acts,
        base,
        1,
        `ibfleet recovery-cycle: ${KEY}=1`,
        options.maintenanceMode,
      );
      await run.call(
        'verify-cards-recovery',
        'verify cards listed in mst status (recovery mode)',
        acts.listMstDevices,
        { ...base, require: true },
        (r) => `${r.devices.length} card(s): ${r.devices.join(', ')}`,
      );
    }

    const restored = await run.call(
      'restore-options',
      `restore options without ${KEY}=1 (normal mode)`,
      acts.restoreModuleOptions,
      { ...base, original: facts.moduleOptions, key: KEY },
      (r) => (r.changed ? `'${r.before}' → '${r.after}'` : `already '${r.after}'`),
    );
    if (restored.changed)
      run.report.changes.push(`nmlx5_core options '${restored.before}' → '${restored.after}'`);

    await rebootAndAwaitReturn(
      run,
      acts,
      base,
      2,
      `ibfleet recovery-cycle: ${KEY} back to normal`,
      options.maintenanceMode,
    );
    const cards = await run.call(
      'verify-cards-normal',
      'verify cards listed in mst status (normal mode)',
      acts.listMstDevices,
      { ...base, require: true },
      (r) => `${r.devices.length} card(s): ${r.devices.join(', ')}`,
    );
    run.endChange();

    await maintenance.exit();
    return { moduleOptions: restored.after, mstDevices: cards.devices, maintenanceMode: maintenance.onAtEnd };
  });
}
