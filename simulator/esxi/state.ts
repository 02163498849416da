import { cardCatalog, esxiReleases, type CardModel } from './catalog';
import type { SoftwareState } from './software';
import {
  datastoreFor,
  firstWorldId,
  type DatastoreState,
  type MaintenanceRequest,
  type VmState,
} from './vm-state';

// The JSON-serialisable state of one simulated ESXi host. Everything else (VIB rows, module
// descriptions, card names) is derived from the shared catalog.

export const MLX_PARAMS = [
  'NUM_OF_VFS',
  'SRIOV_EN',
  'LINK_TYPE_P1',
  'LINK_TYPE_P2',
  'ADVANCED_PCI_SETTINGS',
  'FORCE_ETH_PCI_SUBCLASS',
] as const;
export type MlxParam = (typeof MLX_PARAMS)[number];

export interface MlxValue {
  default: number;
  current: number;
  next: number;
}

export interface CardState {
  model: CardModel;
  ports: 1 | 2;
  /** PCI bus; port p of the card is PCI function p: 0000:BB:00.p. */
  pciBus: number;
  /** N in mt4129_pciconfN: counts cards of the same device id in PCI order. */
  mstIndex: number;
  firmware: string;
  psid: string;
  partNumber: string;
  description: string;
  baseGuid: string;
  baseMac: string;
  /** NUM_OF_VFS above this is refused by mlxconfig. */
  maxNumOfVfs: number;
  mlxconfig: Partial<Record<MlxParam, MlxValue>>;
}

export interface BootState {
  count: number;
  /** Epoch ms when this boot completed. */
  bootedAt: number;
  /** False for a Quick Boot (warm) reboot: firmware Next Boot values were not applied. */
  cold: boolean;
  /** Loaded kernel modules -> the parameter string they were loaded with. */
  loaded: Record<string, string>;
  /** nmlx5_core drives the cards: vmnics exist, mst can reach the cards. */
  claimed: boolean;
  /** False when the host came back without its cards (fault). */
  cardsPresent: boolean;
  /** World id of vmkdevmgr in this boot (ps -c, kill -HUP). */
  devmgrWid: number;
  /** VFs per nmlx5 port (PCI order), fixed when the driver claimed the cards. */
  vfs: number[];
}

/**
 * How MFT lists each card in `mst status` (every option off: one bare mtXXXX_pciconfN per card, as on
 * ESXi 8 with nmlx5). A real host may list one card under several access paths.
 */
export interface MstPathStyle {
  /** A path per PCI function of a dual-port card (mtXXXX_pciconfN.1), as for ConnectX-4 and later. */
  functions?: boolean;
  /** The direct CR-space path too (mtXXXX_pci_crN), as for ConnectX-3 under the native driver. */
  crSpace?: boolean;
  /** Names under /dev/ and no dash rule under "MST devices:", as under the legacy vmklinux driver. */
  vmklinux?: boolean;
}

export interface EsxiState {
  schema: 1;
  name: string;
  version: string;
  cards: CardState[];
  /** Optional Mellanox tool VIBs (the nmlx5 driver VIBs are inbox). */
  vibs: { mft: boolean; nmst: boolean };
  /** MFT/NMST depots on the datastore and VIBs staged for the next boot (software.ts; absent: defaults). */
  software?: SoftwareState;
  /** Stored module option strings (esxcli system module parameters set), applied at boot. */
  moduleOptions: Record<string, string>;
  maintenanceMode: boolean;
  quickBoot: boolean;
  /** Guide 2.4: mst lists no cards until the host has booted once with mst_recovery=1. */
  cardsHidden: boolean;
  /** Access paths mst lists per card (absent in states saved before it existed: one path per card). */
  mstPaths?: MstPathStyle;
  power: 'on' | 'off';
  boot: BootState;
  logs: { vmksummary: string[]; shell: string[] };
  /** Next pid for shell.log lines. */
  nextPid: number;
  /** Registered VMs, in vmid order (vm-state.ts). */
  vms: VmState[];
  datastore: DatastoreState;
  /** Next VM world ID (VMX cartel ID = world ID - 1). */
  nextWorldId: number;
  /** A maintenance-mode entry waiting for the powered-on VMs to stop. */
  maintenanceRequest?: MaintenanceRequest;
  /** The TSM-SSH service (absent: running, policy "on"); stopped, the SSH port refuses connections. */
  sshService?: SshServiceState;
}

/** hostd's TSM-SSH service: a boot starts it under policy "on" or "automatic", not under "off" [R]. */
export interface SshServiceState {
  running: boolean;
  policy: 'on' | 'off' | 'automatic';
}

export interface CardSpec {
  model: CardModel;
  ports?: 1 | 2;
  maxNumOfVfs?: number;
  /** PCI bus of the card (default: the next free slot of PCI_BUSES). */
  pciBus?: number;
}

export interface CreateEsxiOptions {
  name: string;
  /** Small integer used to derive unique GUIDs/MACs. */
  index: number;
  version?: string;
  cards?: CardSpec[];
  mft?: boolean;
  nmst?: boolean;
  /** Initial stored nmlx5_core option string. */
  nmlx5CoreOptions?: string;
  quickBoot?: boolean;
  cardsHidden?: boolean;
  mstPaths?: MstPathStyle;
  maintenanceMode?: boolean;
  /** Initial mlxconfig values (Current and Next Boot) for every card. */
  mlxconfig?: Partial<Record<MlxParam, number>>;
  /** Epoch ms of the initial boot. */
  bootedAt: number;
}

export const PCI_BUSES = [0x17, 0x31, 0x4b, 0x65, 0x7f, 0x99, 0xb3, 0xcd, 0xe7];
export const MAX_SHELL_LOG_LINES = 1_000;
export const MAX_VMKSUMMARY_LINES = 1_000;

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0').slice(-width);
}

export function createEsxiState(o: CreateEsxiOptions): EsxiState {
  const version = o.version ?? '8.0.2';
  if (!esxiReleases[version]) throw new Error(`unknown ESXi version ${version}`);
  const specs = o.cards ?? [{ model: 'ConnectX-7' }];
  if (specs.length > PCI_BUSES.length) throw new Error(`at most ${PCI_BUSES.length} cards per host`);
  const cards = specs.map((spec, i): CardState => {
    const info = cardCatalog[spec.model];
    const ports = spec.ports ?? info.defaultPorts;
    const part = info.parts[ports];
    // Spaced so that the ports of every card get distinct MACs.
    const uid = hex(o.index * 64 + i * 8, 6);
    const mlxconfig: CardState['mlxconfig'] = {
      NUM_OF_VFS: { default: 0, current: 0, next: 0 },
      SRIOV_EN: { default: 0, current: 0, next: 0 },
      LINK_TYPE_P1: { default: 1, current: 1, next: 1 },
      ADVANCED_PCI_SETTINGS: { default: 0, current: 0, next: 0 },
      FORCE_ETH_PCI_SUBCLASS: { default: 0, current: 0, next: 0 },
    };
    if (ports === 2) mlxconfig.LINK_TYPE_P2 = { default: 1, current: 1, next: 1 };
    for (const [param, value] of Object.entries(o.mlxconfig ?? {}) as [MlxParam, number][]) {
      const entry = mlxconfig[param];
      if (entry) {
        entry.current = value;
        entry.next = value;
      }
    }
    return {
      model: spec.model,
      ports,
      pciBus: spec.pciBus ?? PCI_BUSES[i],
      mstIndex: 0,
      firmware: info.firmware,
      psid: part.psid,
      partNumber: part.partNumber,
      description: part.description,
      baseGuid: `a088c203${hex(0x10000000 + o.index * 64 + i * 8, 8)}`,
      baseMac: `a088c2${uid}`,
      maxNumOfVfs: spec.maxNumOfVfs ?? 127,
      mlxconfig,
    };
  });
  // mst numbers devices of the same type in PCI order.
  const perPrefix = new Map<string, number>();
  for (const card of [...cards].sort((a, b) => a.pciBus - b.pciBus)) {
    const prefix = cardCatalog[card.model].mstPrefix;
    card.mstIndex = perPrefix.get(prefix) ?? 0;
    perPrefix.set(prefix, card.mstIndex + 1);
  }
  return {
    schema: 1,
    name: o.name,
    version,
    cards,
    vibs: { mft: o.mft ?? true, nmst: o.nmst ?? true },
    moduleOptions: { nmlx5_core: o.nmlx5CoreOptions ?? '' },
    maintenanceMode: o.maintenanceMode ?? false,
    quickBoot: o.quickBoot ?? false,
    cardsHidden: o.cardsHidden ?? false,
    ...(o.mstPaths ? { mstPaths: o.mstPaths } : {}),
    power: 'on',
    boot: {
      count: 0,
      bootedAt: o.bootedAt,
      cold: true,
      loaded: {},
      claimed: false,
      cardsPresent: true,
      devmgrWid: 0,
      vfs: [],
    },
    logs: { vmksummary: [], shell: [] },
    nextPid: 2100000 + ((o.index * 7919) % 90000),
    vms: [],
    datastore: datastoreFor(o.name),
    nextWorldId: firstWorldId(o.name),
  };
}

/** Fills the fields that state files written by older simulators lack (a host without VMs). */
export function upgradeEsxiState(state: EsxiState): EsxiState {
  state.vms ??= [];
  state.datastore ??= datastoreFor(state.name);
  state.nextWorldId ??= firstWorldId(state.name);
  return state;
}

/** Appends a line to a bounded log. */
export function appendLog(log: string[], line: string, max: number): void {
  log.push(line);
  if (log.length > max) log.splice(0, log.length - max);
}
