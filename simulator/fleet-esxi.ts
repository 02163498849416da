import { createEsxiState, upgradeEsxiState, type EsxiState } from './esxi/state';
import { generateVmSpecs, installVms, vmSpecSchema } from './esxi/vm-spec';
import { faultsFor, type HostFaults } from './faults';
import { overrideFor, resolveCards, type FleetOptions, type HostOverride } from './fleet-options';
import type { FleetResources } from './fleet-resources';
import { hashString, mulberry32, pick } from './prng';
import { SimHost } from './sim-host';

// The ESXi hosts of a simulated fleet: named esx-01.., split into clusters in contiguous blocks, each
// from its saved state (state directory) or new from its settings, seeded by name.

export interface EsxiHosts {
  hosts: SimHost[];
  clusterOf: Map<string, string>;
  /** Host states by cluster (the guests' hosts). */
  statesByCluster: Map<string, EsxiState[]>;
  /** Faults of the options that differ from the saved ones: applied once the hosts listen. */
  pendingFaults: Map<string, HostFaults>;
}

export async function createEsxiHosts(
  opts: FleetOptions,
  res: FleetResources,
  layout: { clusters: string[]; pad: (n: number) => string },
): Promise<EsxiHosts> {
  const hostCount = opts.hosts ?? 3;
  const { clusters } = layout;
  const perCluster = Math.ceil(hostCount / clusters.length);
  const result: EsxiHosts = {
    hosts: [],
    clusterOf: new Map(),
    statesByCluster: new Map(clusters.map((c) => [c, []])),
    pendingFaults: new Map(),
  };
  for (let i = 0; i < hostCount; i++) {
    const name = `${opts.namePrefix ?? 'esx-'}${layout.pad(i + 1)}`;
    const cluster = clusters[Math.min(Math.floor(i / perCluster), clusters.length - 1)];
    const ov = overrideFor(name, opts);
    const rng = mulberry32(hashString(name, res.seed));
    const specFaults = { ...faultsFor(name, res.rules), ...(ov.faults ?? {}) };
    const saved = await res.store?.readHost(name);
    let state: EsxiState;
    let faults: HostFaults;
    if (saved) {
      state = upgradeEsxiState(saved.state);
      faults = saved.faults;
      if (JSON.stringify(faults) !== JSON.stringify(specFaults) && (res.rules.length || ov.faults))
        result.pendingFaults.set(name, specFaults);
    } else {
      state = newHostState(name, i + 1, ov, specFaults, rng, opts);
      faults = specFaults;
    }
    result.clusterOf.set(name, cluster);
    result.statesByCluster.get(cluster)?.push(state);
    const host: SimHost = new SimHost({
      name,
      kind: 'esxi',
      esxiState: state,
      username: 'root',
      address: res.address,
      port: res.portFor(name),
      keys: res.keys,
      auth: res.auth,
      faults,
      rng,
      bootTimeMs: ov.bootTimeMs ?? pick(opts.bootTimeMs ?? 2000, rng),
      bootJitter: opts.bootJitter ?? 0.1,
      commandLatencyMs: ov.commandLatencyMs ?? pick(opts.commandLatencyMs ?? 0, rng),
      shutdownDelayMs: opts.shutdownDelayMs ?? 300,
      onChange: () => {
        const current = host.esxi?.state;
        if (res.store && current) res.store.markDirty(name, () => ({ state: current, faults: host.faults }));
      },
      ident: 'OpenSSH_9.3',
    });
    result.hosts.push(host);
  }
  return result;
}

function newHostState(
  name: string,
  index: number,
  ov: HostOverride,
  faults: HostFaults,
  rng: () => number,
  opts: FleetOptions,
): EsxiState {
  const bootedAt = Date.now() - Math.round((1 + 29 * rng()) * 86_400_000);
  const state = createEsxiState({
    name,
    index,
    version: ov.esxiVersion,
    cards: resolveCards(ov.cards),
    mft: ov.mft,
    nmst: ov.nmst,
    nmlx5CoreOptions: ov.nmlx5CoreOptions,
    quickBoot: ov.quickBoot,
    cardsHidden: ov.hiddenCards || faults.cardsHidden,
    mstPaths: ov.mstPaths,
    maintenanceMode: ov.maintenanceMode,
    mlxconfig: ov.mlxconfig,
    bootedAt,
  });
  addVms(state, ov, opts);
  if (ov.mftDepots) state.software = { depots: ov.mftDepots };
  return state;
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
