import { MST } from '../mft-tools';
import { moduleReloadSteps, preflightSteps, recoveryCycleSteps } from '../procedure-steps';
import type { ModuleReloadParams, PreflightParams } from '../procedures/params';
import { EACH_CARD, readCards, readState, rebootAndReturn, setModuleOptions } from './esxi-steps';
import type { PlannedStep, ResolvedPlanOptions } from './types';
import { workloadsAfter, workloadsBefore } from './workloads';

// The plans of the ESXi procedures that neither write firmware nor converge: preflight (read only),
// the recovery-mode cycle (guide 2.4) and the module reload (troubleshooting).

export function preflightPlan(p: PreflightParams): PlannedStep[] {
  const s = preflightSteps;
  const vibs = p.requireMft ? 'nmlx5-core, nmlx5-rdma, mft, nmst' : 'nmlx5-core, nmlx5-rdma';
  return [
    readState(s.readState),
    readCards(
      s.readCards,
      [EACH_CARD],
      'only when mst status lists cards; <dev> = each card, <vmnic> = each port',
    ),
    {
      step: s.check,
      commands: [],
      note: `ESXi ${p.esxiVersionPrefix}*, VIBs ${vibs} installed, nmlx5_core loaded, at least one card listed`,
    },
  ];
}

export function recoveryCyclePlan(o: ResolvedPlanOptions): PlannedStep[] {
  const s = recoveryCycleSteps;
  const mm = o.maintenanceMode;
  return [
    readState(s.readState),
    ...workloadsBefore(o),
    setModuleOptions(s.setRecoveryMode, 'merged options with mst_recovery=1'),
    ...rebootAndReturn(s.recoveryReboot, 'ibfleet recovery-cycle: mst_recovery=1', mm),
    {
      step: s.verifyCardsRecovery,
      commands: [`${MST} status`],
      note: 'the ConnectX cards are listed (recovery mode)',
    },
    setModuleOptions(
      s.restoreOptions,
      'original options: mst_recovery=0, normal mode',
      "the guide's mst_recovery=0: the option string from before the cycle is restored exactly",
    ),
    ...rebootAndReturn(s.normalReboot, 'ibfleet recovery-cycle: mst_recovery back to normal', mm),
    {
      step: s.verifyCardsNormal,
      commands: [`${MST} status`],
      note: 'the cards are still listed (normal mode)',
    },
    ...workloadsAfter(o),
  ];
}

export function moduleReloadPlan(p: ModuleReloadParams): PlannedStep[] {
  const s = moduleReloadSteps;
  return [
    readState(s.readState),
    {
      step: s.reloadModule,
      commands: [
        'vmkload_mod -l',
        'vmkload_mod -u nmlx5_rdma',
        'vmkload_mod -u nmlx5_core',
        'vmkload_mod nmlx5_core mst_recovery=1',
        'ps -c',
        'kill -HUP <vmkdevmgr world id>',
      ],
      note: p.force
        ? 'runs even when nmlx5_core is loaded (force)'
        : 'only when nmlx5_core is not loaded or no card is listed; not persistent: the next reboot restores normal mode',
    },
    { step: s.verifyCards, commands: [`${MST} status`], note: 'the cards are listed again' },
  ];
}
