import type { PeerMaintenance, VcenterPeerActivities } from '../contract';
import type { HostRef } from '../../common/targets';
import type { VcenterRef } from '../../common/vcenter-schemas';
import { peersByState, type PeerState } from '../esxi/maintenance';
import { asActivity } from '../step-context';
import type { GovcFor } from './activities';
import type { VcenterHost } from './parsers';

// Issue #14: the vSAN peer check (workflows/host/vsan-peers.ts) reads a peer that has a vCenter through
// it, not over SSH: many sites keep SSH off, and a peer read over SSH with SSH off counts as unreadable
// and blocks the host. One `object.collect` of the hosts per vCenter answers for all its peers.

/** The peers grouped by the vCenter their inventory names (the same reference, the same vCenter). */
function byVcenter(peers: readonly HostRef[]): Map<string, { vcenter: VcenterRef; peers: HostRef[] }> {
  const out = new Map<string, { vcenter: VcenterRef; peers: HostRef[] }>();
  for (const peer of peers) {
    if (!peer.vcenter) continue;
    const key = JSON.stringify(peer.vcenter);
    const group = out.get(key) ?? { vcenter: peer.vcenter, peers: [] };
    group.peers.push(peer);
    out.set(key, group);
  }
  return out;
}

/** What vCenter's host list says of one peer: in maintenance mode, out of it, or why it cannot tell. */
export function peerStateFromVcenter(name: string, hosts: readonly VcenterHost[]): PeerState {
  const matches = hosts.filter((h) => h.name === name);
  if (matches.length !== 1)
    return {
      reason:
        matches.length === 0
          ? 'vCenter has no host of that name'
          : `vCenter has ${matches.length} hosts of that name`,
    };
  const host = matches[0];
  // vCenter keeps the last known maintenance state of a host it cannot reach: not to be trusted.
  if (host.connectionState !== 'connected') return { reason: `vCenter shows it ${host.connectionState}` };
  return { on: host.inMaintenanceMode };
}

export function createVcenterPeerActivities(govcFor: GovcFor): VcenterPeerActivities {
  return {
    vcenterPeerMaintenance: ({ peers }) =>
      asActivity(async (): Promise<PeerMaintenance> => {
        const state = new Map<string, PeerState>();
        for (const peer of peers)
          if (!peer.vcenter) state.set(peer.name, { reason: 'no vcenter in its inventory' });
        await Promise.all(
          [...byVcenter(peers).values()].map(async ({ vcenter, peers: group }) => {
            try {
              const hosts = await govcFor(vcenter).hosts();
              for (const peer of group) state.set(peer.name, peerStateFromVcenter(peer.name, hosts));
            } catch (err) {
              const reason = `vCenter ${vcenter.url}: ${(err as Error).message}`;
              for (const peer of group) state.set(peer.name, { reason });
            }
          }),
        );
        // Nothing ran on a host: nothing for the audit trail.
        return { ...peersByState(peers, state), commands: [] };
      }),
  };
}
