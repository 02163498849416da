import { parseCardModel } from './esxi/catalog';
import type { CardSpec, MlxParam, MstPathStyle } from './esxi/state';
import type { VmMix, VmSpec } from './esxi/vm-spec';
import { globMatches, type HostFaults } from './faults';

// What a simulated fleet is made of (startFleet's options) and each host's settings after overrides.

/** Per-host settings (also usable as defaults for every host). */
export interface HostOverride {
  /** Cards in PCI order: a model name ("ConnectX-7", "cx6") or { model, ports, maxNumOfVfs, pciBus }. */
  cards?: (string | CardSpec)[];
  /** Guide 2.4: mst status lists nothing until a boot with mst_recovery=1. */
  hiddenCards?: boolean;
  /** Several mst access paths per card (pciconfN.1, pci_crN, /dev/ names); default one per card. */
  mstPaths?: MstPathStyle;
  quickBoot?: boolean;
  /** Initial stored nmlx5_core option string, e.g. "max_vfs=8". */
  nmlx5CoreOptions?: string;
  /** Initial mlxconfig values (Current = Next Boot) on every card. */
  mlxconfig?: Partial<Record<MlxParam, number>>;
  maintenanceMode?: boolean;
  /** MFT / NMST VIBs installed (default true). */
  mft?: boolean;
  nmst?: boolean;
  /** MFT/NMST offline depots on the host's datastore (default: /vmfs/volumes/datastore1/mft-depot.zip). */
  mftDepots?: string[];
  esxiVersion?: string;
  bootTimeMs?: number;
  commandLatencyMs?: number;
  faults?: HostFaults;
  /** VMs: a count drawn from the seeded mix (FleetOptions.vmMix), or explicit specs. Default 0. */
  vms?: number | VmSpec[];
}

export interface FleetOptions {
  /** ESXi hosts (default 3). */
  hosts?: number;
  /** Clusters the hosts are split into, in contiguous blocks (default 1). */
  clusters?: number;
  switches?: number;
  guestPairs?: number;
  /** Boot time of each host (ms): fixed, or drawn per host from [min, max]. Default 2000. */
  bootTimeMs?: number | [number, number];
  /** Each boot takes bootTime * (1 ± jitter); default 0.1. */
  bootJitter?: number;
  /** Delay before each command's answer (ms): fixed or drawn per host. Default 0. */
  commandLatencyMs?: number | [number, number];
  /** Between an accepted reboot and the host going down (ms); default 300. */
  shutdownDelayMs?: number;
  /** Seed of every random choice (boot times, jitter, fault probabilities). Default 1. */
  seed?: number;
  /** Persist host states, keys and ports here; a restarted fleet continues from them. */
  stateDir?: string;
  /** Fault spec (see FAULT_SPEC_HELP). */
  faults?: string;
  /** JSON file of faults: { "esx-03": { "neverReturn": true }, "*": "drop=0.1" }. */
  faultsFile?: string;
  /** Password accepted by every machine (default: random). */
  password?: string;
  /** First port; machines get consecutive ports. 0 or undefined: ephemeral ports. */
  portBase?: number;
  /** Listen address (default 127.0.0.1). */
  address?: string;
  /** Control endpoint port (default ephemeral); false: no control endpoint. */
  controlPort?: number | false;
  /** Host name prefix (default "esx-"). */
  namePrefix?: string;
  /** VMs per host from the seeded mix: fixed or drawn per host from [min, max] (default 0). */
  vms?: number | [number, number];
  /** Guest shutdown time of the mix's VMs (seconds): fixed or drawn per VM; default 2-10. */
  vmShutdownSeconds?: number | [number, number];
  vmMix?: VmMix;
  /** Settings for every host, then overrides by host name or glob. */
  defaults?: HostOverride;
  hostOverrides?: Record<string, HostOverride>;
  /** Progress and warnings (default: none). */
  log?: (message: string) => void;
}

/** The settings of one host: the defaults, then every override whose name or glob matches, in order. */
export function overrideFor(name: string, o: FleetOptions): HostOverride {
  let merged: HostOverride = { ...(o.defaults ?? {}) };
  for (const [pattern, ov] of Object.entries(o.hostOverrides ?? {})) {
    if (globMatches(pattern, name)) merged = { ...merged, ...ov };
  }
  return merged;
}

/** Card specs from model names ("ConnectX-7", "cx6") or specs; an unknown model is an error. */
export function resolveCards(cards: HostOverride['cards']): CardSpec[] | undefined {
  return cards?.map((c) => {
    if (typeof c !== 'string') return c;
    const model = parseCardModel(c);
    if (!model)
      throw new Error(`unknown card model "${c}" (ConnectX-5, ConnectX-5 Ex, ConnectX-6, ConnectX-7)`);
    return { model };
  });
}
