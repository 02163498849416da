import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlServer, type ControlServer } from './control-server';
import type { EsxiMachine } from './esxi/machine';
import type { HostFaults } from './faults';
import { createEsxiHosts } from './fleet-esxi';
import { createExtraHosts, createExtras, type Extras, type SwitchSnapshot } from './fleet-extras';
import { buildInventory, type FleetInventory } from './fleet-inventory';
import type { FleetOptions } from './fleet-options';
import { openFleetResources, readSwitchSnapshots, type FleetResources } from './fleet-resources';
import { renderInventoryYaml } from './inventory-yaml';
import type { SimMachine } from './machine';
import type { HostTimings, SimHost } from './sim-host';

// startFleet(): the simulated fleet used by tests, the demo, the benchmark and `npm run sim`. One
// process serves every machine, each an SSH server on its own port with its own host key (10,000
// hosts start in about 4 s and 250 MB: bench/simulator-scale.ts).

export type { FleetInventory } from './fleet-inventory';
export type { FleetOptions, HostOverride } from './fleet-options';

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

export async function startFleet(opts: FleetOptions = {}): Promise<Fleet> {
  const res = await openFleetResources(opts);
  const hostCount = opts.hosts ?? 3;
  const clusterCount = Math.max(1, Math.min(opts.clusters ?? 1, Math.max(hostCount, 1)));
  const width = Math.max(
    2,
    String(Math.max(hostCount, opts.switches ?? 0, opts.guestPairs ?? 0, clusterCount)).length,
  );
  const pad = (n: number) => String(n).padStart(width, '0');
  const clusters = Array.from({ length: clusterCount }, (_v, i) => `cluster-${pad(i + 1)}`);

  const esxi = await createEsxiHosts(opts, res, { clusters, pad });
  const extras = createExtras({
    switches: opts.switches ?? 0,
    guestPairs: opts.guestPairs ?? 0,
    seed: res.seed,
    clusters,
    hostsByCluster: esxi.statesByCluster,
    switchSnapshots: await readSwitchSnapshots(opts.stateDir),
    pad,
  });
  const all = [...esxi.hosts, ...createExtraHosts(extras, opts, res)];
  const machines = new Map(all.map((h) => [h.name, h]));
  const get = (name: string): SimHost => {
    const h = machines.get(name);
    if (!h) throw new Error(`no machine named ${name}`);
    return h;
  };

  await listenAll(all, !opts.portBase, res);
  for (const [name, faults] of esxi.pendingFaults) get(name).setFaults(faults);
  const inventory = buildInventory({
    esxiHosts: esxi.hosts,
    clusterOf: esxi.clusterOf,
    extras,
    machine: get,
    address: res.address,
    clientKeyPath: res.clientKeyPath,
  });
  // Host keys were generated while building the inventory: persist them before anyone pins them.
  if (res.store) {
    await res.store.writeFleet(res.fleetFile);
    await res.keys.save();
  }

  // The control endpoint serves the fleet object, which reports the endpoint's URL.
  const control: { server?: ControlServer } = {};
  const fleet = fleetHandle({ opts, res, all, get, inventory, extras, control });
  control.server = await startControl(fleet, opts, res);
  res.log(
    `fleet: ${hostCount} hosts, ${extras.switches.length} switches, ${extras.guestPairs.length} guest pairs`,
  );
  return fleet;
}

/** Listens on every machine's port, in batches (keeps the event loop responsive for huge fleets). */
async function listenAll(all: SimHost[], fallbackToEphemeral: boolean, res: FleetResources): Promise<void> {
  for (let i = 0; i < all.length; i += START_BATCH) {
    await Promise.all(
      all.slice(i, i + START_BATCH).map(async (h) => {
        const wanted = h.port;
        await h.start({ fallbackToEphemeral });
        if (wanted !== 0 && h.port !== wanted)
          res.log(`${h.name}: port ${wanted} was taken, now ${h.port} (the inventory changed)`);
      }),
    );
  }
  for (const h of all) res.fleetFile.ports[h.name] = h.port;
}

/** Writes every host's state, the switches' states and the host keys into the state directory. */
async function saveFleet(
  all: SimHost[],
  extras: Extras,
  res: FleetResources,
  stateDir?: string,
): Promise<void> {
  const store = res.store;
  if (!store || !stateDir) return;
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
  await writeFile(join(stateDir, 'switches.json'), JSON.stringify(snaps));
  await res.keys.save();
}

/** The control endpoint on the port asked for, else the previous run's (or any free one if taken). */
async function startControl(
  fleet: Fleet,
  opts: FleetOptions,
  res: FleetResources,
): Promise<ControlServer | undefined> {
  if (opts.controlPort === false) return undefined;
  const wantedPort = opts.controlPort ?? res.fleetFile.controlPort ?? 0;
  let control: ControlServer;
  try {
    control = await startControlServer({ fleet, address: res.address, port: wantedPort });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.controlPort !== undefined) throw err;
    control = await startControlServer({ fleet, address: res.address, port: 0 });
  }
  if (res.store && res.fleetFile.controlPort !== control.port) {
    res.fleetFile.controlPort = control.port;
    await res.store.writeFleet(res.fleetFile);
  }
  return control;
}

function fleetHandle(o: {
  opts: FleetOptions;
  res: FleetResources;
  all: SimHost[];
  get: (name: string) => SimHost;
  inventory: FleetInventory;
  extras: Extras;
  control: { server?: ControlServer };
}): Fleet {
  const { res, all, get } = o;
  const save = () => saveFleet(all, o.extras, res, o.opts.stateDir);
  return {
    inventory: o.inventory,
    clientKeyPath: res.clientKeyPath,
    password: res.password,
    get controlUrl() {
      return o.control.server?.url ?? '';
    },
    stateDir: o.opts.stateDir,
    names: () => all.map((h) => h.name),
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
    allTimings: () => Object.fromEntries(all.map((h) => [h.name, h.timings])),
    hostPublicKey: (name) => get(name).publicKey,
    knownHosts: () => all.map((h) => `[${res.address}]:${h.port} ${h.publicKey}\n`).join(''),
    powerCycle: (name) => get(name).powerCycle(),
    writeInventory: async (path) => writeFile(path, renderInventoryYaml(o.inventory, path)),
    save,
    stop: async () => {
      await o.control.server?.close();
      await Promise.all(all.map((h) => h.stop()));
      await save();
      await res.cleanUp();
    },
  };
}
