import type { ProcedureInput } from '../../common/procedures';
import { mlxconfigStep, sriovEnableStepOrder, sriovEnableSteps as steps } from '../../common/procedure-steps';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { hostActivities } from './activity-proxies';
import { rebootUntilFirmwareApplied } from './firmware-reboot';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import { runProcedure } from './run-procedure';
import { checkFirmware, maxVfsList } from '../../common/firmware-values';
import { selectCards } from './sriov-common';
import { preconditionFailed } from './failures';
import { setMaxVfs, verifyVfs } from './sriov-steps';
import { validateProcedureInput } from './validate';

/** The guide's three mlxconfig commands (section 3.1), in its order. */
function firmwareSettings(numVfs: number): { group: string; values: Record<string, string> }[] {
  return [
    { group: 'advanced-pci', values: { ADVANCED_PCI_SETTINGS: '1' } },
    { group: 'force-eth', values: { FORCE_ETH_PCI_SUBCLASS: '1' } },
    { group: 'sriov', values: { SRIOV_EN: '1', NUM_OF_VFS: String(numVfs) } },
  ];
}

/**
 * SR-IOV enable (section 3.1): per card ADVANCED_PCI_SETTINGS=1, FORCE_ETH_PCI_SUBCLASS=1, SRIOV_EN=1
 * NUM_OF_VFS=n; max_vfs for the cards' nmlx5 ports (merged into the stored options); reboot; verify that
 * mlxconfig Current holds the values and that the VFs exist. A host already configured is left untouched.
 */
export async function sriovEnableWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const {
    target: host,
    params,
    options,
  } = validateProcedureInput<'sriov-enable', HostRef>(input, 'sriov-enable');
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };
  const windowSteps = workloadSteps(options, host, input.vsanPeers);

  return await runProcedure(input, sriovEnableStepOrder(windowSteps), async (run) => {
    // 1. What the host has: ESXi state, the cards with their mlxconfig values and VFs.
    const facts = await run.call(
      steps.readState,
      'read ESXi state',
      acts.steps.readHostFacts,
      base,
      (f) => `ESXi ${f.esxiVersion}, options '${f.moduleOptions}'`,
    );
    const state = await run.call(
      steps.readCards,
      'read cards, mlxconfig values and VFs',
      acts.steps.readCards,
      { ...base, devices: params.devices },
      (s) =>
        s.cards.map((c) => `${c.device} (${c.deviceType}, ${c.nics.length} port(s))`).join(', ') ||
        'no cards',
    );
    const cards = selectCards(state, params.devices);
    run.report.found = {
      esxiVersion: facts.esxiVersion,
      moduleOptions: facts.moduleOptions,
      cards: state.cards,
      vfs: state.vfs,
    };

    // The guide's rule, per card: NUM_OF_VFS >= (VFs that max_vfs creates on its ports) + 1.
    const tooSmall = cards.filter((c) => params.numVfs < params.maxVfs * c.nics.length + 1);
    if (tooSmall.length > 0) {
      throw preconditionFailed(
        tooSmall
          .map(
            (c) =>
              `${c.device}: numVfs ${params.numVfs} < maxVfs ${params.maxVfs} × ${c.nics.length} port(s) + 1 = ${params.maxVfs * c.nics.length + 1}`,
          )
          .join('; ') + ' (one VF is reserved for the physical function)',
      );
    }
    const settings = firmwareSettings(params.numVfs);
    const intended = Object.assign({}, ...settings.map((s) => s.values)) as Record<string, string>;
    const wantedMaxVfs = maxVfsList(state, cards, params.maxVfs, facts.moduleOptionValues.max_vfs);
    const vfsOk = cards.every((c) => c.nics.every((n) => state.vfs[n] === params.maxVfs));
    run.plan(
      sriovEnableStepOrder(
        windowSteps,
        cards.flatMap((c) => settings.map((s) => mlxconfigStep(c.device, s.group))),
      ),
    );
    if (
      checkFirmware(cards, intended).applied &&
      vfsOk &&
      facts.moduleOptionValues.max_vfs === wantedMaxVfs
    ) {
      return { alreadyConfigured: true, cards: cards.map((c) => c.device), vfs: state.vfs };
    }

    // 2. The VM policy and maintenance mode, before the first change.
    const maintenance = { wanted: options.maintenanceMode, wasOn: facts.maintenanceMode };
    await MaintenanceWindow.prepare(run, acts, base, { ...maintenance, firstChange: steps.mlxconfig });
    run.beginCycle(
      'SR-IOV firmware/module settings written but not yet verified after a reboot; run sriov-enable again',
    );

    // 3. The guide's three mlxconfig commands per card (Next Boot values).
    for (const card of cards) {
      for (const s of settings) {
        const r = await run.call(
          mlxconfigStep(card.device, s.group),
          `mlxconfig -d ${card.device} set ${Object.entries(s.values)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
          acts.local.setMlxconfig,
          { ...base, device: card.device, values: s.values },
          (r) =>
            r.changed.length > 0 ? `set ${r.changed.join(', ')}` : `already ${r.alreadySet.join(', ')}`,
        );
        if (r.changed.length > 0)
          run.report.changes.push(`${card.device}: ${r.changed.join(', ')} (Next Boot)`);
      }
    }

    // 4. max_vfs for the cards' ports, in the stored nmlx5_core options.
    await setMaxVfs(run, acts, base, { step: steps.setMaxVfs, maxVfs: wantedMaxVfs });

    // 5. Reboot (cold if Quick Boot left the values pending) until mlxconfig Current holds them.
    const maintenanceWindow = await MaintenanceWindow.enter(run, acts, base, maintenance);
    await rebootUntilFirmwareApplied(run, acts, base, {
      cards,
      intended,
      reason: 'ibfleet sriov-enable',
      viaEsxcli: options.maintenanceMode,
      allowColdReboot: params.allowColdReboot,
    });

    // 6. The VFs per port, then back in service.
    const after = await verifyVfs(run, acts, base, {
      step: steps.verifyVfs,
      cards,
      vfsPerPort: params.maxVfs,
    });
    run.endCycle();
    await maintenanceWindow.exit();
    return { cards: cards.map((c) => c.device), vfs: after.vfs, moduleOptions: after.moduleOptions };
  });
}
