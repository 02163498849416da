import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { hostActivities } from './activity-proxies';
import { firmwareRebootSteps, setMaxVfsRebootAndVerify } from './firmware-reboot';
import { runProcedure } from './run-procedure';
import { checkFirmware, maxVfsList, selectCards } from './sriov-common';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import { validateProcedureInput } from './validate';

const DISABLED = { SRIOV_EN: '0', NUM_OF_VFS: '0' };

/**
 * SR-IOV disable, for passthrough (section 3.2): SRIOV_EN=0 NUM_OF_VFS=0 per card, max_vfs removed for
 * the cards' ports (every other stored option kept), reboot, verify Current values and that no VF is left.
 */
export async function sriovDisableWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const {
    target: host,
    params,
    options,
  } = validateProcedureInput<'sriov-disable', HostRef>(input, 'sriov-disable');
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };
  const vm = workloadSteps(options, host, input.vsanPeers);
  const tail = ['clear-max-vfs', ...firmwareRebootSteps, 'verify-vfs', ...vm.after];
  const steps = ['read-state', 'read-cards', ...vm.before, 'mlxconfig', ...tail];

  return await runProcedure(input, steps, async (run) => {
    const facts = await run.call(
      'read-state',
      'read ESXi state',
      acts.readHostFacts,
      base,
      (f) => `options '${f.moduleOptions}'`,
    );
    const state = await run.call(
      'read-cards',
      'read cards, mlxconfig values and VFs',
      acts.readCards,
      { ...base, devices: params.devices },
      (s) =>
        s.cards.map((c) => `${c.device} SRIOV_EN=${c.params.SRIOV_EN?.current ?? '?'}`).join(', ') ||
        'no cards',
    );
    const cards = selectCards(state, params.devices);
    run.report.found = { moduleOptions: facts.moduleOptions, cards: state.cards, vfs: state.vfs };
    run.plan([
      'read-state',
      'read-cards',
      ...vm.before,
      ...cards.map((c) => `mlxconfig-${c.device}-sriov-off`),
      ...tail,
    ]);

    const list = maxVfsList(state, cards, null, facts.moduleOptionValues.max_vfs);
    const wantedMaxVfs = /^[0,]*$/.test(list) ? null : list;
    const noVfs = cards.every((c) => c.nics.every((n) => (state.vfs[n] ?? 0) === 0));
    if (
      checkFirmware(cards, DISABLED).applied &&
      noVfs &&
      (facts.moduleOptionValues.max_vfs ?? null) === wantedMaxVfs
    ) {
      return { alreadyDisabled: true, vfs: state.vfs };
    }
    await MaintenanceWindow.prepare(run, acts, base, {
      wanted: options.maintenanceMode,
      wasOn: facts.maintenanceMode,
      firstChange: 'mlxconfig',
    });
    run.beginChange('SR-IOV disable written but not yet verified after a reboot; run sriov-disable again');

    for (const card of cards) {
      const r = await run.call(
        `mlxconfig-${card.device}-sriov-off`,
        `mlxconfig -d ${card.device} set SRIOV_EN=0 NUM_OF_VFS=0`,
        acts.setMlxconfig,
        { ...base, device: card.device, values: DISABLED },
        (r) => (r.changed.length > 0 ? `set ${r.changed.join(', ')}` : 'already disabled'),
      );
      if (r.changed.length > 0)
        run.report.changes.push(`${card.device}: ${r.changed.join(', ')} (Next Boot)`);
    }
    const after = await setMaxVfsRebootAndVerify(run, acts, base, {
      cards,
      intended: DISABLED,
      maxVfsStep: 'clear-max-vfs',
      maxVfs: wantedMaxVfs,
      vfsPerPort: 0,
      reason: 'ibfleet sriov-disable',
      maintenance: { wanted: options.maintenanceMode, wasOn: facts.maintenanceMode },
      allowColdReboot: params.allowColdReboot,
    });
    return { vfs: after.vfs, moduleOptions: after.moduleOptions };
  });
}
