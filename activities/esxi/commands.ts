// The ESXi commands ibfleet runs, in one place (the dry-run plan and the audit tests name the same ones).

export const MST = '/opt/mellanox/bin/mst';
export const MLXCONFIG = '/opt/mellanox/bin/mlxconfig';
export const MODULE = 'nmlx5_core';

export const esxCommands = {
  version: 'esxcli system version get',
  vibList: 'esxcli software vib list',
  loadedModules: 'vmkload_mod -l',
  moduleOptions: `esxcfg-module -g ${MODULE}`,
  mstStatus: `${MST} status`,
  mstStatusVerbose: `${MST} status -vv`,
  maintenanceGet: 'esxcli system maintenanceMode get',
  nicList: 'esxcli network nic list',
  uptime: 'esxcli system stats uptime get',
  boots: 'grep booted /var/log/vmksummary.log',
  rebootHistory: "grep -E 'Host is rebooting|Host has booted' /var/log/vmksummary.log | tail -n 20",
  worlds: 'ps -c',
  quickBootGet: '/bin/loadESXEnable -s',
  setModuleOptions: (options: string) => `esxcli system module parameters set -m ${MODULE} -p "${options}"`,
  maintenanceSet: (enabled: boolean) => `esxcli system maintenanceMode set -e ${enabled}`,
  reboot: (reason: string) => `esxcli system shutdown reboot -r "${reason}"`,
  busyboxReboot: 'reboot',
  mlxQuery: (device: string) => `${MLXCONFIG} -d ${device} -e query`,
  mlxSet: (device: string, values: Record<string, string>) =>
    `${MLXCONFIG} -d ${device} -y set ${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  vfList: (nic: string) => `esxcli network sriovnic vf list -n ${nic}`,
  quickBootSet: (enabled: boolean) => `/bin/loadESXEnable ${enabled ? '-e' : '-d'}`,
  unloadModule: (name: string) => `vmkload_mod -u ${name}`,
  loadModule: (name: string, params: string) => `vmkload_mod ${name}${params ? ` ${params}` : ''}`,
  hup: (wid: number) => `kill -HUP ${wid}`,
};

/** Text that goes inside double quotes on the ESXi shell: no quoting or expansion characters. */
export function isShellSafe(text: string): boolean {
  return !/["`$\\\n\r]/.test(text);
}

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
]);
const READ_ONLY_FORMS = [
  /^\/opt\/mellanox\/bin\/mlxconfig -d [\w.:]+ -e query$/,
  /^esxcli network sriovnic vf list -n \w+$/,
];

/** Commands that only read (an allow-list): safe to send again when a connection drops under them. */
export function isReadOnlyCommand(command: string): boolean {
  return READ_ONLY.has(command) || READ_ONLY_FORMS.some((re) => re.test(command));
}
