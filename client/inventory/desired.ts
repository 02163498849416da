import { z } from 'zod';
import {
  checkDesiredCluster,
  desiredBandwidthGateSchema,
  desiredClusterShape,
  desiredFabricSchema,
  type ConvergeParams,
  type DesiredCluster,
} from '../../common/desired-state';
import type { HostRef } from '../../common/targets';
import { formatPath, type PathSegment } from '../zod-reason';
import type { CheckProblem } from './checks';
import { asArray, asRecord, asString, type RawRecord } from './raw';

// The `desired:` block of a cluster in the inventory: the host state the converge workflows need
// (common/desired-state.ts), plus what the fabric must provide for it: the switches serving the cluster
// and the bandwidth gate of its guest pairs, read by `ibfleet plan` and run by `ibfleet apply`.

export const inventoryDesiredSchema = z
  .strictObject({
    ...desiredClusterShape(),
    fabric: desiredFabricSchema().optional(),
    /** The bandwidth the cluster's guest pairs must reach (validate-bandwidth's parameters). */
    bandwidthGate: desiredBandwidthGateSchema().optional(),
  })
  .superRefine((c, ctx) => {
    checkDesiredCluster(c, ctx);
    const sriovHosts = [c.mode, ...Object.values(c.hostOverrides ?? {}).map((o) => o.mode)].includes('sriov');
    if (c.fabric?.smVirtualization === false && sriovHosts)
      ctx.addIssue({
        code: 'custom',
        path: ['fabric', 'smVirtualization'],
        message:
          'must be true when a host of the cluster is in mode sriov: VFs need OpenSM virtualization on the switch (guide 4.2)',
      });
  });
export type InventoryDesired = z.infer<typeof inventoryDesiredSchema>;

/** The converge parameters for `hosts`: the desired state of their clusters only, without the fabric parts. */
export function convergeParamsFor(
  clusters: readonly { name: string; desired?: InventoryDesired }[],
  hosts: readonly HostRef[],
  dryRun = false,
): ConvergeParams {
  const used = new Set(hosts.map((h) => h.cluster));
  const out: Record<string, DesiredCluster> = {};
  for (const c of clusters) {
    if (!used.has(c.name) || !c.desired) continue;
    const { fabric: _fabric, bandwidthGate: _gate, hostOverrides, ...rest } = c.desired;
    void _fabric;
    void _gate;
    const names = new Set(hosts.filter((h) => h.cluster === c.name).map((h) => h.name));
    const overrides = Object.fromEntries(Object.entries(hostOverrides ?? {}).filter(([n]) => names.has(n)));
    out[c.name] = { ...rest, ...(Object.keys(overrides).length > 0 ? { hostOverrides: overrides } : {}) };
  }
  return { clusters: out, dryRun };
}

/**
 * The switches and guest pairs a cluster's desired state names must be in the inventory (a typo would
 * silently leave a switch unconfigured or a gate unchecked); a pair assigned to a cluster serves that
 * cluster only. Reported at the name's own field, for every command that loads the inventory.
 */
export function desiredReferenceProblems(root: RawRecord): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const named = (list: unknown) =>
    new Map(
      asArray(list).flatMap((t, i) => {
        const name = asString(asRecord(t)?.name);
        return name === undefined
          ? []
          : [[name, { at: i, cluster: asString(asRecord(t)?.cluster) }] as const];
      }),
    );
  const switches = named(root.switches);
  const pairs = named(root.guestPairs);
  const known = (m: Map<string, unknown>, what: string) =>
    m.size > 0 ? ` (${what}: ${[...m.keys()].join(', ')})` : ` (the inventory lists no ${what})`;
  asArray(root.clusters).forEach((c, ci) => {
    const cluster = asString(asRecord(c)?.name) ?? '?';
    const desired = asRecord(asRecord(c)?.desired);
    const at = (...rest: PathSegment[]): PathSegment[] => ['clusters', ci, 'desired', ...rest];
    asArray(asRecord(desired?.fabric)?.switches).forEach((n, i) => {
      const name = asString(n);
      if (name !== undefined && !switches.has(name))
        problems.push({
          path: at('fabric', 'switches', i),
          message: `names no switch of this inventory: "${name}"${known(switches, 'switches')}`,
        });
    });
    asArray(asRecord(desired?.bandwidthGate)?.pairs).forEach((n, i) => {
      const name = asString(n);
      if (name === undefined) return;
      const pair = pairs.get(name);
      if (!pair)
        problems.push({
          path: at('bandwidthGate', 'pairs', i),
          message: `names no guest pair of this inventory: "${name}"${known(pairs, 'guest pairs')}`,
        });
      else if (pair.cluster !== undefined && pair.cluster !== cluster)
        problems.push({
          path: at('bandwidthGate', 'pairs', i),
          message: `guest pair "${name}" belongs to cluster "${pair.cluster}" (${formatPath(['guestPairs', pair.at, 'cluster'])}), not "${cluster}"`,
        });
    });
  });
  return problems;
}
