import { z } from 'zod';
import { powerOff, powerOn, vmotionEndsAt } from '../esxi/vm-power';
import type { EsxiMachine } from '../esxi/machine';
import type { VmState } from '../esxi/vm-state';
import type { Fleet } from '../fleet';
import type { SimHost } from '../sim-host';

// vMotion (POST /vcenter/hosts/NAME/vms/VM/migrate, control-routes.ts): a running plain VM moves to
// another host and keeps running there. It takes the VM's `vmotionSeconds` (default 0: at once), as a
// real vMotion takes the time to copy the guest's memory; meanwhile the VM runs on its host, so a
// maintenance entry of that host waits for it (DRS evacuation holds EnterMaintenanceMode_Task open, and
// `esxcli system maintenanceMode set -e true` over SSH waits on the same entry). The time is read while
// the vMotion runs: lowering `vmotionSeconds` (PATCH /hosts/NAME/vms/VM) lets it land sooner.

export interface MigrateRefusal {
  status: 409;
  body: { fault: string; error: string };
}

const migrateSchema = z.strictObject({ to: z.string().min(1) });

const refuse = (fault: string, error: string): MigrateRefusal => ({ status: 409, body: { fault, error } });

/** Why `vm` cannot move from `h` to `to` now, if it cannot. */
function refusal(fleet: Fleet, h: SimHost, vm: VmState, to: string): MigrateRefusal | undefined {
  if (!fleet.names().includes(to) || !fleet.host(to).esxi) return refuse('NotFound', `no ESXi host ${to}`);
  const target = fleet.host(to);
  if (h.power !== 'up') return refuse('HostNotConnected', `${h.name} is not connected (${h.power})`);
  if (target.power !== 'up') return refuse('HostNotConnected', `${to} is not connected (${target.power})`);
  const dest = target.esxi as NonNullable<SimHost['esxi']>;
  dest.settle();
  if (dest.state.maintenanceMode || dest.state.maintenanceRequest)
    return refuse('InvalidState', `${to} is in (or entering) maintenance mode`);
  if (vm.devices.length > 0)
    return refuse('DeviceNotSupported', `${vm.name} has passthrough or SR-IOV devices: no vMotion`);
  if (dest.state.vms.some((v) => v.name === vm.name))
    return refuse('DuplicateName', `${to} already has a VM ${vm.name}`);
  return undefined;
}

/** Moves `vm` from `h` to the host the body names; a refusal (409) if it cannot, undefined once it has moved. */
export async function migrate(
  fleet: Fleet,
  h: SimHost,
  vm: VmState,
  body: unknown,
  signal: AbortSignal,
): Promise<MigrateRefusal | undefined> {
  const { to } = migrateSchema.parse(body);
  const source = h.esxi as NonNullable<SimHost['esxi']>;
  if (vm.migration)
    return refuse('InvalidState', `${vm.name} is already being migrated to ${vm.migration.to}`);
  const before = refusal(fleet, h, vm, to);
  if (before) return before;
  if (vm.power === 'on' && (vm.vmotionSeconds ?? 0) > 0) {
    const landed = await vmotion(source, vm, to, signal);
    if (!landed)
      return refuse('InvalidState', `${vm.name} stopped during its vMotion: it stays on ${h.name}`);
    if (signal.aborted) return refuse('RequestCanceled', `the vMotion of ${vm.name} was cancelled`);
    const after = refusal(fleet, h, vm, to);
    if (after) return after;
  }
  const dest = fleet.host(to).esxi as NonNullable<SimHost['esxi']>;
  const wasOn = vm.power === 'on';
  powerOff(vm);
  source.state.vms = source.state.vms.filter((v) => v !== vm);
  vm.vmid = Math.max(0, ...dest.state.vms.map((v) => v.vmid)) + 1;
  dest.state.vms.push(vm);
  // A running VM keeps running: a new world on the destination.
  if (wasOn) powerOn(dest.state, vm);
  source.settle();
  source.changed();
  dest.changed();
  return undefined;
}

/** The VM runs on `source` for its vMotion time; false when it stopped meanwhile (its host went down). */
async function vmotion(source: EsxiMachine, vm: VmState, to: string, signal: AbortSignal): Promise<boolean> {
  vm.migration = { to, since: source.now() };
  source.changed();
  try {
    await source.waitUntil(
      () => vm.migration === undefined || source.now() >= (vmotionEndsAt(vm) ?? 0),
      null,
      signal,
    );
    return vm.migration !== undefined;
  } finally {
    // Never left behind: a landed (or abandoned) vMotion is no longer a transition to wait for.
    delete vm.migration;
    source.changed();
  }
}
