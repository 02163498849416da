import type { VmInfo, VmRef } from '../contract';
import type { StepCommands } from '../step-context';
import { quoteOutput } from '../step-context';
import {
  ParseError,
  parseGetAllVms,
  parseVmProcessList,
  parseVmx,
  type VmProcess,
  type VmRegistration,
} from './parsers';
import { vmCommands } from './vm-commands';

// Which VMs a host has and which of them run: `vim-cmd vmsvc/getallvms` (registered, by vmid) and
// `esxcli vm process list` (running, by config file), matched by the .vmx path. Devices come from each
// VM's .vmx, read only when asked (preflight): the drain itself does not need them.

/** "/vmfs/volumes/<datastore name or volume UUID>/<path>", or the path itself for "[] /abs/path.vmx". */
function sameConfigFile(vm: Pick<VmRegistration, 'file'>, configFile: string): boolean {
  const m = /^\[([^\]]*)\] (.+)$/.exec(vm.file);
  if (!m) return false;
  if (m[1] === '') return configFile === m[2];
  const prefix = /^\/vmfs\/volumes\/[^/]+\//.exec(configFile);
  return prefix !== null && configFile.slice(prefix[0].length) === m[2];
}

/**
 * The running VMs among `vms` (vmid → its process). Every process must be exactly one registered VM
 * (by its .vmx path, then its name); anything else is refused rather than guessed.
 */
export function matchRunning(vms: readonly VmRef[], processes: readonly VmProcess[]): Map<number, VmProcess> {
  const running = new Map<number, VmProcess>();
  for (const p of processes) {
    let candidates = vms.filter((vm) => sameConfigFile(vm, p.configFile));
    if (candidates.length > 1) candidates = candidates.filter((vm) => vm.name === p.displayName);
    if (candidates.length !== 1 || running.has(candidates[0].vmid))
      throw new ParseError(
        'esxcli vm process list',
        'each running VM to be exactly one VM of vim-cmd vmsvc/getallvms (by its .vmx)',
        `${p.displayName} ${p.configFile}`,
      );
    running.set(candidates[0].vmid, p);
  }
  return running;
}

/** The vmids of `vms` that run now (`esxcli vm process list`; processes of other VMs are ignored). */
export async function runningAmong(
  cmd: StepCommands,
  vms: readonly VmRef[],
  opts: { record?: boolean } = {},
): Promise<Set<number>> {
  const r = await cmd.run(vmCommands.processList, opts);
  if (r.code !== 0)
    throw new Error(
      `${cmd.endpoint.name}: \`${vmCommands.processList}\` exited ${r.code}: ${quoteOutput(r.stderr || r.stdout)}`,
    );
  const processes = parseVmProcessList(r.stdout);
  const running = new Set<number>();
  for (const p of processes) {
    const own = vms.filter((vm) => sameConfigFile(vm, p.configFile));
    const match = own.length > 1 ? own.filter((vm) => vm.name === p.displayName) : own;
    if (match.length === 1) running.add(match[0].vmid);
    else if (match.length > 1)
      throw new ParseError(
        'esxcli vm process list',
        'each running VM to be one of the VMs recorded',
        p.configFile,
      );
  }
  return running;
}

/** The .vmx of a registered VM, as an absolute path. */
export function vmxPathOf(vm: Pick<VmRegistration, 'datastore' | 'path'>): string {
  return vm.datastore === '' ? vm.path : `/vmfs/volumes/${vm.datastore}/${vm.path}`;
}

async function devicesOf(
  cmd: StepCommands,
  vm: VmRegistration,
): Promise<Pick<VmInfo, 'devices' | 'devicesUnknown'>> {
  let command;
  try {
    command = vmCommands.readVmx(vmxPathOf(vm));
  } catch (err) {
    return { devicesUnknown: (err as Error).message };
  }
  const r = await cmd.run(command);
  if (r.code !== 0) return { devicesUnknown: `cat exited ${r.code}: ${quoteOutput(r.stderr || r.stdout)}` };
  try {
    return {
      devices: parseVmx(r.stdout).devices.map((d) => ({
        kind: d.kind,
        ...(d.id !== undefined ? { id: d.id } : {}),
        ...(d.pf !== undefined ? { pf: d.pf } : {}),
      })),
    };
  } catch (err) {
    if (err instanceof ParseError) return { devicesUnknown: err.message };
    throw err;
  }
}

/** The registered VMs in vmid order, with their power state (and devices when asked). */
export async function listVms(cmd: StepCommands, withDevices: boolean): Promise<VmInfo[]> {
  const [registered, processes] = await Promise.all([
    cmd.check(vmCommands.getAllVms).then(parseGetAllVms),
    cmd.check(vmCommands.processList).then(parseVmProcessList),
  ]);
  const running = matchRunning(registered, processes);
  const sorted = [...registered].sort((a, b) => a.vmid - b.vmid);
  return await Promise.all(
    sorted.map(async (vm): Promise<VmInfo> => ({
      vmid: vm.vmid,
      name: vm.name,
      file: vm.file,
      power: running.has(vm.vmid) ? 'on' : 'off',
      ...(withDevices ? await devicesOf(cmd, vm) : {}),
    })),
  );
}
