import type { GuestPairRef, GuestRef, HostRef, SwitchRef } from '../common/targets';
import type { CardModel } from './esxi/catalog';
import type { Extras } from './fleet-extras';
import type { SimHost } from './sim-host';

// The inventory of a simulated fleet, as ibfleet reads it: every machine's address, port, pinned host
// key fingerprint and the fleet's client key; hosts with their cluster and card tags.

export interface FleetInventory {
  hosts: HostRef[];
  switches: SwitchRef[];
  guestPairs: GuestPairRef[];
}

function modelTag(model: CardModel): string {
  return model.replace('ConnectX-', 'cx').replace(' Ex', 'ex').toLowerCase();
}

export function buildInventory(o: {
  esxiHosts: SimHost[];
  clusterOf: Map<string, string>;
  extras: Extras;
  machine: (name: string) => SimHost;
  address: string;
  clientKeyPath: string;
}): FleetInventory {
  const credential = { type: 'private-key' as const, path: o.clientKeyPath };
  // Reading the fingerprint makes the host key (generated on first use).
  const endpoint = (h: SimHost, username: string) => ({
    name: h.name,
    address: o.address,
    port: h.port,
    username,
    hostKey: h.fingerprint,
    credential,
  });
  const guest = (g: Extras['guestPairs'][number]['server']): GuestRef => ({
    ...endpoint(o.machine(g.name), g.username),
    dataAddress: g.dataAddress,
    ibDevice: g.ibDevice,
  });
  return {
    hosts: o.esxiHosts.map((h): HostRef => ({
      ...endpoint(h, 'root'),
      kind: 'esxi',
      cluster: o.clusterOf.get(h.name) ?? '',
      tags: [...new Set((h.esxi?.state.cards ?? []).map((c) => modelTag(c.model)))],
    })),
    switches: o.extras.switches.map((m): SwitchRef => ({
      ...endpoint(o.machine(m.name), m.username),
      kind: 'switch',
      tags: [],
    })),
    guestPairs: o.extras.guestPairs.map((p): GuestPairRef => ({
      kind: 'guest-pair',
      name: p.name,
      cluster: p.cluster,
      tags: [],
      server: guest(p.server),
      client: guest(p.client),
    })),
  };
}
