// The VMs registered on a simulated ESXi host: JSON-serialisable state and small views of it.
// Behaviour (power changes, guest shutdowns, maintenance entry) is in vm-power.ts; the seeded mix
// and per-host specs in vm-spec.ts; the .vmx files in vmx.ts. See simulator/README.md "VMs".

/**
 * VMware Tools in the guest:
 * - 'ok': a guest shutdown (vim-cmd power.shutdown, esxcli vm process kill --type soft) powers the
 *   VM off after `shutdownSeconds` (a slow guest is 'ok' with a large value);
 * - 'hung': tools answer, but the guest never finishes shutting down;
 * - 'none': tools not running: power.shutdown is refused (ToolsUnavailable), a soft kill never ends.
 */
export type VmTools = 'ok' | 'hung' | 'none';
export const VM_TOOLS: readonly VmTools[] = ['ok', 'hung', 'none'];

/** A device that ties the VM to the host's ConnectX cards. Plain VMs have none. */
export type VmDevice =
  /** DirectPath I/O of one PCI function of a card ("0000:17:00.0"). */
  | { kind: 'passthrough'; pci: string }
  /** An SR-IOV passthrough network adapter: one VF of this physical function, taken at power-on. */
  | { kind: 'sriov'; pf: string };

export interface VmState {
  vmid: number;
  name: string;
  /** vim-cmd Guest OS column (API guestId), e.g. "ubuntu64Guest". */
  guestId: string;
  /** .vmx guestOS, e.g. "ubuntu-64". */
  vmxGuestOs: string;
  /** "vmx-20". */
  hwVersion: string;
  numCpu: number;
  memoryMB: number;
  /** BIOS UUID as esxcli prints it: "56 4d c9 8d 87 2f a6 68-b2 3b 99 9f fb dc 76 cd". */
  uuid: string;
  power: 'on' | 'off';
  /** World ID and VMX cartel ID of the running VM (new ones at every power-on); 0 when off. */
  worldId: number;
  cartelId: number;
  tools: VmTools;
  shutdownSeconds: number;
  /** A guest shutdown in progress: the VM powers off at `at` (epoch ms), never when null. */
  shutdown?: { requestedAt: number; at: number | null };
  /** The host's autostart manager starts it after a boot (never in maintenance mode). */
  autostart: boolean;
  devices: VmDevice[];
  /** How long a vMotion of this running VM takes (seconds); absent or 0: at once. */
  vmotionSeconds?: number;
  /** A vMotion in progress: the VM keeps running here until it lands on `to` (vmotion.ts). */
  migration?: { to: string; since: number };
}

/** The host's one datastore. */
export interface DatastoreState {
  name: string;
  /** The VMFS volume UUID: /vmfs/volumes/<uuid> (the name is a symlink to it). */
  uuid: string;
}

/** An `esxcli system maintenanceMode set -e true` in progress (hostd's task, not the SSH session). */
export interface MaintenanceRequest {
  since: number;
  /** Epoch ms after which the request fails; null: no timeout. */
  deadline: number | null;
}

export function vmRunning(vm: VmState): boolean {
  return vm.power === 'on';
}

/** "[datastore1] name/name.vmx" (vim-cmd File column, get.config vmPathName). */
export function vmDatastorePath(ds: DatastoreState, vm: VmState): string {
  return `[${ds.name}] ${vm.name}/${vm.name}.vmx`;
}

/** "/vmfs/volumes/<uuid>/name/name.vmx" (esxcli vm process list Config File). */
export function vmConfigFile(ds: DatastoreState, vm: VmState): string {
  return `/vmfs/volumes/${ds.uuid}/${vm.name}/${vm.name}.vmx`;
}

/** The VM whose .vmx is at `path` (through the datastore name or its UUID). */
export function vmAtPath(ds: DatastoreState, vms: VmState[], path: string): VmState | undefined {
  const m = /^\/vmfs\/volumes\/([^/]+)\/([^/]+)\/([^/]+)\.vmx$/.exec(path.replace(/\/{2,}/g, '/'));
  if (!m || (m[1] !== ds.name && m[1] !== ds.uuid)) return undefined;
  return vms.find((vm) => vm.name === m[2] && vm.name === m[3]);
}

function fnv(text: string, seed = 2166136261): number {
  let h = seed >>> 0;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function hexBytes(seed: string, count: number): string[] {
  const bytes: string[] = [];
  let h = fnv(seed);
  for (let i = 0; i < count; i++) {
    h = fnv(`${seed}#${i}`, h);
    bytes.push((h & 0xff).toString(16).padStart(2, '0'));
  }
  return bytes;
}

/** A BIOS UUID in VMware's "56 4d .. ..-.. .." form, derived from the host and VM names. */
export function vmUuid(host: string, vm: string): string {
  const b = ['56', '4d', ...hexBytes(`${host}/${vm}`, 14)];
  return `${b.slice(0, 8).join(' ')}-${b.slice(8).join(' ')}`;
}

/** A VMFS volume UUID like "6459a379-ee2c0913-685e-1423f23d8fa0", derived from the host name. */
export function datastoreFor(host: string): DatastoreState {
  const b = hexBytes(`${host}/datastore1`, 16);
  return {
    name: 'datastore1',
    uuid: `${b.slice(0, 4).join('')}-${b.slice(4, 8).join('')}-${b.slice(8, 10).join('')}-${b.slice(10).join('')}`,
  };
}

/** World IDs of a host's VMs start here (vmkdevmgr and other system worlds sit near 2097000). */
export function firstWorldId(host: string): number {
  return 2_100_000 + (fnv(host) % 50_000) * 10;
}
