import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { moduleReloadStepOrder, moduleReloadSteps as steps } from '../../common/procedure-steps';
import { hostActivities } from './activity-proxies';
import { runProcedure } from './run-procedure';
import { verificationFailed } from './failures';
import { validateProcedureInput } from './validate';

/**
 * Module reload recovery (troubleshooting section): when nmlx5_core has unloaded, unload nmlx5_rdma and
 * nmlx5_core, load nmlx5_core with mst_recovery=1, HUP vmkdevmgr, and check `mst status`. Not persistent:
 * the next reboot returns the driver to normal mode. No reboot; nothing is done when the module is loaded.
 * The guide asks for no maintenance mode here (no reboot, nothing stored). On a host with a vCenter
 * (since VCENTER_MODULE_RELOAD_PATCH) SSH is opened through vCenter for these steps only, and closed
 * again at the end (ProcedureRun's first step and end hooks: vcenter-ssh.ts).
 */
export async function moduleReloadWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const {
    target: host,
    params,
    options,
  } = validateProcedureInput<'module-reload', HostRef>(input, 'module-reload');
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };

  return await runProcedure(input, moduleReloadStepOrder, async (run) => {
    const facts = await run.call(
      steps.readState,
      'read loaded modules and cards',
      acts.steps.readHostFacts,
      base,
      (f) => `nmlx5_core ${f.moduleLoaded ? 'loaded' : 'NOT loaded'}, ${f.mstDevices.length} card(s) listed`,
    );
    run.report.found = {
      moduleLoaded: facts.moduleLoaded,
      loadedModules: facts.loadedModules,
      mstDevices: facts.mstDevices,
    };
    if (facts.moduleLoaded && facts.mstDevices.length > 0 && !params.force) {
      run.skip(steps.reloadModule, 'nmlx5_core is loaded and cards are listed: nothing to recover');
      run.skip(steps.verifyCards, 'nothing changed');
      return { moduleLoaded: true, mstDevices: facts.mstDevices };
    }
    // The guide's steps 1–3: unload both modules, load nmlx5_core in recovery mode, HUP vmkdevmgr.
    run.safePoint(steps.reloadModule);
    const reload = await run.call(
      steps.reloadModule,
      'unload nmlx5_rdma + nmlx5_core, load nmlx5_core mst_recovery=1, HUP vmkdevmgr',
      acts.steps.reloadNmlx5Module,
      { ...base, force: params.force },
      (r) => r.actions.join('; '),
    );
    run.report.changes.push(...reload.actions);
    // Steps 4–5: the cards listed by mst status.
    const cards = await run.call(
      steps.verifyCards,
      'verify cards listed in mst status',
      acts.local.listMstDevices,
      { ...base, require: false },
      (r) => `${r.devices.length} card(s): ${r.devices.join(', ')}`,
    );
    if (cards.devices.length === 0)
      throw verificationFailed('nmlx5_core reloaded but mst status still lists no card');
    return {
      moduleLoaded: true,
      mstDevices: cards.devices,
      note: 'recovery mode is not persistent: the next reboot returns to normal mode',
    };
  });
}
