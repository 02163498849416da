// The ESXi commands ibfleet runs, in one place (the dry-run plan and the audit tests name the same ones).
// Every one is made by the command builder (../command-line): values are checked against their shapes
// and quoted for busybox ash, so a device or vmnic name a host prints can never become a command.

import { valueShapes as shapes } from '../../common/command-values';
import { MLXCONFIG, MST } from '../../common/mft-tools';
import {
  assignment,
  pipeline,
  shellCommand as sh,
  text,
  unquoteWord,
  value,
  type ShellCommand,
} from '../command-line';
import { softwareCommands } from './software-commands';
import { vmCommands } from './vm-commands';

export const MODULE = 'nmlx5_core';

export const esxCommands = {
  version: sh('esxcli system version get'),
  vibList: sh('esxcli software vib list'),
  loadedModules: sh('vmkload_mod -l'),
  moduleOptions: sh('esxcfg-module -g', value(shapes.moduleName, MODULE)),
  mstStatus: sh(MST, 'status'),
  mstStatusVerbose: sh(MST, 'status -vv'),
  maintenanceGet: sh('esxcli system maintenanceMode get'),
  nicList: sh('esxcli network nic list'),
  uptime: sh('esxcli system stats uptime get'),
  boots: sh('grep booted /var/log/vmksummary.log'),
  rebootHistory: pipeline(
    sh('grep -E', text(shapes.searchPattern, 'Host is rebooting|Host has booted'), '/var/log/vmksummary.log'),
    sh('tail -n 20'),
  ),
  worlds: sh('ps -c'),
  quickBootGet: sh('/bin/loadESXEnable -s'),
  /** `-p` replaces the whole stored string: `options` is the complete, merged string. */
  setModuleOptions: (options: string) =>
    sh(
      'esxcli system module parameters set -m',
      value(shapes.moduleName, MODULE),
      '-p',
      text(shapes.moduleOptions, options),
    ),
  maintenanceSet: (enabled: boolean) =>
    sh('esxcli system maintenanceMode set -e', enabled ? 'true' : 'false'),
  reboot: (reason: string) => sh('esxcli system shutdown reboot -r', text(shapes.rebootReason, reason)),
  busyboxReboot: sh('reboot'),
  mlxQuery: (device: string) => sh(MLXCONFIG, '-d', value(shapes.mstDevice, device), '-e query'),
  mlxSet: (device: string, values: Record<string, string>) =>
    sh(
      MLXCONFIG,
      '-d',
      value(shapes.mstDevice, device),
      '-y set',
      ...Object.entries(values).map(([k, v]) => assignment(shapes.mlxconfigKey, k, shapes.mlxconfigValue, v)),
    ),
  vfList: (nic: string) => sh('esxcli network sriovnic vf list -n', value(shapes.vmnic, nic)),
  quickBootSet: (enabled: boolean) => sh('/bin/loadESXEnable', enabled ? '-e' : '-d'),
  unloadModule: (name: string) => sh('vmkload_mod -u', value(shapes.moduleName, name)),
  /** Loads a module with parameters for this boot only (`name=value` each). */
  loadModule: (name: string, parameters: readonly string[] = []) =>
    sh(
      'vmkload_mod',
      value(shapes.moduleName, name),
      ...parameters.map((p) => value(shapes.moduleParameter, p)),
    ),
  hup: (wid: number) => sh('kill -HUP', value(shapes.worldId, wid)),
};

const READ_ONLY = new Set<string>([
  esxCommands.version,
  esxCommands.vibList,
  esxCommands.loadedModules,
  esxCommands.moduleOptions,
  esxCommands.mstStatus,
  esxCommands.mstStatusVerbose,
  esxCommands.maintenanceGet,
  esxCommands.nicList,
  esxCommands.uptime,
  esxCommands.boots,
  esxCommands.rebootHistory,
  esxCommands.worlds,
  esxCommands.quickBootGet,
  vmCommands.getAllVms,
  vmCommands.processList,
  softwareCommands.vibListRebootingImage,
]);

/**
 * Read-only commands with one value: `command` is one of them when the word between `prefix` and
 * `suffix` unquotes to a value from which the builder makes exactly `command` (its shape and quoting).
 */
function readOnlyForm(prefix: string, suffix: string, build: (value: string) => ShellCommand) {
  return (command: string): boolean => {
    if (!command.startsWith(prefix) || !command.endsWith(suffix)) return false;
    const word = unquoteWord(command.slice(prefix.length, command.length - suffix.length));
    if (word === undefined) return false;
    try {
      return build(word) === command;
    } catch {
      return false; // not a value of the right shape: not a command the builder makes
    }
  };
}

const READ_ONLY_FORMS = [
  readOnlyForm(`${MLXCONFIG} -d `, ' -e query', esxCommands.mlxQuery),
  readOnlyForm('esxcli network sriovnic vf list -n ', '', esxCommands.vfList),
  readOnlyForm('vim-cmd vmsvc/power.getstate ', '', (vmid) => vmCommands.powerState(Number(vmid))),
  readOnlyForm('cat ', '', vmCommands.readVmx),
];

/** Commands that only read (an allow-list): safe to send again when a connection drops under them. */
export function isReadOnlyCommand(command: string): boolean {
  return READ_ONLY.has(command) || READ_ONLY_FORMS.some((isForm) => isForm(command));
}
