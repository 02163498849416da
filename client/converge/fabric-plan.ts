import type { PlanDifference } from '../../common/converge-plan';
import type { DesiredBandwidthGate } from '../../common/desired-state';
import type { SwitchSmVirtParams } from '../../common/procedures';
import type { GuestPairRef, SwitchRef } from '../../common/targets';
import { compareVersions } from '../../common/versions';
import type { Inventory } from '../inventory/types';

// The fabric part of the declared state (guide 4 and the performance test): which switches serve the
// selected clusters and what their subnet manager must run, and the bandwidth gate of each cluster's
// guest pairs. Pure: `ibfleet plan` compares each switch read with it, `ibfleet apply` runs
// switch-sm-virt on the switches that differ, then validate-bandwidth on the pairs.

/** A switch as the selected clusters declare it (a switch serving several clusters: merged). */
export interface DeclaredSwitch {
  ref: SwitchRef;
  /** The clusters it serves, in inventory order. */
  clusters: string[];
  /** Any of them wants OpenSM virtualization (an SR-IOV cluster needs it; none wants it off). */
  smVirtualization: boolean;
  /** switch-sm-virt's parameters: the highest minVersion any of them declares; restartSm if any does. */
  params: SwitchSmVirtParams;
}

/** A cluster's bandwidth gate: its pairs and validate-bandwidth's parameters. */
export interface DeclaredGate {
  cluster: string;
  pairs: GuestPairRef[];
  params: Omit<DesiredBandwidthGate, 'pairs'>;
}

export interface DeclaredFabric {
  switches: DeclaredSwitch[];
  gates: DeclaredGate[];
}

/** What the switch read shows (readSwitchWorkflow), or why it could not be read. */
export interface SwitchRead {
  release?: string;
  smEnabled?: boolean;
  smVirtEnabled?: boolean;
  error?: string;
}

export type SwitchPlanStatus = 'converged' | 'changes' | 'blocked' | 'unreadable';

export interface SwitchPlan {
  switch: string;
  clusters: string[];
  status: SwitchPlanStatus;
  /** switch-sm-virt restarts the SM after enabling virtualization (so it takes effect). */
  restartSm: boolean;
  release?: string;
  smEnabled?: boolean;
  smVirtEnabled?: boolean;
  differences: PlanDifference[];
  blockers: string[];
  error?: string;
}

/** The switches and gates the clusters of `selectedClusters` declare, in inventory order. */
export function declaredFabric(inventory: Inventory, selectedClusters: ReadonlySet<string>): DeclaredFabric {
  const switches = new Map<string, DeclaredSwitch>();
  const gates: DeclaredGate[] = [];
  for (const c of inventory.clusters) {
    if (!selectedClusters.has(c.name) || !c.desired) continue;
    const { fabric, bandwidthGate } = c.desired;
    for (const name of fabric?.switches ?? []) {
      const ref = inventory.switches.find((s) => s.name === name);
      if (!ref || !fabric) continue; // the inventory's own checks name unknown switches
      const seen = switches.get(name);
      if (!seen) {
        switches.set(name, {
          ref,
          clusters: [c.name],
          smVirtualization: fabric.smVirtualization,
          params: { minVersion: fabric.minVersion, restartSm: fabric.restartSm },
        });
        continue;
      }
      seen.clusters.push(c.name);
      seen.smVirtualization ||= fabric.smVirtualization;
      if (compareVersions(fabric.minVersion, seen.params.minVersion) > 0)
        seen.params.minVersion = fabric.minVersion;
      seen.params.restartSm ||= fabric.restartSm;
    }
    if (bandwidthGate) {
      const { pairs, ...params } = bandwidthGate;
      gates.push({
        cluster: c.name,
        pairs: pairs.flatMap((n) => inventory.guestPairs.filter((p) => p.name === n)),
        params,
      });
    }
  }
  return { switches: [...switches.values()], gates };
}

/** A switch read against what its clusters declare (guide 4.1 release, 4.2 SM virtualization). */
export function planSwitch(declared: DeclaredSwitch, read: SwitchRead): SwitchPlan {
  const base = {
    switch: declared.ref.name,
    clusters: declared.clusters,
    restartSm: declared.params.restartSm,
    differences: [],
    blockers: [],
  };
  if (read.error !== undefined || read.release === undefined)
    return { ...base, status: 'unreadable', error: read.error ?? 'the switch read returned nothing' };
  const state = { release: read.release, smEnabled: read.smEnabled, smVirtEnabled: read.smVirtEnabled };
  const differences: PlanDifference[] = [];
  const blockers: string[] = [];
  if (compareVersions(read.release, declared.params.minVersion) < 0) {
    differences.push({
      item: 'MLNX-OS release',
      current: read.release,
      wanted: `${declared.params.minVersion} or newer`,
    });
    blockers.push(
      `MLNX-OS ${read.release} is older than ${declared.params.minVersion}: update the switch first (guide 4.1); ibfleet does not update MLNX-OS`,
    );
  }
  if (declared.smVirtualization) {
    if (read.smEnabled !== true)
      differences.push({
        item: 'subnet manager (show ib sm)',
        current: 'disabled',
        wanted: 'enabled',
      });
    if (read.smVirtEnabled !== true)
      differences.push({
        item: 'OpenSM virtualization (show ib sm virt)',
        current: 'disabled',
        wanted: 'enabled',
      });
  }
  const status = blockers.length > 0 ? 'blocked' : differences.length > 0 ? 'changes' : 'converged';
  return { ...base, ...state, status, differences, blockers };
}

/** The bandwidth a gate requires, in Gb/s (as validate-bandwidth checks it). */
export function gateGbps(params: DeclaredGate['params']): number {
  const expected = params.lineRateGbps * (params.bidirectional ? 2 : 1);
  return Math.round(expected * params.threshold * 100) / 100;
}

/** One line per gate: what apply checks once the hosts and switches have converged. */
export function gateLine(g: DeclaredGate): string {
  const p = g.params;
  return (
    `${g.cluster}: guest pair(s) ${g.pairs.map((x) => x.name).join(', ')} must reach ${gateGbps(p)} Gb/s ` +
    `with ${p.test}${p.bidirectional ? ' (bidirectional)' : ''} (${p.threshold} × ${p.lineRateGbps * (p.bidirectional ? 2 : 1)} Gb/s)`
  );
}
