import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { hostActivities } from './activity-proxies';
import { firmwareRebootSteps, setMaxVfsRebootAndVerify } from './firmware-reboot';
import { runProcedure } from './run-procedure';
import { checkFirmware, maxVfsList, preconditionFailed, selectCards } from './sriov-common';
import { MaintenanceWindow, workloadSteps } from './maintenance';
import { validateProcedureInput } from './validate';

/** The guide's three mlxconfig commands (section 3.1), in its order. */
function firmwareSettings(numVfs: number): { name: string; values: Record<string, string> }[] {
  return [
    { name: 'advanced-pci', values: { ADVANCED_PCI_SETTINGS: '1' } },
    { name: 'force-eth', values: { FORCE_ETH_PCI_SUBCLASS: '1' } },
    { name: 'sriov', values: { SRIOV_EN: '1', NUM_OF_VFS: String(numVfs) } },
  ];
}

/**
 * SR-IOV enable: per card ADVANCED_PCI_SETTINGS=1, FORCE_ETH_PCI_SUBCLASS=1, SRIOV_EN=1 NUM_OF_VFS=n;
 * max_vfs for the cards' nmlx5 ports (merged into the stored options); reboot; verify that mlxconfig
 * Current holds the values and that the VFs exist. A host already configured is left untouched.
 */
export async function sriovEnableWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const {
    target: host,
    params,
    options,
  } = validateProcedureInput<'sriov-enable', HostRef>(input, 'sriov-enable');
  const acts = hostActivities(options.timing);
  const base = { host, timing: options.timing };
  const head = ['read-state', 'read-cards'];
  const vm = workloadSteps(options, host, input.vsanPeers);

  return await runProcedure(
    input,
    [...head, ...vm.before, 'mlxconfig', 'set-max-vfs', ...firmwareRebootSteps, 'verify-vfs', ...vm.after],
    async (run) => {
      const facts = await run.call(
        'read-state',
        'read ESXi state',
        acts.readHostFacts,
        base,
        (f) => `ESXi ${f.esxiVersion}, options '${f.moduleOptions}'`,
      );
      const state = await run.call(
        'read-cards',
        'read cards, mlxconfig values and VFs',
        acts.readCards,
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
      const firmwareNow = checkFirmware(cards, intended);
      run.plan([
        ...head,
        ...vm.before,
        ...cards.flatMap((c) => settings.map((s) => `mlxconfig-${c.device}-${s.name}`)),
        'set-max-vfs',
        ...firmwareRebootSteps,
        'verify-vfs',
        ...vm.after,
      ]);
      if (firmwareNow.applied && vfsOk && facts.moduleOptionValues.max_vfs === wantedMaxVfs) {
        return { alreadyConfigured: true, cards: cards.map((c) => c.device), vfs: state.vfs };
      }
      await MaintenanceWindow.prepare(run, acts, base, {
        wanted: options.maintenanceMode,
        wasOn: facts.maintenanceMode,
        firstChange: 'mlxconfig',
      });
      run.beginChange(
        'SR-IOV firmware/module settings written but not yet verified after a reboot; run sriov-enable again',
      );

      for (const card of cards) {
        for (const s of settings) {
          const r = await run.call(
            `mlxconfig-${card.device}-${s.name}`,
            `mlxconfig -d ${card.device} set ${Object.entries(s.values)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
            acts.setMlxconfig,
            { ...base, device: card.device, values: s.values },
            (r) =>
              r.changed.length > 0 ? `set ${r.changed.join(', ')}` : `already ${r.alreadySet.join(', ')}`,
          );
          if (r.changed.length > 0)
            run.report.changes.push(`${card.device}: ${r.changed.join(', ')} (Next Boot)`);
        }
      }
      const after = await setMaxVfsRebootAndVerify(run, acts, base, {
        cards,
        intended: intended,
        maxVfsStep: 'set-max-vfs',
        maxVfs: wantedMaxVfs,
        vfsPerPort: params.maxVfs,
        reason: 'ibfleet sriov-enable',
        maintenance: { wanted: options.maintenanceMode, wasOn: facts.maintenanceMode },
        allowColdReboot: params.allowColdReboot,
      });
      return { cards: cards.map((c) => c.device), vfs: after.vfs, moduleOptions: after.moduleOptions };
    },
  );
}
