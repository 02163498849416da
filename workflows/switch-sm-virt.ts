import type { ProcedureInput } from '../common/procedures';
import type { ProcedureReport } from '../common/reports';
import type { SwitchRef } from '../common/targets';
import { switchActivities } from './host/activity-proxies';
import { runProcedure } from './host/run-procedure';
import { preconditionFailed, verificationFailed } from './host/sriov-common';
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

  return await runProcedure(
    input,
    ['read-state', 'check-version', 'enable-sm-virt', 'verify'],
    async (run) => {
      const state = await run.call(
        'read-state',
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
      await run.step(
        'check-version',
        () => Promise.resolve({}),
        () => `${state.release} >= ${params.minVersion}`,
      );
      if (compareVersions(state.release, params.minVersion) < 0) {
        throw preconditionFailed(
          `MLNX-OS ${state.release} is older than ${params.minVersion}: update the switch first (section 4.1)`,
        );
      }
      if (state.smEnabled && state.smVirtEnabled) {
        run.skip('enable-sm-virt', 'already enabled');
        run.skip('verify', 'nothing changed');
        return run.report.found;
      }
      run.safePoint('enable-sm-virt');
      const changed = await run.call(
        'enable-sm-virt',
        'ib sm virt enable, configuration write, restart SM',
        acts.enableSmVirt,
        { ...base, restartSm: params.restartSm },
        (c) => c.actions.join('; '),
      );
      run.report.changes.push(...changed.actions);
      const after = await run.call(
        'verify',
        'show ib sm, show ib sm virt',
        acts.readSwitchState,
        base,
        (s) =>
          `SM ${s.smEnabled ? 'enabled' : 'disabled'}, virtualization ${s.smVirtEnabled ? 'enabled' : 'disabled'}`,
      );
      if (!after.smEnabled || !after.smVirtEnabled)
        throw verificationFailed('OpenSM virtualization is still not enabled after configuring it');
      return { release: after.release, smEnabled: after.smEnabled, smVirtEnabled: after.smVirtEnabled };
    },
  );
}
