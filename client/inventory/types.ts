import type { GuestPairRef, HostRef, SwitchRef } from '../../common/targets';
import type { InventoryDesired } from './desired';
import type { VcenterRef } from '../../common/vcenter-schemas';
import type { PathSegment } from '../zod-reason';
import type { EndpointKind } from './raw';

/** One SSH endpoint of the inventory, with where it is written (scan-keys rewrites its hostKey). */
export interface InventoryEndpoint {
  kind: EndpointKind;
  name: string;
  address: string;
  port: number;
  /** "" when not pinned (only possible with allowUnpinnedHostKeys). */
  hostKey: string;
  yamlPath: PathSegment[];
}

/** A loaded inventory: resolved target references (defaults applied, key paths absolute). */
export interface Inventory {
  /** Absolute path of the inventory file. */
  file: string;
  allowUnpinnedHostKeys: boolean;
  /**
   * `desired`: the cluster's declared state, when the inventory gives one (`ibfleet plan` / `apply`).
   * `vcenter`: the cluster's vCenter (its own or the global one; a password file's path absolute).
   */
  clusters: {
    name: string;
    hosts: HostRef[];
    desired?: InventoryDesired;
    vcenter?: VcenterRef;
    /** Hosts out of service together, at most, across all rollouts (the fleet-wide lease's limit). */
    maxUnavailable?: number;
  }[];
  /** Every ESXi host, in file order. */
  hosts: HostRef[];
  switches: SwitchRef[];
  guestPairs: GuestPairRef[];
  endpoints: InventoryEndpoint[];
  /** YAML path of every target by name ("clusters[0].hosts[2]"), for messages. */
  targetPaths: Map<string, string>;
}

/** True when an endpoint's host key is pinned. */
export function isPinned(endpoint: { hostKey: string }): boolean {
  return endpoint.hostKey !== '';
}
