import { convergePhaseSteps, convergeSteps } from '../procedure-steps';
import {
  EACH_CARD,
  readState,
  mlxconfigSteps,
  readCards,
  rebootAndReturn,
  setModuleOptions,
} from './esxi-steps';
import type { PlannedStep, ResolvedPlanOptions } from './types';
import { workloadsAfter, workloadsBefore } from './workloads';

/** Every step converge may take; which run on a host, `ibfleet plan` says (common/converge-plan.ts). */
export function convergePlan(o: ResolvedPlanOptions): PlannedStep[] {
  const s = convergeSteps;
  const [first, second] = [convergePhaseSteps(1), convergePhaseSteps(2)];
  const mm = o.maintenanceMode;
  const onlyIf = 'only when cards are hidden or MFT/NMST is installed first';
  return [
    readState(s.readState),
    readCards(s.readCards, [EACH_CARD], '<dev> = each card listed by mst status, <vmnic> = each port'),
    // A converged host stops here: its VMs are not read and nothing is changed.
    ...workloadsBefore(o),
    {
      step: s.installMft,
      commands: ['esxcli software component apply -d <depot>'],
      note: 'only when MFT/NMST is missing or older than declared (or `vib install -d`, as declared)',
    },
    setModuleOptions(s.recoveryModeOn, 'merged options with mst_recovery=1', onlyIf),
    ...rebootAndReturn(first.reboot, 'ibfleet converge: MFT/NMST, recovery mode', mm, onlyIf),
    readCards(first.readCards, [EACH_CARD], 'the cards are listed; their values decide the writes below'),
    ...mlxconfigSteps([EACH_CARD], [{ group: '<group>', values: '<declared values that differ>' }]),
    setModuleOptions(s.normalMode, 'original options without mst_recovery=1', 'only after recovery mode'),
    setModuleOptions(s.maxVfs, 'merged options with the declared max_vfs'),
    {
      step: second.quickBootOff,
      commands: ['/bin/loadESXEnable -s', '/bin/loadESXEnable -d'],
      note: 'only when firmware values change: one cold reboot applies them',
    },
    ...rebootAndReturn(second.reboot, 'ibfleet converge: firmware, max_vfs, normal mode', mm),
    readCards(s.verifyConverged, [EACH_CARD], 'every declared value Current, VFs per port, options'),
    {
      step: second.quickBootRestore,
      commands: ['/bin/loadESXEnable -e'],
      note: 'only if Quick Boot was on before',
    },
    ...workloadsAfter(o),
  ];
}
