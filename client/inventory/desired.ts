import { z } from 'zod';
import {
  checkDesiredCluster,
  desiredClusterShape,
  type ConvergeParams,
  type DesiredCluster,
} from '../../common/desired-state';
import { validateBandwidthParamsSchema } from '../../common/procedures';
import type { HostRef } from '../../common/targets';

// The `desired:` block of a cluster in the inventory: the host state the converge workflows need
// (common/desired-state.ts), plus what the fabric must provide for it, read by `ibfleet plan`.

const fabricSchema = z.strictObject({
  /** The subnet manager's virtualization support (guide 4.2): SR-IOV VFs need it. */
  smVirtualization: z.boolean(),
});

export const inventoryDesiredSchema = z
  .strictObject({
    ...desiredClusterShape,
    fabric: fabricSchema.optional(),
    /** The bandwidth the cluster's guest pairs must reach (validate-bandwidth's parameters). */
    bandwidthGate: validateBandwidthParamsSchema.optional(),
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
