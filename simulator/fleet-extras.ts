import { hasVfs } from './esxi/derived';
import type { EsxiState } from './esxi/state';
import { faultsFor } from './faults';
import type { FleetOptions } from './fleet-options';
import type { FleetResources } from './fleet-resources';
import { createGuestMachine, guestLinkFromTopology, PerftestFabric } from './guest';
import type { SimMachine } from './machine';
import { hashString, mulberry32, pick } from './prng';
import { SimHost } from './sim-host';
import { createSwitchMachine, type SwitchMachine } from './switch';

// Switches and guest VM pairs of a simulated fleet (the machines come from simulator/switch and
// simulator/guest). A guest's IB link follows its ESXi host (VFs present?) and the pair's switch
// (subnet manager with virtualization?), re-evaluated on every command.

export interface ExtraMachine {
  name: string;
  machine: SimMachine;
  username: string;
  ident: string;
}

export interface ExtraGuest extends ExtraMachine {
  dataAddress: string;
  ibDevice: string;
}

export interface ExtraPair {
  name: string;
  cluster: string;
  server: ExtraGuest;
  client: ExtraGuest;
}

/** What a switch keeps across simulator restarts. */
export interface SwitchSnapshot {
  version: string;
  running: { smEnabled: boolean; smVirtEnabled: boolean };
  saved: { smEnabled: boolean; smVirtEnabled: boolean };
  smVirtInEffect: boolean;
}

export interface Extras {
  switches: ExtraMachine[];
  guestPairs: ExtraPair[];
  fabric?: PerftestFabric;
  snapshotSwitch(name: string): SwitchSnapshot | undefined;
}

export interface ExtrasOptions {
  switches: number;
  guestPairs: number;
  seed: number;
  /** Cluster names in order; pair k goes to cluster k mod C. */
  clusters: string[];
  /** ESXi host states by cluster (the guests' hosts). */
  hostsByCluster: Map<string, EsxiState[]>;
  /** Restored switch states, by name. */
  switchSnapshots?: Record<string, SwitchSnapshot>;
  pad: (n: number) => string;
}

export function createExtras(o: ExtrasOptions): Extras {
  const switchMachines: SwitchMachine[] = [];
  const switches: ExtraMachine[] = [];
  for (let i = 0; i < o.switches; i++) {
    const name = `ibsw-${o.pad(i + 1)}`;
    const machine = createSwitchMachine({ name });
    const snap = o.switchSnapshots?.[name];
    if (snap) {
      machine.state.version = snap.version;
      machine.state.running = { ...snap.running };
      machine.state.saved = { ...snap.saved };
      machine.state.smVirtInEffect = snap.smVirtInEffect;
    }
    switchMachines.push(machine);
    switches.push({ name, machine, username: 'admin', ident: 'OpenSSH_7.4' });
  }

  const guestPairs: ExtraPair[] = [];
  const fabric = o.guestPairs > 0 ? new PerftestFabric({ seed: o.seed }) : undefined;
  for (let k = 0; k < o.guestPairs && fabric; k++) {
    const cluster = o.clusters[k % o.clusters.length];
    const hosts = o.hostsByCluster.get(cluster) ?? [];
    const sw = switchMachines.length ? switchMachines[k % switchMachines.length] : undefined;
    const guest = (role: 'a' | 'b', hostIndex: number, octet: number): ExtraGuest => {
      const name = `vm-${o.pad(k + 1)}${role}`;
      const host = hosts.length ? hosts[hostIndex % hosts.length] : undefined;
      const dataAddress = `192.168.${130 + Math.floor(k / 120)}.${octet}`;
      const machine = createGuestMachine({
        name,
        dataAddress,
        fabric,
        linkState: () =>
          guestLinkFromTopology({ hostHasVfs: host ? hasVfs(host) : false, subnetManager: sw?.state }),
      });
      return {
        name,
        machine,
        username: 'ubuntu',
        ident: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.6',
        dataAddress,
        ibDevice: 'mlx5_0',
      };
    };
    const base = 10 + 2 * (k % 120);
    guestPairs.push({
      name: `pair-${o.pad(k + 1)}`,
      cluster,
      server: guest('a', 2 * k, base),
      client: guest('b', 2 * k + 1, base + 1),
    });
  }

  return {
    switches,
    guestPairs,
    fabric,
    snapshotSwitch(name) {
      const sw = switchMachines.find((m) => m.name === name);
      if (!sw) return undefined;
      const s = sw.state;
      return {
        version: s.version,
        running: { ...s.running },
        saved: { ...s.saved },
        smVirtInEffect: s.smVirtInEffect,
      };
    },
  };
}

/** The switches' and guests' SimHosts (SSH servers; they never reboot), switches first. */
export function createExtraHosts(extras: Extras, opts: FleetOptions, res: FleetResources): SimHost[] {
  const host = (m: ExtraMachine, kind: 'switch' | 'guest') => {
    const rng = mulberry32(hashString(m.name, res.seed));
    return new SimHost({
      name: m.name,
      kind,
      machine: m.machine,
      username: m.username,
      address: res.address,
      port: res.portFor(m.name),
      keys: res.keys,
      auth: res.auth,
      faults: faultsFor(m.name, res.rules),
      rng,
      bootTimeMs: 0,
      bootJitter: 0,
      commandLatencyMs: pick(opts.commandLatencyMs ?? 0, rng),
      shutdownDelayMs: 0,
      onChange: () => undefined,
      ident: m.ident,
    });
  };
  return [
    ...extras.switches.map((m) => host(m, 'switch')),
    ...extras.guestPairs.flatMap((p) => [host(p.server, 'guest'), host(p.client, 'guest')]),
  ];
}
