import { maintenanceTimeoutSeconds, workloadOptions, type WorkloadOptions } from './workloads';
import { procedureParamsSchemas, vfPortsFit, type ProcedureName, type ProcedureParams } from './procedures';

// What a procedure would run on one target, step by step, following the InfiniBand-on-vSphere-8 guide.
// Used by `ibfleet rollout start --dry-run`. Step names are those the procedure workflows report (so the
// plan reads like the live view), and command strings are those of activities/esxi/commands.ts (kept
// equal by test/client/plan.test.ts; common/ may not import activities). Pure and deterministic:
// values only known on the host (stored module options, cards, vmnic names) appear as <placeholders>.

export interface PlannedStep {
  step: string;
  commands: string[];
  /** The step reboots the target. */
  reboot?: boolean;
  /** What the step checks, or when it runs only conditionally. */
  note?: string;
}

export interface PlanOptions {
  /** Enter maintenance mode before a reboot (HostOptions.maintenanceMode); default true. */
  maintenanceMode?: boolean;
  /** The VM policy and maintenance-mode timeouts (HostOptions.vms); default: refuse. */
  vms?: WorkloadOptions;
  /** Some target is in a vSAN cluster (its peers are checked before maintenance mode). */
  vsan?: boolean;
}

export const MST = '/opt/mellanox/bin/mst';
export const MLXCONFIG = '/opt/mellanox/bin/mlxconfig';
const MODULE_OPTIONS = 'esxcfg-module -g nmlx5_core';
const BOOT_MARKER = ['grep booted /var/log/vmksummary.log', 'esxcli system stats uptime get'];
const EACH_CARD = '<dev>';

const READ_STATE: PlannedStep = {
  step: 'read-state',
  commands: [
    'esxcli system version get',
    'esxcli software vib list',
    'vmkload_mod -l',
    MODULE_OPTIONS,
    `${MST} status`,
    'esxcli system maintenanceMode get',
    'esxcli network nic list',
    ...BOOT_MARKER,
  ],
};

/** readCards: cards with their ports, mlxconfig values (Default/Current/Next Boot) and VFs per port. */
function readCards(step: string, devices: string[], note?: string): PlannedStep {
  return {
    step,
    commands: [
      `${MST} status -vv`,
      'esxcli network nic list',
      ...devices.map((d) => `${MLXCONFIG} -d ${d} -e query`),
      'esxcli network sriovnic vf list -n <vmnic>',
    ],
    note: note ?? '<vmnic> = each nmlx5 port of the cards',
  };
}

/** setModuleOption: `-p` replaces the whole stored string, so the change is merged and read back. */
function setModuleOptions(step: string, description: string, note?: string): PlannedStep {
  return {
    step,
    commands: [
      MODULE_OPTIONS,
      `esxcli system module parameters set -m nmlx5_core -p "<${description}>"`,
      MODULE_OPTIONS,
    ],
    note: note ?? 'skipped when the stored options already say so',
  };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/**
 * Before a rebooting procedure's first change (workflows/host/maintenance.ts): the host's VMs as the
 * policy says, the vSAN peers, maintenance mode with a timeout. The VMs themselves are read at run time.
 */
function workloadsBefore(o: PlanOptions): PlannedStep[] {
  const w = workloadOptions(o.vms);
  const read = ['vim-cmd vmsvc/getallvms', 'esxcli vm process list'];
  const policyNote = {
    refuse:
      'VMs are read at run time (preflight lists them): a host with a powered-on VM is left untouched, needs-attention naming the VMs (--vm-policy refuse)',
    wait: 'VMs are read at run time (preflight lists them): a host with powered-on VMs waits for their owners to power them off (--vm-policy wait)',
    shutdown:
      'VMs are read at run time (preflight lists them): the powered-on VMs are recorded before any is stopped (--vm-policy shutdown)',
  }[w.policy];
  const steps: PlannedStep[] = [{ step: 'vms-read', commands: read, note: policyNote }];
  if (w.policy === 'wait')
    steps.push({
      step: 'vms-drain',
      commands: read,
      note: `polled until no VM is powered on, up to the drain deadline of ${seconds(w.drainDeadlineMs)}; nothing is changed before; then needs-attention naming the VMs`,
    });
  if (o.vsan)
    steps.push({
      step: 'vsan-peers',
      commands: ['[each other host of the cluster] esxcli system maintenanceMode get'],
      note: 'hosts of vsan: true clusters only: none enters maintenance mode while another host of its cluster is in it',
    });
  if (w.policy === 'shutdown')
    steps.push({
      step: 'vms-stop',
      commands: [
        'esxcli vm process list',
        'vim-cmd vmsvc/power.shutdown <vmid>',
        ...(w.forcePowerOff ? ['vim-cmd vmsvc/power.off <vmid>'] : []),
      ],
      note:
        `each powered-on VM: guest shutdown, up to ${seconds(w.guestShutdownTimeoutMs)}; ` +
        (w.forcePowerOff
          ? 'then a hard power-off of those still running (--force-power-off)'
          : 'VMs still running then: needs-attention naming them, the others powered on again, nothing changed'),
    });
  if (o.maintenanceMode ?? true)
    steps.push({
      step: 'maintenance-on',
      commands: [
        'esxcli system maintenanceMode get',
        `esxcli system maintenanceMode set -e true -t ${maintenanceTimeoutSeconds(w)}`,
        'esxcli system maintenanceMode get',
      ],
      note:
        `skipped when already in maintenance mode; vsan: true clusters add -m ${w.vsanMode}; ` +
        `not entered in time: ${w.maintenanceRetries} more tr${w.maintenanceRetries === 1 ? 'y' : 'ies'} after ${seconds(w.maintenanceRetryDelayMs)}, then needs-attention with the VMs that blocked it, nothing changed`,
    });
  return steps;
}

/** After the last verification: maintenance mode off (retried), then the VMs the policy stopped on again. */
function workloadsAfter(o: PlanOptions): PlannedStep[] {
  const w = workloadOptions(o.vms);
  return [
    ...((o.maintenanceMode ?? true)
      ? [
          {
            step: 'maintenance-off',
            commands: [
              'esxcli system maintenanceMode get',
              'esxcli system maintenanceMode set -e false',
              'esxcli system maintenanceMode get',
            ],
            note: `only if ibfleet entered it; retried ${w.maintenanceRetries} time(s) (it fails transiently right after a boot)`,
          },
        ]
      : []),
    ...(w.policy === 'shutdown'
      ? [
          {
            step: 'vms-start',
            commands: ['vim-cmd vmsvc/power.getstate <vmid>', 'vim-cmd vmsvc/power.on <vmid>'],
            note: 'exactly the VMs stopped, in their order; a VM already on is left alone',
          },
        ]
      : []),
  ];
}

function rebootAndReturn(n: number, reason: string, mm: boolean, note?: string): PlannedStep[] {
  // `esxcli system shutdown reboot` refuses outside maintenance mode; busybox `reboot` does not.
  const reboot = mm ? `esxcli system shutdown reboot -r "${reason}"` : 'reboot';
  return [
    {
      step: `boot-marker-${n}`,
      commands: BOOT_MARKER,
      note: note ?? 'the boot marker the reboot must change',
    },
    {
      step: `reboot-${n}`,
      commands: [...BOOT_MARKER, reboot],
      reboot: true,
      note: 'only while the marker is still the recorded one',
    },
    {
      step: `await-return-${n}`,
      commands: BOOT_MARKER,
      note: 'polled until the host answers with a new marker and stays up (boot deadline)',
    },
  ];
}

/** A reboot for mlxconfig values, plus one cold reboot when Quick Boot left them "Next Boot" only. */
function firmwareReboot(
  reason: string,
  devices: string[],
  intended: string,
  allowCold: boolean,
  mm: boolean,
): PlannedStep[] {
  const steps: PlannedStep[] = [
    ...rebootAndReturn(1, reason, mm),
    readCards('verify-firmware', devices, `mlxconfig Current must show ${intended}`),
  ];
  if (!allowCold) return steps;
  const onlyIf = 'only if Current still lacks the values (Quick Boot skipped firmware init)';
  return [
    ...steps,
    { step: 'quick-boot-off', commands: ['/bin/loadESXEnable -s', '/bin/loadESXEnable -d'], note: onlyIf },
    ...rebootAndReturn(2, `${reason} (cold, firmware)`, mm, onlyIf),
    readCards('verify-firmware-cold', devices, onlyIf),
    {
      step: 'quick-boot-restore',
      commands: ['/bin/loadESXEnable -e'],
      note: 'only if Quick Boot was on before',
    },
  ];
}

/**
 * The steps and commands of `procedure` with `params` (validated and defaulted here, so `{}` means
 * the defaults). Throws the zod error when params are invalid.
 */
export function procedurePlan(
  procedure: ProcedureName,
  params: Record<string, unknown> = {},
  options: PlanOptions = {},
): PlannedStep[] {
  const mm = options.maintenanceMode ?? true;
  const o = { ...options, maintenanceMode: mm };
  switch (procedure) {
    case 'preflight':
      return preflightPlan(procedureParamsSchemas.preflight.parse(params));
    case 'recovery-cycle':
      procedureParamsSchemas['recovery-cycle'].parse(params);
      return recoveryCyclePlan(o);
    case 'sriov-enable':
      return sriovEnablePlan(procedureParamsSchemas['sriov-enable'].parse(params), o);
    case 'sriov-disable':
      return sriovDisablePlan(procedureParamsSchemas['sriov-disable'].parse(params), o);
    case 'module-reload':
      return moduleReloadPlan(procedureParamsSchemas['module-reload'].parse(params));
    case 'switch-sm-virt':
      return switchSmVirtPlan(procedureParamsSchemas['switch-sm-virt'].parse(params));
    case 'validate-bandwidth':
      return validateBandwidthPlan(procedureParamsSchemas['validate-bandwidth'].parse(params));
    case 'converge':
      procedureParamsSchemas.converge.parse(params);
      return convergePlan(o);
  }
}

/** Every step converge may take; which run on a host, `ibfleet plan` says (common/converge-plan.ts). */
function convergePlan(o: PlanOptions & { maintenanceMode: boolean }): PlannedStep[] {
  const mm = o.maintenanceMode;
  const onlyIf = 'only when cards are hidden or MFT/NMST is installed first';
  return [
    READ_STATE,
    readCards('read-cards', [EACH_CARD], '<dev> = each card listed by mst status, <vmnic> = each port'),
    // A converged host stops here: its VMs are not read and nothing is changed.
    ...workloadsBefore(o),
    {
      step: 'install-mft',
      commands: ['esxcli software component apply -d <depot>'],
      note: 'only when MFT/NMST is missing or older than declared (or `vib install -d`, as declared)',
    },
    setModuleOptions('set-mst-recovery-1', 'merged options with mst_recovery=1', onlyIf),
    ...rebootAndReturn(1, 'ibfleet converge: MFT/NMST, recovery mode', mm, onlyIf),
    readCards('read-cards-1', [EACH_CARD], 'the cards are listed; their values decide the writes below'),
    ...mlxconfigSteps([EACH_CARD], [{ name: '<group>', values: '<declared values that differ>' }]),
    setModuleOptions(
      'restore-options',
      'original options without mst_recovery=1',
      'only after recovery mode',
    ),
    setModuleOptions('set-max-vfs', 'merged options with the declared max_vfs'),
    {
      step: 'quick-boot-off-2',
      commands: ['/bin/loadESXEnable -s', '/bin/loadESXEnable -d'],
      note: 'only when firmware values change: one cold reboot applies them',
    },
    ...rebootAndReturn(2, 'ibfleet converge: firmware, max_vfs, normal mode', mm),
    readCards('verify-converged', [EACH_CARD], 'every declared value Current, VFs per port, options'),
    {
      step: 'quick-boot-restore-2',
      commands: ['/bin/loadESXEnable -e'],
      note: 'only if Quick Boot was on before',
    },
    ...workloadsAfter(o),
  ];
}

function preflightPlan(p: ProcedureParams['preflight']): PlannedStep[] {
  const vibs = p.requireMft ? 'nmlx5-core, nmlx5-rdma, mft, nmst' : 'nmlx5-core, nmlx5-rdma';
  return [
    READ_STATE,
    readCards(
      'read-cards',
      [EACH_CARD],
      'only when mst status lists cards; <dev> = each card, <vmnic> = each port',
    ),
    {
      step: 'check',
      commands: [],
      note: `ESXi ${p.esxiVersionPrefix}*, VIBs ${vibs} installed, nmlx5_core loaded, at least one card listed`,
    },
  ];
}

function recoveryCyclePlan(o: PlanOptions & { maintenanceMode: boolean }): PlannedStep[] {
  const mm = o.maintenanceMode;
  return [
    READ_STATE,
    ...workloadsBefore(o),
    setModuleOptions('set-mst-recovery-1', 'merged options with mst_recovery=1'),
    ...rebootAndReturn(1, 'ibfleet recovery-cycle: mst_recovery=1', mm),
    {
      step: 'verify-cards-recovery',
      commands: [`${MST} status`],
      note: 'the ConnectX cards are listed (recovery mode)',
    },
    setModuleOptions(
      'restore-options',
      'original options: mst_recovery=0, normal mode',
      "the guide's mst_recovery=0: the option string from before the cycle is restored exactly",
    ),
    ...rebootAndReturn(2, 'ibfleet recovery-cycle: mst_recovery back to normal', mm),
    {
      step: 'verify-cards-normal',
      commands: [`${MST} status`],
      note: 'the cards are still listed (normal mode)',
    },
    ...workloadsAfter(o),
  ];
}

function mlxconfigSteps(devices: string[], settings: { name: string; values: string }[]): PlannedStep[] {
  return devices.flatMap((d) =>
    settings.map((s) => ({
      step: `mlxconfig-${d}-${s.name}`,
      commands: [`${MLXCONFIG} -d ${d} -e query`, `${MLXCONFIG} -d ${d} -y set ${s.values}`],
      note: 'skipped when Next Boot already has the values',
    })),
  );
}

function sriovEnablePlan(
  p: ProcedureParams['sriov-enable'],
  o: PlanOptions & { maintenanceMode: boolean },
): PlannedStep[] {
  const mm = o.maintenanceMode;
  const devices = p.devices ?? [EACH_CARD];
  return [
    READ_STATE,
    readCards(
      'read-cards',
      devices,
      `${p.devices ? '<vmnic> = each nmlx5 port of the cards' : '<dev> = each card listed by mst status, <vmnic> = each port'}; ` +
        `then the guide's VF rule per card, NUM_OF_VFS > maxVfs × ports: numVfs ${p.numVfs} with maxVfs ${p.maxVfs} ` +
        `fits cards with up to ${vfPortsFit(p.numVfs, p.maxVfs)} port(s); a card with more stops its host before any change`,
    ),
    ...workloadsBefore(o),
    // The guide's three mlxconfig commands (section 3.1), in its order, per card.
    ...mlxconfigSteps(devices, [
      { name: 'advanced-pci', values: 'ADVANCED_PCI_SETTINGS=1' },
      { name: 'force-eth', values: 'FORCE_ETH_PCI_SUBCLASS=1' },
      { name: 'sriov', values: `SRIOV_EN=1 NUM_OF_VFS=${p.numVfs}` },
    ]),
    setModuleOptions(
      'set-max-vfs',
      `merged options with max_vfs=${p.maxVfs} for each nmlx5 port, e.g. ${p.maxVfs},${p.maxVfs}`,
    ),
    ...firmwareReboot(
      'ibfleet sriov-enable',
      devices,
      `SRIOV_EN=True(1) NUM_OF_VFS=${p.numVfs}`,
      p.allowColdReboot,
      mm,
    ),
    readCards('verify-vfs', devices, `${p.maxVfs} VFs on each nmlx5 port`),
    ...workloadsAfter(o),
  ];
}

function sriovDisablePlan(
  p: ProcedureParams['sriov-disable'],
  o: PlanOptions & { maintenanceMode: boolean },
): PlannedStep[] {
  const mm = o.maintenanceMode;
  const devices = p.devices ?? [EACH_CARD];
  return [
    READ_STATE,
    readCards(
      'read-cards',
      devices,
      p.devices ? undefined : '<dev> = each card listed by mst status, <vmnic> = each port',
    ),
    ...workloadsBefore(o),
    ...mlxconfigSteps(devices, [{ name: 'sriov-off', values: 'SRIOV_EN=0 NUM_OF_VFS=0' }]),
    setModuleOptions('clear-max-vfs', 'merged options without max_vfs'),
    ...firmwareReboot(
      'ibfleet sriov-disable',
      devices,
      'SRIOV_EN=False(0) NUM_OF_VFS=0',
      p.allowColdReboot,
      mm,
    ),
    readCards('verify-vfs', devices, 'no VF left on any port'),
    ...workloadsAfter(o),
  ];
}

function moduleReloadPlan(p: ProcedureParams['module-reload']): PlannedStep[] {
  return [
    READ_STATE,
    {
      step: 'reload-module',
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
    { step: 'verify-cards', commands: [`${MST} status`], note: 'the cards are listed again' },
  ];
}

function switchSmVirtPlan(p: ProcedureParams['switch-sm-virt']): PlannedStep[] {
  const show = ['enable', 'show version', 'show ib sm', 'show ib sm virt'];
  const enable = ['configure terminal', 'ib sm virt enable', 'ib sm', 'configuration write'];
  if (p.restartSm) enable.push('no ib sm', 'ib sm');
  return [
    { step: 'read-state', commands: show },
    { step: 'check-version', commands: [], note: `MLNX-OS ${p.minVersion} or newer` },
    {
      step: 'enable-sm-virt',
      commands: [...show, ...enable],
      note:
        'only when the SM or its virtualization is not enabled; `ib sm` only if the SM was disabled' +
        (p.restartSm ? '; the SM restart only if it was running' : ''),
    },
    {
      step: 'verify',
      commands: ['enable', 'show ib sm', 'show ib sm virt'],
      note: 'SM enable, virtualization Enabled',
    },
  ];
}

function validateBandwidthPlan(p: ProcedureParams['validate-bandwidth']): PlannedStep[] {
  const flags = `-a -F --report_gbits -q ${p.queuePairs} -p ${p.port}${p.bidirectional ? ' -b' : ''}`;
  const expected = p.lineRateGbps * (p.bidirectional ? 2 : 1);
  return [
    {
      step: 'perftest',
      commands: [
        '[client] ibstat',
        `[server] ${p.test} -d <server ibDevice> ${flags}`,
        `[client] ${p.test} -d <client ibDevice> ${flags} <server dataAddress>`,
      ],
      note: 'the client retries briefly while the server starts listening',
    },
    {
      step: 'check',
      commands: [],
      note: `BW average at the largest message size >= ${Math.round(expected * p.threshold * 100) / 100} Gb/s (${p.threshold} x ${expected})`,
    },
  ];
}
