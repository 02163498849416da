import { MLXCONFIG, MST } from '../mft-tools';
import { firmwareRebootSteps, mlxconfigStep, type RebootSteps } from '../procedure-steps';
import type { PlannedStep } from './types';

// The planned steps several ESXi procedures share: reading the host and its cards, a merged module
// options change, a guarded reboot, the firmware reboot with its cold retry, the mlxconfig writes.

const MODULE_OPTIONS = 'esxcfg-module -g nmlx5_core';
const BOOT_MARKER = ['grep booted /var/log/vmksummary.log', 'esxcli system stats uptime get'];
/** Each card `mst status` lists, when the procedure is not given devices. */
export const EACH_CARD = '<dev>';

/** What every ESXi procedure reads first (activities/esxi/read-state.ts). */
export function readState(step: string): PlannedStep {
  return {
    step,
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
}

/** readCards: cards with their ports, mlxconfig values (Default/Current/Next Boot) and VFs per port. */
export function readCards(step: string, devices: string[], note?: string): PlannedStep {
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
export function setModuleOptions(step: string, description: string, note?: string): PlannedStep {
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

export function rebootAndReturn(r: RebootSteps, reason: string, mm: boolean, note?: string): PlannedStep[] {
  // `esxcli system shutdown reboot` refuses outside maintenance mode; busybox `reboot` does not.
  const reboot = mm ? `esxcli system shutdown reboot -r "${reason}"` : 'reboot';
  return [
    {
      step: r.bootMarker,
      commands: BOOT_MARKER,
      note: note ?? 'the boot marker the reboot must change',
    },
    {
      step: r.reboot,
      commands: [...BOOT_MARKER, reboot],
      reboot: true,
      note: 'only while the marker is still the recorded one',
    },
    {
      step: r.awaitReturn,
      commands: BOOT_MARKER,
      note: 'polled until the host answers with a new marker and stays up (boot deadline)',
    },
  ];
}

/** A reboot for mlxconfig values, plus one cold reboot when Quick Boot left them "Next Boot" only. */
export function firmwareReboot(
  reason: string,
  devices: string[],
  intended: string,
  allowCold: boolean,
  mm: boolean,
): PlannedStep[] {
  const s = firmwareRebootSteps;
  const steps: PlannedStep[] = [
    ...rebootAndReturn(s.firstReboot, reason, mm),
    readCards(s.verifyFirmware, devices, `mlxconfig Current must show ${intended}`),
  ];
  if (!allowCold) return steps;
  const onlyIf = 'only if Current still lacks the values (Quick Boot skipped firmware init)';
  return [
    ...steps,
    { step: s.quickBootOff, commands: ['/bin/loadESXEnable -s', '/bin/loadESXEnable -d'], note: onlyIf },
    ...rebootAndReturn(s.coldReboot, `${reason} (cold, firmware)`, mm, onlyIf),
    readCards(s.verifyFirmwareCold, devices, onlyIf),
    {
      step: s.quickBootRestore,
      commands: ['/bin/loadESXEnable -e'],
      note: 'only if Quick Boot was on before',
    },
  ];
}

export function mlxconfigSteps(
  devices: string[],
  settings: { group: string; values: string }[],
): PlannedStep[] {
  return devices.flatMap((d) =>
    settings.map((s) => ({
      step: mlxconfigStep(d, s.group),
      commands: [`${MLXCONFIG} -d ${d} -e query`, `${MLXCONFIG} -d ${d} -y set ${s.values}`],
      note: 'skipped when Next Boot already has the values',
    })),
  );
}
