import { nicsPresent, nmlxPorts } from './derived';
import type { EsxiState } from './state';
import type { VmDevice, VmState } from './vm-state';

// VM power transitions and maintenance-mode entry, as pure mutations of a host's state. Time is
// passed in: a guest shutdown or an entry timeout "happens" when settleHost() sees that its time
// has come, so every command (and every waiting esxcli) first settles the host, and nothing needs
// a timer to be correct. See simulator/README.md "VMs".

/** Why a VM does not power on. */
export type PowerOnRefusal =
  | { kind: 'already-on' }
  /** The host is in maintenance mode or entering it (vim.fault.InvalidState). */
  | { kind: 'host-state' }
  /** Device `index` (pciPassthru<index>) is not available. */
  | { kind: 'device'; index: number; device: VmDevice; reason: 'not-passthrough' | 'in-use' | 'no-vf' };

export function anyRunning(state: EsxiState): boolean {
  return state.vms.some((vm) => vm.power === 'on');
}

export function runningVms(state: EsxiState): VmState[] {
  return state.vms.filter((vm) => vm.power === 'on');
}

export function findVm(state: EsxiState, vmid: number): VmState | undefined {
  return state.vms.find((vm) => vm.vmid === vmid);
}

/** VFs per physical function ("0000:17:00.0") in this boot; none while the driver has no cards. */
export function vfCapacity(state: EsxiState): Map<string, number> {
  const map = new Map<string, number>();
  if (!nicsPresent(state)) return map;
  for (const p of nmlxPorts(state)) map.set(p.pci, state.boot.vfs[p.index] ?? 0);
  return map;
}

/** The running VMs' VFs: PF -> owner world ID of VF 0, 1, ... (VFs are handed out in VM order). */
export function vfOwners(state: EsxiState): Map<string, number[]> {
  const owners = new Map<string, number[]>();
  for (const vm of runningVms(state)) {
    for (const d of vm.devices) {
      if (d.kind !== 'sriov') continue;
      const list = owners.get(d.pf) ?? [];
      list.push(vm.worldId);
      owners.set(d.pf, list);
    }
  }
  return owners;
}

export function powerOnRefusal(state: EsxiState, vm: VmState): PowerOnRefusal | undefined {
  if (vm.power === 'on') return { kind: 'already-on' };
  if (state.maintenanceMode || state.maintenanceRequest) return { kind: 'host-state' };
  const ports = nicsPresent(state) ? new Set(nmlxPorts(state).map((p) => p.pci)) : new Set<string>();
  const others = runningVms(state).filter((v) => v !== vm);
  const capacity = vfCapacity(state);
  const vfsUsed = new Map<string, number>();
  for (const [pf, list] of vfOwners(state)) vfsUsed.set(pf, list.length);
  for (const [index, device] of vm.devices.entries()) {
    if (device.kind === 'passthrough') {
      if (!ports.has(device.pci)) return { kind: 'device', index, device, reason: 'not-passthrough' };
      const taken = others.some((o) =>
        o.devices.some((d) => d.kind === 'passthrough' && d.pci === device.pci),
      );
      if (taken) return { kind: 'device', index, device, reason: 'in-use' };
    } else {
      const used = vfsUsed.get(device.pf) ?? 0;
      if (used >= (capacity.get(device.pf) ?? 0)) return { kind: 'device', index, device, reason: 'no-vf' };
      vfsUsed.set(device.pf, used + 1);
    }
  }
  return undefined;
}

/** Powers the VM on unless refused; a new world ID each time. */
export function powerOn(state: EsxiState, vm: VmState): PowerOnRefusal | undefined {
  const refusal = powerOnRefusal(state, vm);
  if (refusal) return refusal;
  vm.power = 'on';
  vm.worldId = state.nextWorldId;
  vm.cartelId = state.nextWorldId - 1;
  state.nextWorldId += 13;
  delete vm.shutdown;
  return undefined;
}

/** Immediate power-off (vim-cmd power.off, kill --type hard|force, a host going down). */
export function powerOff(vm: VmState): boolean {
  if (vm.power === 'off') return false;
  vm.power = 'off';
  vm.worldId = 0;
  vm.cartelId = 0;
  delete vm.shutdown;
  // A VM that stops (its host going down) ends its vMotion where it was.
  delete vm.migration;
  return true;
}

/** When the VM's vMotion in progress lands (epoch ms): vmotionSeconds after it started, as they are now. */
export function vmotionEndsAt(vm: VmState): number | undefined {
  if (!vm.migration) return undefined;
  return vm.migration.since + Math.round((vm.vmotionSeconds ?? 0) * 1000);
}

export type ShutdownResult = 'started' | 'already-pending' | 'not-running' | 'no-tools';

/**
 * A guest shutdown: power.shutdown (`soft` false) needs running tools; a soft kill does not ask
 * the tools but still waits for the guest. It completes after shutdownSeconds for 'ok' tools and
 * never for 'hung' ones, for 'none' ones on a soft kill, or when `hangs` (fault) is set.
 */
export function requestGuestShutdown(
  vm: VmState,
  now: number,
  o: { soft: boolean; hangs: boolean },
): ShutdownResult {
  if (vm.power === 'off') return 'not-running';
  if (vm.tools === 'none' && !o.soft) return 'no-tools';
  if (vm.shutdown) return 'already-pending';
  const completes = vm.tools === 'ok' && !o.hangs;
  vm.shutdown = { requestedAt: now, at: completes ? now + Math.round(vm.shutdownSeconds * 1000) : null };
  return 'started';
}

/** Starts (or joins) a maintenance-mode entry; the later deadline wins, null (none) over any. */
export function requestMaintenance(state: EsxiState, now: number, deadline: number | null): void {
  const req = state.maintenanceRequest;
  if (!req) {
    state.maintenanceRequest = { since: now, deadline };
    return;
  }
  if (req.deadline !== null && (deadline === null || deadline > req.deadline)) req.deadline = deadline;
}

function enterMaintenance(state: EsxiState): void {
  state.maintenanceMode = true;
  delete state.maintenanceRequest;
}

/**
 * Applies what happened up to `now`: guest shutdowns that finished (in time order), then the
 * pending maintenance entry: entered when the last VM stopped before its deadline, dropped after
 * it. Returns whether anything changed.
 */
export function settleHost(state: EsxiState, now: number): boolean {
  let changed = false;
  const due = state.vms
    .filter((vm) => vm.power === 'on' && vm.shutdown?.at != null && vm.shutdown.at <= now)
    .sort((a, b) => (a.shutdown?.at ?? 0) - (b.shutdown?.at ?? 0));
  for (const vm of due) {
    const at = vm.shutdown?.at ?? now;
    powerOff(vm);
    changed = true;
    const req = state.maintenanceRequest;
    if (req && !anyRunning(state) && (req.deadline === null || at <= req.deadline)) enterMaintenance(state);
  }
  const req = state.maintenanceRequest;
  if (req) {
    if (req.deadline !== null && now >= req.deadline) {
      delete state.maintenanceRequest;
      changed = true;
    } else if (!anyRunning(state)) {
      enterMaintenance(state);
      changed = true;
    }
  }
  return changed;
}

/** When settleHost() will next change something by itself (epoch ms), if ever. */
export function nextTransitionAt(state: EsxiState): number | null {
  let next: number | null = null;
  const consider = (t: number | null | undefined) => {
    if (t != null && (next === null || t < next)) next = t;
  };
  for (const vm of runningVms(state)) {
    consider(vm.shutdown?.at);
    consider(vmotionEndsAt(vm));
  }
  consider(state.maintenanceRequest?.deadline);
  return next;
}

/** The host goes down: running VMs stop hard, hostd's pending entry request is gone. */
export function stopAllVms(state: EsxiState): void {
  for (const vm of state.vms) powerOff(vm);
  delete state.maintenanceRequest;
}

/**
 * After a boot. The simulator's first boot keeps the VMs that were running when the fleet was
 * created (unless their devices are missing); every later boot starts the autostart VMs, in
 * order, unless the host is in maintenance mode. A VM whose devices are missing stays off.
 */
export function startVmsAfterBoot(state: EsxiState, firstBoot: boolean): void {
  if (firstBoot) {
    for (const vm of runningVms(state)) {
      vm.power = 'off';
      if (powerOnRefusal(state, vm)) powerOff(vm);
      else vm.power = 'on';
    }
    return;
  }
  if (state.maintenanceMode) return;
  for (const vm of state.vms) if (vm.autostart && vm.power === 'off') powerOn(state, vm);
}
