import type { ExecResult } from '../machine';
import { isError, parseOptions } from './esxcli-args';
import { esxcliBlocks } from './format';
import { err, out, type EsxiContext } from './host-context';
import { powerOff, requestGuestShutdown, runningVms } from './vm-power';
import { vmConfigFile } from './vm-state';

// esxcli vm process list|kill: the running VMs' worlds.

/**
 * `esxcli vm process list` [V]: per running VM its display name, then indented key/values, then a
 * blank line (fields and header from the esxcli command model; layout from ESXi 8.0 U3 and other
 * captures). No running VM: no output [R].
 */
export function vmProcessList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  host.settle();
  const state = host.state;
  return out(
    esxcliBlocks(
      runningVms(state).map((vm) => ({
        title: vm.name,
        pairs: [
          ['World ID', vm.worldId],
          ['Process ID', 0],
          ['VMX Cartel ID', vm.cartelId],
          ['UUID', vm.uuid],
          ['Display Name', vm.name],
          ['Config File', vmConfigFile(state.datastore, vm)],
        ],
      })),
    ),
  );
}

export const KILL_TYPES = ['soft', 'hard', 'force'] as const;

/**
 * `esxcli vm process kill --type soft|hard|force --world-id N` prints nothing on success [S: the
 * command model's formatter is empty]. soft: the VMX shuts the guest down (the VM's shutdown
 * time; never ends when tools hang or are missing); hard and force: the VM stops at once.
 * Error texts are [R].
 */
export function vmProcessKill(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [
    { short: 't', long: 'type', required: true },
    { short: 'w', long: 'world-id', required: true },
  ]);
  if (isError(opts)) return opts;
  const type = opts.get('type') as string;
  const widText = opts.get('world-id') as string;
  if (!(KILL_TYPES as readonly string[]).includes(type))
    return err(`Invalid kill type: ${type}. Valid types are soft, hard and force.\n`);
  const wid = Number(widText);
  host.settle();
  const vm = Number.isInteger(wid) ? runningVms(host.state).find((v) => v.worldId === wid) : undefined;
  if (!vm) return err(`Unable to find a running VM with world ID ${widText}.\n`);
  if (type === 'soft') requestGuestShutdown(vm, host.now(), { soft: true, hangs: host.guestShutdownHangs() });
  else powerOff(vm);
  host.settle();
  host.changed();
  return out('');
}
