import {
  sriovDisableMlxconfigGroup,
  sriovDisableSteps,
  sriovEnableMlxconfigGroups,
  sriovEnableSteps,
} from '../procedure-steps';
import type { SriovDisableParams, SriovEnableParams } from '../procedures/params';
import { vfPortsFit } from '../vf-rule';
import {
  EACH_CARD,
  firmwareReboot,
  mlxconfigSteps,
  readCards,
  readState,
  setModuleOptions,
} from './esxi-steps';
import type { PlannedStep, ResolvedPlanOptions } from './types';
import { workloadsAfter, workloadsBefore } from './workloads';

// The plans of the firmware procedures: SR-IOV on (guide 3.1) and off (3.2).

export function sriovEnablePlan(p: SriovEnableParams, o: ResolvedPlanOptions): PlannedStep[] {
  const s = sriovEnableSteps;
  const [advancedPci, forceEth, sriov] = sriovEnableMlxconfigGroups;
  const mm = o.maintenanceMode;
  const devices = p.devices ?? [EACH_CARD];
  return [
    readState(s.readState),
    readCards(
      s.readCards,
      devices,
      `${p.devices ? '<vmnic> = each nmlx5 port of the cards' : '<dev> = each card listed by mst status, <vmnic> = each port'}; ` +
        `then the guide's VF rule per card, NUM_OF_VFS > maxVfs × ports: numVfs ${p.numVfs} with maxVfs ${p.maxVfs} ` +
        `fits cards with up to ${vfPortsFit(p.numVfs, p.maxVfs)} port(s); a card with more stops its host before any change`,
    ),
    ...workloadsBefore(o),
    // The guide's three mlxconfig commands (section 3.1), in its order, per card.
    ...mlxconfigSteps(devices, [
      { group: advancedPci, values: 'ADVANCED_PCI_SETTINGS=1' },
      { group: forceEth, values: 'FORCE_ETH_PCI_SUBCLASS=1' },
      { group: sriov, values: `SRIOV_EN=1 NUM_OF_VFS=${p.numVfs}` },
    ]),
    setModuleOptions(
      s.setMaxVfs,
      `merged options with max_vfs=${p.maxVfs} for each nmlx5 port, e.g. ${p.maxVfs},${p.maxVfs}`,
    ),
    ...firmwareReboot(
      'ibfleet sriov-enable',
      devices,
      `SRIOV_EN=True(1) NUM_OF_VFS=${p.numVfs}`,
      p.allowColdReboot,
      mm,
    ),
    readCards(s.verifyVfs, devices, `${p.maxVfs} VFs on each nmlx5 port`),
    ...workloadsAfter(o),
  ];
}

export function sriovDisablePlan(p: SriovDisableParams, o: ResolvedPlanOptions): PlannedStep[] {
  const s = sriovDisableSteps;
  const mm = o.maintenanceMode;
  const devices = p.devices ?? [EACH_CARD];
  return [
    readState(s.readState),
    readCards(
      s.readCards,
      devices,
      p.devices ? undefined : '<dev> = each card listed by mst status, <vmnic> = each port',
    ),
    ...workloadsBefore(o),
    ...mlxconfigSteps(devices, [{ group: sriovDisableMlxconfigGroup, values: 'SRIOV_EN=0 NUM_OF_VFS=0' }]),
    setModuleOptions(s.clearMaxVfs, 'merged options without max_vfs'),
    ...firmwareReboot(
      'ibfleet sriov-disable',
      devices,
      'SRIOV_EN=False(0) NUM_OF_VFS=0',
      p.allowColdReboot,
      mm,
    ),
    readCards(s.verifyVfs, devices, 'no VF left on any port'),
    ...workloadsAfter(o),
  ];
}
