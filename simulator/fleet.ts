import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestPairRef, GuestRef, HostRef, SwitchRef } from '../common/targets';
import { parseCardModel, type CardModel } from './esxi/catalog';
import {
  createEsxiState,
  upgradeEsxiState,
  type CardSpec,
  type EsxiState,
  type MlxParam,
  type MstPathStyle,
} from './esxi/state';
import { generateVmSpecs, installVms, vmSpecSchema, type VmMix, type VmSpec } from './esxi/vm-spec';
import { startControlServer, type ControlServer } from './control-server';
import type { EsxiMachine } from './esxi/machine';
import { createExtras, type ExtraMachine, type SwitchSnapshot } from './fleet-extras';
import {
  faultsFor,
  globMatches,
  parseFaultSpec,
  parseFaultsJson,
  type FaultRule,
  type HostFaults,
} from './faults';
import { HostKeyStore, loadOrCreateClientKey } from './host-keys';
import { renderInventoryYaml } from './inventory-yaml';
import type { SimMachine } from './machine';
import { hashString, mulberry32, pick } from './prng';
import { SimHost, type HostTimings } from './sim-host';
import { ClientAuth } from './ssh-server';
import { StateStore, type FleetFile } from './state-store';

// startFleet(): the simulated fleet used by tests, the demo, the benchmark and `npm run sim`.

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

export interface FleetInventory {
  hosts: HostRef[];
  switches: SwitchRef[];
  guestPairs: GuestPairRef[];
}

export interface Fleet {
  readonly inventory: FleetInventory;
  /** The private key every machine accepts (OpenSSH format, mode 0600). */
  readonly clientKeyPath: string;
  /** The password every machine accepts. Keep it out of logs. */
  readonly password: string;
  /** Base URL of the HTTP control endpoint ("" when disabled). */
  readonly controlUrl: string;
  readonly stateDir?: string;
  /** Every machine name: hosts, switches, guests. */
  names(): string[];
  machine(name: string): SimMachine;
  /** The ESXi model of a host (state, commands); throws for other machines. */
  esxi(name: string): EsxiMachine;
  /** Runtime of a machine: power state, waitFor('up'|'down'), timings, faults, SSH port. */
  host(name: string): SimHost;
  setFaults(name: string, faults: HostFaults): void;
  faults(name: string): HostFaults;
  timings(name: string): HostTimings;
  allTimings(): Record<string, HostTimings>;
  /** "ssh-ed25519 AAAA..." of the machine's (pinned) host key. */
  hostPublicKey(name: string): string;
  /** OpenSSH known_hosts lines ("[127.0.0.1]:PORT ssh-ed25519 ...") for every machine. */
  knownHosts(): string;
  /** Power-cycles a host (cold boot, no maintenance mode needed). */
  powerCycle(name: string): void;
  writeInventory(path: string): Promise<void>;
  /** Persists everything now (also done on stop). */
  save(): Promise<void>;
  stop(): Promise<void>;
}

const START_BATCH = 100;

function resolveCards(cards: HostOverride['cards']): CardSpec[] | undefined {
  return cards?.map((c) => {
    if (typeof c !== 'string') return c;
    const model = parseCardModel(c);
    if (!model)
      throw new Error(`unknown card model "${c}" (ConnectX-5, ConnectX-5 Ex, ConnectX-6, ConnectX-7)`);
    return { model };
  });
}

/** A new host's VMs: explicit specs, or a count drawn (like the mix) from the host's own PRNG. */
function addVms(state: EsxiState, ov: HostOverride, o: FleetOptions): void {
  const rng = mulberry32(hashString(`${state.name}/vms`, o.seed ?? 1));
  if (Array.isArray(ov.vms)) {
    const specs = vmSpecSchema.array().safeParse(ov.vms);
    if (!specs.success) throw new Error(`${state.name}: invalid VM specs: ${specs.error.message}`);
    installVms(state, specs.data);
    return;
  }
  const count = ov.vms ?? pick(o.vms ?? 0, rng);
  if (count > 0) {
    const specs = generateVmSpecs(state.name, count, rng, {
      mix: o.vmMix,
      shutdownSeconds: o.vmShutdownSeconds,
    });
    installVms(state, specs, { lenient: true });
  }
}

function overrideFor(name: string, o: FleetOptions): HostOverride {
  let merged: HostOverride = { ...(o.defaults ?? {}) };
  for (const [pattern, ov] of Object.entries(o.hostOverrides ?? {})) {
    if (globMatches(pattern, name)) merged = { ...merged, ...ov };
  }
  return merged;
}

function modelTag(model: CardModel): string {
  return model.replace('ConnectX-', 'cx').replace(' Ex', 'ex').toLowerCase();
}

export async function startFleet(opts: FleetOptions = {}): Promise<Fleet> {
  const hostCount = opts.hosts ?? 3;
  const clusterCount = Math.max(1, Math.min(opts.clusters ?? 1, Math.max(hostCount, 1)));
  const seed = opts.seed ?? 1;
  const address = opts.address ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const prefix = opts.namePrefix ?? 'esx-';
  const width = Math.max(
    2,
    String(Math.max(hostCount, opts.switches ?? 0, opts.guestPairs ?? 0, clusterCount)).length,
  );
  const pad = (n: number) => String(n).padStart(width, '0');

  const store = opts.stateDir
    ? await StateStore.open(opts.stateDir, (err) => log(`cannot save state: ${err.message}`))
    : undefined;
  const fleetFile: FleetFile = (await store?.readFleet()) ?? { version: 1, ports: {} };
  const keys = await HostKeyStore.open(store?.hostKeysFile);
  const tempDir = store ? undefined : await mkdtemp(join(tmpdir(), 'ibfleet-sim-'));
  const clientKeyPath = store ? store.clientKeyFile : join(tempDir as string, 'id_ed25519');
  const clientKey = await loadOrCreateClientKey(clientKeyPath);
  const password = opts.password ?? randomBytes(18).toString('base64url');
  const auth = new ClientAuth(clientKey.publicKey, password);

  const rules: FaultRule[] = [];
  if (opts.faultsFile) rules.push(...parseFaultsJson(JSON.parse(await readFile(opts.faultsFile, 'utf8'))));
  if (opts.faults) rules.push(...parseFaultSpec(opts.faults));

  const machines = new Map<string, SimHost>();
  const order: string[] = [];
  let portIndex = 0;
  const portFor = (name: string) => {
    const i = portIndex++;
    if (opts.portBase) return opts.portBase + i;
    return fleetFile.ports[name] ?? 0;
  };
  const onChange = (host: () => SimHost) => () => {
    const h = host();
    const state = h.esxi?.state;
    if (store && state) store.markDirty(h.name, () => ({ state, faults: h.faults }));
  };

  // ESXi hosts.
  const clusters = Array.from({ length: clusterCount }, (_v, i) => `cluster-${pad(i + 1)}`);
  const perCluster = Math.ceil(hostCount / clusterCount);
  const hostsByCluster = new Map<string, EsxiState[]>(clusters.map((c) => [c, []]));
  const hostCluster = new Map<string, string>();
  const pendingFaults = new Map<string, HostFaults>();
  for (let i = 0; i < hostCount; i++) {
    const name = `${prefix}${pad(i + 1)}`;
    const cluster = clusters[Math.min(Math.floor(i / perCluster), clusterCount - 1)];
    const ov = overrideFor(name, opts);
    const rng = mulberry32(hashString(name, seed));
    const specFaults = { ...faultsFor(name, rules), ...(ov.faults ?? {}) };
    const saved = await store?.readHost(name);
    let state: EsxiState;
    let faults: HostFaults;
    if (saved) {
      state = upgradeEsxiState(saved.state);
      faults = saved.faults;
      if (JSON.stringify(faults) !== JSON.stringify(specFaults) && (rules.length || ov.faults))
        pendingFaults.set(name, specFaults);
    } else {
      const bootedAt = Date.now() - Math.round((1 + 29 * rng()) * 86_400_000);
      state = createEsxiState({
        name,
        index: i + 1,
        version: ov.esxiVersion,
        cards: resolveCards(ov.cards),
        mft: ov.mft,
        nmst: ov.nmst,
        nmlx5CoreOptions: ov.nmlx5CoreOptions,
        quickBoot: ov.quickBoot,
        cardsHidden: ov.hiddenCards || specFaults.cardsHidden,
        mstPaths: ov.mstPaths,
        maintenanceMode: ov.maintenanceMode,
        mlxconfig: ov.mlxconfig,
        bootedAt,
      });
      addVms(state, ov, opts);
      if (ov.mftDepots) state.software = { depots: ov.mftDepots };
      faults = specFaults;
    }
    hostCluster.set(name, cluster);
    hostsByCluster.get(cluster)?.push(state);
    const host: SimHost = new SimHost({
      name,
      kind: 'esxi',
      esxiState: state,
      username: 'root',
      address,
      port: portFor(name),
      keys,
      auth,
      faults,
      rng,
      bootTimeMs: ov.bootTimeMs ?? pick(opts.bootTimeMs ?? 2000, rng),
      bootJitter: opts.bootJitter ?? 0.1,
      commandLatencyMs: ov.commandLatencyMs ?? pick(opts.commandLatencyMs ?? 0, rng),
      shutdownDelayMs: opts.shutdownDelayMs ?? 300,
      onChange: onChange(() => host),
      ident: 'OpenSSH_9.3',
    });
    machines.set(name, host);
    order.push(name);
  }

  // Switches and guest pairs.
  let switchSnapshots: Record<string, SwitchSnapshot> | undefined;
  if (opts.stateDir) {
    try {
      switchSnapshots = JSON.parse(await readFile(join(opts.stateDir, 'switches.json'), 'utf8')) as Record<
        string,
        SwitchSnapshot
      >;
    } catch {
      switchSnapshots = undefined;
    }
  }
  const extras = createExtras({
    switches: opts.switches ?? 0,
    guestPairs: opts.guestPairs ?? 0,
    seed,
    clusters,
    hostsByCluster,
    switchSnapshots,
    pad,
  });
  const addExtra = (m: ExtraMachine, kind: 'switch' | 'guest') => {
    const rng = mulberry32(hashString(m.name, seed));
    const host = new SimHost({
      name: m.name,
      kind,
      machine: m.machine,
      username: m.username,
      address,
      port: portFor(m.name),
      keys,
      auth,
      faults: faultsFor(m.name, rules),
      rng,
      bootTimeMs: 0,
      bootJitter: 0,
      commandLatencyMs: pick(opts.commandLatencyMs ?? 0, rng),
      shutdownDelayMs: 0,
      onChange: () => undefined,
      ident: m.ident,
    });
    machines.set(m.name, host);
    order.push(m.name);
  };
  extras.switches.forEach((m) => addExtra(m, 'switch'));
  for (const p of extras.guestPairs) {
    addExtra(p.server, 'guest');
    addExtra(p.client, 'guest');
  }

  // Listen, in batches (binding is cheap, but keep the event loop responsive for huge fleets).
  const all = order.map((n) => machines.get(n) as SimHost);
  for (let i = 0; i < all.length; i += START_BATCH) {
    await Promise.all(
      all.slice(i, i + START_BATCH).map(async (h) => {
        const wanted = h.port;
        await h.start({ fallbackToEphemeral: !opts.portBase });
        if (wanted !== 0 && h.port !== wanted)
          log(`${h.name}: port ${wanted} was taken, now ${h.port} (the inventory changed)`);
      }),
    );
  }
  for (const [name, faults] of pendingFaults) machines.get(name)?.setFaults(faults);
  for (const h of all) fleetFile.ports[h.name] = h.port;

  const get = (name: string): SimHost => {
    const h = machines.get(name);
    if (!h) throw new Error(`no machine named ${name}`);
    return h;
  };

  const credential = { type: 'private-key' as const, path: clientKeyPath };
  const endpoint = (h: SimHost, username: string) => ({
    name: h.name,
    address,
    port: h.port,
    username,
    hostKey: h.fingerprint,
    credential,
  });
  const inventory: FleetInventory = {
    hosts: order
      .filter((n) => get(n).kind === 'esxi')
      .map((n): HostRef => {
        const h = get(n);
        const state = h.esxi?.state;
        return {
          ...endpoint(h, 'root'),
          kind: 'esxi',
          cluster: hostCluster.get(n) ?? clusters[0],
          tags: [...new Set((state?.cards ?? []).map((c) => modelTag(c.model)))],
        };
      }),
    switches: extras.switches.map((m): SwitchRef => ({
      ...endpoint(get(m.name), m.username),
      kind: 'switch',
      tags: [],
    })),
    guestPairs: extras.guestPairs.map((p): GuestPairRef => {
      const guest = (g: typeof p.server): GuestRef => ({
        ...endpoint(get(g.name), g.username),
        dataAddress: g.dataAddress,
        ibDevice: g.ibDevice,
      });
      return {
        kind: 'guest-pair',
        name: p.name,
        cluster: p.cluster,
        tags: [],
        server: guest(p.server),
        client: guest(p.client),
      };
    }),
  };

  // Host keys were generated while building the inventory: persist them before anyone pins them.
  if (store) {
    await store.writeFleet(fleetFile);
    await keys.save();
  }

  const save = async () => {
    if (!store || !opts.stateDir) return;
    for (const h of all) {
      const state = h.esxi?.state;
      if (state) store.markDirty(h.name, () => ({ state, faults: h.faults }));
    }
    await store.flush();
    const snaps: Record<string, SwitchSnapshot> = {};
    for (const m of extras.switches) {
      const s = extras.snapshotSwitch(m.name);
      if (s) snaps[m.name] = s;
    }
    await writeFile(join(opts.stateDir, 'switches.json'), JSON.stringify(snaps));
    await keys.save();
  };

  const fleet: Fleet = {
    inventory,
    clientKeyPath,
    password,
    get controlUrl() {
      return control?.url ?? '';
    },
    stateDir: opts.stateDir,
    names: () => [...order],
    machine: (name) => get(name).machine,
    esxi: (name) => {
      const e = get(name).esxi;
      if (!e) throw new Error(`${name} is not an ESXi host`);
      return e;
    },
    host: get,
    setFaults: (name, faults) => get(name).setFaults(faults),
    faults: (name) => get(name).faults,
    timings: (name) => get(name).timings,
    allTimings: () => Object.fromEntries(order.map((n) => [n, get(n).timings])),
    hostPublicKey: (name) => get(name).publicKey,
    knownHosts: () => all.map((h) => `[${address}]:${h.port} ${h.publicKey}\n`).join(''),
    powerCycle: (name) => get(name).powerCycle(),
    writeInventory: async (path) => writeFile(path, renderInventoryYaml(inventory, path)),
    save,
    stop: async () => {
      await control?.close();
      await Promise.all(all.map((h) => h.stop()));
      await save();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };

  let control: ControlServer | undefined;
  if (opts.controlPort !== false) {
    const wantedPort = opts.controlPort ?? fleetFile.controlPort ?? 0;
    try {
      control = await startControlServer({ fleet, address, port: wantedPort });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.controlPort !== undefined) throw err;
      control = await startControlServer({ fleet, address, port: 0 });
    }
    if (store && fleetFile.controlPort !== control.port) {
      fleetFile.controlPort = control.port;
      await store.writeFleet(fleetFile);
    }
  }
  log(
    `fleet: ${hostCount} hosts, ${extras.switches.length} switches, ${extras.guestPairs.length} guest pairs`,
  );
  return fleet;
}
