import type { ProcedureInput } from '../../common/procedures';
import {
  mlxconfigStep,
  sriovDisableMlxconfigGroup,
  sriovDisableStepOrder,
  sriovDisableSteps as steps,
} from '../../common/procedure-steps';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { hostActivities } from './activity-proxies';
import { rebootUntilFirmwareApplied } from './firmware-reboot';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import { runProcedure } from './run-procedure';
import { checkFirmware, maxVfsList } from '../../common/firmware-values';
import { selectCards } from './sriov-common';
import { setMaxVfs, verifyVfs } from './sriov-steps';
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
  const windowSteps = workloadSteps(options, host, input.vsanPeers);

  return await runProcedure(input, sriovDisableStepOrder(windowSteps), async (run) => {
    // 1. What the host has: the stored options, the cards with their mlxconfig values and VFs.
    const facts = await run.call(
      steps.readState,
      'read ESXi state',
      acts.steps.readHostFacts,
      base,
      (f) => `options '${f.moduleOptions}'`,
    );
    const state = await run.call(
      steps.readCards,
      'read cards, mlxconfig values and VFs',
      acts.steps.readCards,
      { ...base, devices: params.devices },
      (s) =>
        s.cards.map((c) => `${c.device} SRIOV_EN=${c.params.SRIOV_EN?.current ?? '?'}`).join(', ') ||
        'no cards',
    );
    const cards = selectCards(state, params.devices);
    run.report.found = { moduleOptions: facts.moduleOptions, cards: state.cards, vfs: state.vfs };
    run.plan(
      sriovDisableStepOrder(
        windowSteps,
        cards.map((c) => mlxconfigStep(c.device, sriovDisableMlxconfigGroup)),
      ),
    );

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

    // 2. The VM policy and maintenance mode, before the first change.
    const maintenance = { wanted: options.maintenanceMode, wasOn: facts.maintenanceMode };
    await MaintenanceWindow.prepare(run, acts, base, { ...maintenance, firstChange: steps.mlxconfig });
    run.beginCycle('SR-IOV disable written but not yet verified after a reboot; run sriov-disable again');

    // 3. SRIOV_EN=0 NUM_OF_VFS=0 per card (Next Boot values).
    for (const card of cards) {
      const r = await run.call(
        mlxconfigStep(card.device, sriovDisableMlxconfigGroup),
        `mlxconfig -d ${card.device} set SRIOV_EN=0 NUM_OF_VFS=0`,
        acts.local.setMlxconfig,
        { ...base, device: card.device, values: DISABLED },
        (r) => (r.changed.length > 0 ? `set ${r.changed.join(', ')}` : 'already disabled'),
      );
      if (r.changed.length > 0)
        run.report.changes.push(`${card.device}: ${r.changed.join(', ')} (Next Boot)`);
    }

    // 4. max_vfs off for the cards' ports (every other stored option kept).
    await setMaxVfs(run, acts, base, { step: steps.clearMaxVfs, maxVfs: wantedMaxVfs });

    // 5. Reboot (cold if Quick Boot left the values pending) until mlxconfig Current holds them.
    const maintenanceWindow = await MaintenanceWindow.enter(run, acts, base, maintenance);
    await rebootUntilFirmwareApplied(run, acts, base, {
      cards,
      intended: DISABLED,
      reason: 'ibfleet sriov-disable',
      viaEsxcli: options.maintenanceMode,
      allowColdReboot: params.allowColdReboot,
    });

    // 6. No VF left, then back in service.
    const after = await verifyVfs(run, acts, base, { step: steps.verifyVfs, cards, vfsPerPort: 0 });
    run.endCycle();
    await maintenanceWindow.exit();
    return { vfs: after.vfs, moduleOptions: after.moduleOptions };
  });
}
