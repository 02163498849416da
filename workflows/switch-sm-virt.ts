import type { ProcedureInput } from '../common/procedures';
import type { ProcedureReport } from '../common/reports';
import type { SwitchRef } from '../common/targets';
import { switchSmVirtStepOrder, switchSmVirtSteps as steps } from '../common/procedure-steps';
import { switchActivities } from './host/activity-proxies';
import { runProcedure } from './host/run-procedure';
import { preconditionFailed, verificationFailed } from './host/failures';
import { validateProcedureInput } from './host/validate';
import { compareVersions } from '../common/versions';

/**
 * Switch checks (section 4): MLNX-OS at least the minimum release, the subnet manager enabled, and
 * OpenSM virtualization enabled (enable, write the configuration, restart the SM) for SR-IOV VFs.
 */
export async function switchSmVirtWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const { target, params, options } = validateProcedureInput<'switch-sm-virt', SwitchRef>(
    input,
    'switch-sm-virt',
  );
  const acts = switchActivities(options.timing);
  const base = { target, timing: options.timing };

  return await runProcedure(input, switchSmVirtStepOrder, async (run) => {
    const state = await run.call(
      steps.readState,
      'show version, show ib sm, show ib sm virt',
      acts.readSwitchState,
      base,
      (s) =>
        `MLNX-OS ${s.release}, SM ${s.smEnabled ? 'enabled' : 'disabled'}, virtualization ${s.smVirtEnabled ? 'enabled' : 'disabled'}`,
    );
    run.report.found = {
      release: state.release,
      smEnabled: state.smEnabled,
      smVirtEnabled: state.smVirtEnabled,
    };
    // Section 4.1: MLNX-OS recent enough.
    await run.step(
      steps.checkVersion,
      () => Promise.resolve({}),
      () => `${state.release} >= ${params.minVersion}`,
    );
    if (compareVersions(state.release, params.minVersion) < 0) {
      throw preconditionFailed(
        `MLNX-OS ${state.release} is older than ${params.minVersion}: update the switch first (section 4.1)`,
      );
    }
    if (state.smEnabled && state.smVirtEnabled) {
      run.skip(steps.enableSmVirt, 'already enabled');
      run.skip(steps.verify, 'nothing changed');
      return run.report.found;
    }
    // Section 4.2: OpenSM virtualization enabled, the configuration written, the SM restarted.
    run.safePoint(steps.enableSmVirt);
    const changed = await run.call(
      steps.enableSmVirt,
      'ib sm virt enable, configuration write, restart SM',
      acts.enableSmVirt,
      { ...base, restartSm: params.restartSm },
      (c) => c.actions.join('; '),
    );
    run.report.changes.push(...changed.actions);
    const after = await run.call(
      steps.verify,
      'show ib sm, show ib sm virt',
      acts.readSwitchState,
      base,
      (s) =>
        `SM ${s.smEnabled ? 'enabled' : 'disabled'}, virtualization ${s.smVirtEnabled ? 'enabled' : 'disabled'}`,
    );
    if (!after.smEnabled || !after.smVirtEnabled)
      throw verificationFailed('OpenSM virtualization is still not enabled after configuring it');
    return { release: after.release, smEnabled: after.smEnabled, smVirtEnabled: after.smVirtEnabled };
  });
}
