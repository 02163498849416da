import type { VmPolicy } from './workloads';

// The step names of every procedure, in one place: the workflows run and report them, the dry-run plan
// (common/plan.ts) shows them, tests and recorded histories name them. The values are part of the
// reports and histories of workflows already run: never change one (add a new name instead).
// Pure constants and list builders: no imports beyond types, usable from workflows, client and tests.
//
// Each procedure has `<procedure>Steps` (the names, by what the step does) and, where a planned list is
// needed, `<procedure>StepOrder` (the names in the order the guide runs them).

/** The steps before and after a rebooting procedure's changes (maintenanceWindowStepOrder). */
export interface WindowStepOrder {
  before: readonly string[];
  after: readonly string[];
}

/** One guarded reboot (workflows/host/reboot.ts): read the boot marker, reboot while it holds, await a new one. */
export function rebootSteps<N extends number>(n: N) {
  return {
    /** Reboot number n of the procedure (in activity summaries). */
    n,
    bootMarker: `boot-marker-${n}`,
    reboot: `reboot-${n}`,
    awaitReturn: `await-return-${n}`,
  } as const;
}
export type RebootSteps = ReturnType<typeof rebootSteps>;

export function rebootStepOrder(r: RebootSteps): string[] {
  return [r.bootMarker, r.reboot, r.awaitReturn];
}

/**
 * The host's VMs and maintenance mode (workflows/host/maintenance.ts, workloads.ts): before a rebooting
 * procedure's first change and after its last verification.
 */
export const maintenanceWindowSteps = {
  vmsRead: 'vms-read',
  /** --vm-policy wait only. */
  vmsDrain: 'vms-drain',
  /** Hosts of vSAN clusters with peers given only. */
  vsanPeers: 'vsan-peers',
  /** --vm-policy shutdown only. */
  vmsStop: 'vms-stop',
  maintenanceOn: 'maintenance-on',
  maintenanceOff: 'maintenance-off',
  /** --vm-policy shutdown only. */
  vmsStart: 'vms-start',
} as const;

/** Maintenance mode entered or left again after a failed try: `maintenance-on`, `maintenance-on-2`, … */
export function maintenanceAttemptStep(
  step: typeof maintenanceWindowSteps.maintenanceOn | typeof maintenanceWindowSteps.maintenanceOff,
  attempt: number,
): string {
  return attempt === 1 ? step : `${step}-${attempt}`;
}

/** The window's steps as a procedure's planned list shows them (maintenance-on/off also when skipped). */
export function maintenanceWindowStepOrder(o: { policy: VmPolicy; vsanPeers: boolean }): WindowStepOrder {
  const s = maintenanceWindowSteps;
  return {
    before: [
      s.vmsRead,
      ...(o.policy === 'wait' ? [s.vmsDrain] : []),
      ...(o.vsanPeers ? [s.vsanPeers] : []),
      ...(o.policy === 'shutdown' ? [s.vmsStop] : []),
      s.maintenanceOn,
    ],
    after: [s.maintenanceOff, ...(o.policy === 'shutdown' ? [s.vmsStart] : [])],
  };
}

/** One mlxconfig write per card and group of values (`mlxconfig-mt4119_pciconf0-sriov`). */
export function mlxconfigStep(device: string, group: string): string {
  return `mlxconfig-${device}-${group}`;
}

/**
 * The reboot(s) until mlxconfig's Next Boot values are Current (workflows/host/firmware-reboot.ts): a
 * warm reboot, and only when Quick Boot left the values pending, one cold reboot with Quick Boot off.
 */
export const firmwareRebootSteps = {
  firstReboot: rebootSteps(1),
  verifyFirmware: 'verify-firmware',
  quickBootOff: 'quick-boot-off',
  coldReboot: rebootSteps(2),
  verifyFirmwareCold: 'verify-firmware-cold',
  quickBootRestore: 'quick-boot-restore',
} as const;

/** The cold-reboot part: skipped when the first reboot applied the values. */
export const coldRebootStepOrder: readonly string[] = [
  firmwareRebootSteps.quickBootOff,
  ...rebootStepOrder(firmwareRebootSteps.coldReboot),
  firmwareRebootSteps.verifyFirmwareCold,
  firmwareRebootSteps.quickBootRestore,
];

export const firmwareRebootStepOrder: readonly string[] = [
  ...rebootStepOrder(firmwareRebootSteps.firstReboot),
  firmwareRebootSteps.verifyFirmware,
  ...coldRebootStepOrder,
];

export const preflightSteps = {
  readState: 'read-state',
  readCards: 'read-cards',
  /** Workflows since the VM policy patch. */
  readVms: 'read-vms',
  check: 'check',
} as const;

export const preflightStepOrder: readonly string[] = [
  preflightSteps.readState,
  preflightSteps.readCards,
  preflightSteps.readVms,
  preflightSteps.check,
];

/** The guide's recovery-mode cycle (section 2.4). */
export const recoveryCycleSteps = {
  readState: 'read-state',
  setRecoveryMode: 'set-mst-recovery-1',
  recoveryReboot: rebootSteps(1),
  verifyCardsRecovery: 'verify-cards-recovery',
  restoreOptions: 'restore-options',
  normalReboot: rebootSteps(2),
  verifyCardsNormal: 'verify-cards-normal',
} as const;

/** The first half of the cycle: what a resumed run (recovery mode stored, cards listed) skips. */
export const recoveryHalfStepOrder: readonly string[] = [
  recoveryCycleSteps.setRecoveryMode,
  ...rebootStepOrder(recoveryCycleSteps.recoveryReboot),
  recoveryCycleSteps.verifyCardsRecovery,
];

export function recoveryCycleStepOrder(window: WindowStepOrder): string[] {
  const s = recoveryCycleSteps;
  return [
    s.readState,
    ...window.before,
    ...recoveryHalfStepOrder,
    s.restoreOptions,
    ...rebootStepOrder(s.normalReboot),
    s.verifyCardsNormal,
    ...window.after,
  ];
}

/** The guide's three mlxconfig commands (section 3.1), in its order: the groups of mlxconfigStep. */
export const sriovEnableMlxconfigGroups = ['advanced-pci', 'force-eth', 'sriov'] as const;

export const sriovEnableSteps = {
  readState: 'read-state',
  readCards: 'read-cards',
  /** Stands for the mlxconfig-<device>-<group> steps until the cards are known. */
  mlxconfig: 'mlxconfig',
  setMaxVfs: 'set-max-vfs',
  verifyVfs: 'verify-vfs',
} as const;

/** `mlxconfig`: the per-card steps (mlxconfigStep) once the cards are known. */
export function sriovEnableStepOrder(
  window: WindowStepOrder,
  mlxconfig: readonly string[] = [sriovEnableSteps.mlxconfig],
): string[] {
  const s = sriovEnableSteps;
  return [
    s.readState,
    s.readCards,
    ...window.before,
    ...mlxconfig,
    s.setMaxVfs,
    ...firmwareRebootStepOrder,
    s.verifyVfs,
    ...window.after,
  ];
}

/** SR-IOV off for passthrough (section 3.2): the mlxconfig group of mlxconfigStep. */
export const sriovDisableMlxconfigGroup = 'sriov-off';

export const sriovDisableSteps = {
  readState: 'read-state',
  readCards: 'read-cards',
  /** Stands for the mlxconfig-<device>-sriov-off steps until the cards are known. */
  mlxconfig: 'mlxconfig',
  clearMaxVfs: 'clear-max-vfs',
  verifyVfs: 'verify-vfs',
} as const;

export function sriovDisableStepOrder(
  window: WindowStepOrder,
  mlxconfig: readonly string[] = [sriovDisableSteps.mlxconfig],
): string[] {
  const s = sriovDisableSteps;
  return [
    s.readState,
    s.readCards,
    ...window.before,
    ...mlxconfig,
    s.clearMaxVfs,
    ...firmwareRebootStepOrder,
    s.verifyVfs,
    ...window.after,
  ];
}

/** Module reload recovery (the guide's troubleshooting section). */
export const moduleReloadSteps = {
  readState: 'read-state',
  reloadModule: 'reload-module',
  verifyCards: 'verify-cards',
} as const;

export const moduleReloadStepOrder: readonly string[] = [
  moduleReloadSteps.readState,
  moduleReloadSteps.reloadModule,
  moduleReloadSteps.verifyCards,
];

/** Switch checks (section 4). */
export const switchSmVirtSteps = {
  readState: 'read-state',
  checkVersion: 'check-version',
  enableSmVirt: 'enable-sm-virt',
  verify: 'verify',
} as const;

export const switchSmVirtStepOrder: readonly string[] = [
  switchSmVirtSteps.readState,
  switchSmVirtSteps.checkVersion,
  switchSmVirtSteps.enableSmVirt,
  switchSmVirtSteps.verify,
];

/** Bandwidth validation (the guide's performance section). */
export const validateBandwidthSteps = {
  perftest: 'perftest',
  check: 'check',
} as const;

export const validateBandwidthStepOrder: readonly string[] = [
  validateBandwidthSteps.perftest,
  validateBandwidthSteps.check,
];

/** One converge phase: its reboot (cold: Quick Boot off for it), the facts read after it, the check. */
export function convergePhaseSteps<N extends number>(n: N) {
  return {
    quickBootOff: `quick-boot-off-${n}`,
    reboot: rebootSteps(n),
    readState: `read-state-${n}`,
    readCards: `read-cards-${n}`,
    quickBootRestore: `quick-boot-restore-${n}`,
    verify: `verify-${n}`,
  } as const;
}

/** Converge (`ibfleet apply`): the reads and the plan, then the actions of each phase (convergePhaseSteps). */
export const convergeSteps = {
  readState: 'read-state',
  readCards: 'read-cards',
  /** `ibfleet plan` only. */
  readVms: 'read-vms',
  plan: 'plan',
  // One step per action kind (each occurs in one phase only).
  installMft: 'install-mft',
  recoveryModeOn: 'set-mst-recovery-1',
  /** Stands for the mlxconfig writes a later phase plans from the facts after its reboot. */
  mlxconfigAfterReboot: 'mlxconfig',
  normalMode: 'restore-options',
  maxVfs: 'set-max-vfs',
  /** The dry-run plan's (common/plan.ts) name for the final reads and check. */
  verifyConverged: 'verify-converged',
} as const;
