import assert from 'node:assert/strict';
import { matchRunning } from '../../activities/esxi/vm-list';
import { parseGetAllVms, parseVmProcessList } from '../../activities/esxi/parsers';
import type { HostOptions } from '../../common/procedures';
import type { HostRef } from '../../common/targets';
import { workloadOptionsSchema, type WorkloadOptions } from '../../common/workloads';
import { fastHostOptions, sshRead } from '../helpers/ibfleet-harness';

// What the VM tests read back from a simulated host over SSH, as an operator would: the VMs' power states
// (vim-cmd and esxcli, through ibfleet's parsers), and the commands in shell.log that change a VM.

/** Commands that change a VM's power state. */
const VM_CHANGING = [
  /^vim-cmd vmsvc\/power\.(on|off|shutdown|reset|suspend|reboot) /,
  /^esxcli vm process kill /,
];

export function vmChangingCommands(commands: readonly string[]): string[] {
  return commands.filter((c) => VM_CHANGING.some((re) => re.test(c)));
}

/** How often `command` (exactly) appears. */
export function countOf(commands: readonly string[], command: string): number {
  return commands.filter((c) => c === command).length;
}

/** Each VM's power state by name, read from the host. */
export async function vmPower(host: HostRef): Promise<Record<string, 'on' | 'off'>> {
  const registered = parseGetAllVms(await sshRead(host, 'vim-cmd vmsvc/getallvms'));
  const running = matchRunning(registered, parseVmProcessList(await sshRead(host, 'esxcli vm process list')));
  return Object.fromEntries(registered.map((vm) => [vm.name, running.has(vm.vmid) ? 'on' : 'off']));
}

export async function maintenanceMode(host: HostRef): Promise<string> {
  return (await sshRead(host, 'esxcli system maintenanceMode get')).trim();
}

/** fastHostOptions with a VM policy (timeouts short, retries quick). */
export function vmOptions(vms: Partial<WorkloadOptions>): HostOptions {
  return {
    ...fastHostOptions,
    vms: workloadOptionsSchema.parse({
      maintenanceTimeoutMs: 5_000,
      maintenanceRetryDelayMs: 100,
      guestShutdownTimeoutMs: 5_000,
      ...vms,
    }),
  };
}

export function assertIncludesAll(text: string | undefined, parts: readonly string[], what: string): void {
  for (const p of parts) assert.ok(text?.includes(p), `${what} should name ${p}: ${text}`);
}
