import { z } from 'zod';
import { pick } from '../prng';
import { computeVfs, nmlxPorts, parseOptions } from './derived';
import type { EsxiState } from './state';
import { powerOff, powerOn, type PowerOnRefusal } from './vm-power';
import { vmUuid, VM_TOOLS, type VmDevice, type VmState } from './vm-state';

// What VMs a host carries: explicit specs (fleet options, the control endpoint) or a seeded mix
// (`npm run sim -- --vms N`). Device shorthands pick the host's ports: 'passthrough' the next PCI
// function no other VM passes through, 'sriov' a physical function with VFs to spare.

const pciSchema = z
  .string()
  .regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, 'a PCI address like 0000:17:00.0');

export const vmDeviceSpecSchema = z.union([
  z.enum(['passthrough', 'sriov']),
  z.strictObject({ kind: z.literal('passthrough'), pci: pciSchema }),
  z.strictObject({ kind: z.literal('sriov'), pf: pciSchema }),
]);

export const vmSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'letters, digits, . _ - (no spaces)'),
  vmid: z.number().int().positive().optional(),
  /** Default 'on'. */
  power: z.enum(['on', 'off']).optional(),
  /** Default 'ok'. */
  tools: z.enum(VM_TOOLS).optional(),
  /** Guest shutdown time (seconds, fractions allowed); default 5. */
  shutdownSeconds: z.number().min(0).max(86_400).optional(),
  /** vMotion time (seconds, fractions allowed): how long DRS takes to move it; default 0 (at once). */
  vmotionSeconds: z.number().min(0).max(86_400).optional(),
  autostart: z.boolean().optional(),
  devices: z.array(vmDeviceSpecSchema).optional(),
  numCpu: z.number().int().min(1).max(768).optional(),
  memoryMB: z.number().int().min(4).optional(),
});
export type VmSpec = z.infer<typeof vmSpecSchema>;
export type VmDeviceSpec = z.infer<typeof vmDeviceSpecSchema>;

/** PATCH /hosts/NAME/vms/VM (control endpoint): changes to one VM. */
export const vmPatchSchema = vmSpecSchema.pick({
  power: true,
  tools: true,
  shutdownSeconds: true,
  vmotionSeconds: true,
  autostart: true,
});
export type VmPatch = z.infer<typeof vmPatchSchema>;

/** Probabilities of the seeded mix, each drawn per VM. */
export interface VmMix {
  /** Device kind: passthrough, else SR-IOV, else plain (a host without a free port or VFs gets plain). */
  passthrough: number;
  sriov: number;
  /** Registered but powered off. */
  off: number;
  autostart: number;
  /** Tools 'hung' (the guest never finishes a shutdown), else 'none' (no tools), else 'ok'. */
  hung: number;
  noTools: number;
}

export const DEFAULT_VM_MIX: VmMix = {
  passthrough: 0.4,
  sriov: 0.3,
  off: 0.15,
  autostart: 0.5,
  hung: 0.05,
  noTools: 0.05,
};

/** "hung=0,no-tools=0,off=0.2" -> a mix (unnamed keys keep the default). */
export function parseVmMix(text: string): VmMix {
  const mix = { ...DEFAULT_VM_MIX };
  const keys: Record<string, keyof VmMix> = {
    passthrough: 'passthrough',
    sriov: 'sriov',
    off: 'off',
    autostart: 'autostart',
    hung: 'hung',
    'no-tools': 'noTools',
  };
  for (const part of text.split(',').filter((p) => p.trim())) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const key = keys[k];
    const p = Number(v);
    if (!key) throw new Error(`vm mix: unknown key "${k}" (${Object.keys(keys).join(', ')})`);
    if (v === undefined || v === '' || !(p >= 0 && p <= 1))
      throw new Error(`vm mix: ${k} needs a probability 0..1`);
    mix[key] = p;
  }
  return mix;
}

const GUESTS: [string, string][] = [
  ['ubuntu64Guest', 'ubuntu-64'],
  ['rhel9_64Guest', 'rhel9-64'],
];

/** `count` VM specs for host `host`, drawn with `rng` (the host's seeded PRNG). */
export function generateVmSpecs(
  host: string,
  count: number,
  rng: () => number,
  o: { mix?: VmMix; shutdownSeconds?: number | [number, number] } = {},
): VmSpec[] {
  const mix = o.mix ?? DEFAULT_VM_MIX;
  return Array.from({ length: count }, (_v, i): VmSpec => {
    const d = rng();
    const t = rng();
    return {
      name: `${host}-vm${i + 1}`,
      power: rng() < mix.off ? 'off' : 'on',
      autostart: rng() < mix.autostart,
      tools: t < mix.hung ? 'hung' : t < mix.hung + mix.noTools ? 'none' : 'ok',
      shutdownSeconds: pick(o.shutdownSeconds ?? [2, 10], rng),
      devices: d < mix.passthrough ? ['passthrough'] : d < mix.passthrough + mix.sriov ? ['sriov'] : [],
      numCpu: [8, 16, 32][Math.floor(rng() * 3)],
      memoryMB: [65536, 131072][Math.floor(rng() * 2)],
    };
  });
}

/** VFs each PF will have (boot.vfs once booted, else from the stored options and Next Boot). */
function expectedVfs(state: EsxiState): Map<string, number> {
  const ports = nmlxPorts(state);
  const vfs =
    state.boot.count > 0
      ? state.boot.vfs
      : computeVfs(state, parseOptions(state.moduleOptions.nmlx5_core ?? ''));
  return new Map(ports.map((p) => [p.pci, vfs[p.index] ?? 0]));
}

/**
 * Turns specs into VMs (replacing the host's VMs). Shorthand devices resolve to the host's ports;
 * with `lenient` (the seeded mix) a shorthand that finds no free port or VF becomes plain, else it
 * throws. VMs specified 'on' run: before the first boot as given (the boot drops those whose
 * devices are missing), afterwards only if they power on (a refused VM stays off).
 */
export function installVms(
  state: EsxiState,
  specs: VmSpec[],
  o: { lenient?: boolean } = {},
): PowerOnRefusal[] {
  const names = new Set<string>();
  const ports = nmlxPorts(state).map((p) => p.pci);
  const vfsLeft = expectedVfs(state);
  const passedThrough = new Set<string>();
  const resolve = (vmName: string, d: VmDeviceSpec): VmDevice | undefined => {
    if (typeof d !== 'string') return d;
    if (d === 'passthrough') {
      const pci =
        ports.find((p) => !passedThrough.has(p) && (vfsLeft.get(p) ?? 0) === 0) ??
        ports.find((p) => !passedThrough.has(p));
      if (pci === undefined) {
        if (o.lenient) return undefined;
        throw new Error(`${vmName}: no card port left for a passthrough device`);
      }
      passedThrough.add(pci);
      return { kind: 'passthrough', pci };
    }
    const pf = [...vfsLeft]
      .filter(([p, n]) => n > 0 && !passedThrough.has(p))
      .sort((a, b) => b[1] - a[1])[0]?.[0];
    if (pf === undefined) {
      if (o.lenient) return undefined;
      if (ports.length === 0) throw new Error(`${vmName}: the host has no card for an SR-IOV device`);
      return { kind: 'sriov', pf: ports[0] };
    }
    vfsLeft.set(pf, (vfsLeft.get(pf) ?? 1) - 1);
    return { kind: 'sriov', pf };
  };
  let nextVmid = 1;
  const vms = specs.map((spec): VmState => {
    if (names.has(spec.name)) throw new Error(`two VMs named ${spec.name}`);
    names.add(spec.name);
    const vmid = spec.vmid ?? nextVmid;
    nextVmid = Math.max(nextVmid, vmid) + 1;
    const guest = GUESTS[vmid % GUESTS.length];
    return {
      vmid,
      name: spec.name,
      guestId: guest[0],
      vmxGuestOs: guest[1],
      hwVersion: 'vmx-20',
      numCpu: spec.numCpu ?? 8,
      memoryMB: spec.memoryMB ?? 65536,
      uuid: vmUuid(state.name, spec.name),
      power: 'off',
      worldId: 0,
      cartelId: 0,
      tools: spec.tools ?? 'ok',
      shutdownSeconds: spec.shutdownSeconds ?? 5,
      ...(spec.vmotionSeconds ? { vmotionSeconds: spec.vmotionSeconds } : {}),
      autostart: spec.autostart ?? false,
      devices: (spec.devices ?? [])
        .map((d) => resolve(spec.name, d))
        .filter((d): d is VmDevice => d !== undefined),
    };
  });
  if (new Set(vms.map((vm) => vm.vmid)).size !== vms.length) throw new Error('two VMs with the same vmid');
  for (const vm of state.vms) powerOff(vm);
  state.vms = vms.sort((a, b) => a.vmid - b.vmid);
  const refusals: PowerOnRefusal[] = [];
  for (const spec of specs) {
    if ((spec.power ?? 'on') !== 'on') continue;
    const vm = state.vms.find((v) => v.name === spec.name) as VmState;
    if (state.boot.count === 0) {
      vm.power = 'on';
      vm.worldId = state.nextWorldId;
      vm.cartelId = state.nextWorldId - 1;
      state.nextWorldId += 13;
    } else {
      const refusal = powerOn(state, vm);
      if (refusal) refusals.push(refusal);
    }
  }
  return refusals;
}

/** Applies a control-endpoint change to one VM; a power-on can be refused. */
export function patchVm(state: EsxiState, vm: VmState, patch: VmPatch): PowerOnRefusal | undefined {
  if (patch.tools !== undefined) vm.tools = patch.tools;
  if (patch.shutdownSeconds !== undefined) vm.shutdownSeconds = patch.shutdownSeconds;
  if (patch.vmotionSeconds !== undefined) vm.vmotionSeconds = patch.vmotionSeconds;
  if (patch.autostart !== undefined) vm.autostart = patch.autostart;
  if (patch.power === 'off') powerOff(vm);
  if (patch.power === 'on' && vm.power === 'off') return powerOn(state, vm);
  return undefined;
}
