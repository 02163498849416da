import { z } from 'zod';
import { gateSchema, gateTimingSchema } from './gates';
import { clusterKeySchema } from './lease';
import { notifyTargetSchema } from './notify';
import { rampSchema, rampPosition, rampText } from './ramp';
import { targetCluster, type TargetRef } from './targets';
import { maintenanceWindowSchema, windowStatus } from './windows';

// The rollout options of the operations features (issue #16), in one optional block of RolloutOptions
// (`options.ops`): maintenance windows, notifications, health gates, the ramp after the canary and the
// fleet-wide limit. And the pure part of "may the next host start?" that follows from them.

export const WINDOW_END_ACTIONS = ['continue', 'stop'] as const;

export const rolloutOpsSchema = z.strictObject({
  /** `--window`: hosts start only while one of these is open. */
  windows: z.array(maintenanceWindowSchema).min(1).max(16).optional(),
  /** `--window-end`: hosts in flight when the window closes `continue` to their end, or `stop` at their next safe point (and start again in the next window). */
  windowEnd: z.enum(WINDOW_END_ACTIONS).default('continue'),
  /** `--notify`: where events go. */
  notify: z.array(notifyTargetSchema).min(1).max(16).optional(),
  /** `--gate`: checked before hosts start. */
  gates: z.array(gateSchema).min(1).max(16).optional(),
  /** `--gate-interval`, `--gate-timeout`. */
  gateTiming: gateTimingSchema.default(gateTimingSchema.parse({})),
  /** `--ramp`: the window after the canary grows step by step. */
  ramp: rampSchema.optional(),
  /** `--fleet-wide`: hold a slot of each host's cluster lease (ibfleet/lease/<cluster>) while the host is out. */
  fleetWide: z.boolean().default(false),
  /** The inventory's per-cluster `maxUnavailable` of the selected clusters: the lease's limit there. */
  clusterLimits: z.record(clusterKeySchema, z.number().int().min(1).max(1000)).optional(),
  /** Tests only (no flag): the windows are judged at the workflow's time plus this, so a test needs no real night. */
  testClockOffsetMs: z.number().int().optional(),
});
export type RolloutOps = z.infer<typeof rolloutOpsSchema>;

/**
 * The fleet-wide limit for `cluster`: its inventory maxUnavailable (always fleet-wide: it is what the
 * cluster allows, whoever changes it), else --per-cluster with --fleet-wide; undefined: its hosts take
 * no lease (no limit declared, or --per-cluster 0 = unlimited).
 */
export function clusterLeaseLimit(
  ops: RolloutOps | undefined,
  perCluster: number,
  cluster: string,
): number | undefined {
  const declared = ops?.clusterLimits?.[cluster];
  if (declared !== undefined) return declared;
  return ops?.fleetWide && perCluster > 0 ? perCluster : undefined;
}

/** Each cluster's fleet-wide limit, for the clusters that have one (clusterLeaseLimit). */
export function leaseLimits(
  ops: RolloutOps | undefined,
  perCluster: number,
  targets: readonly TargetRef[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of targets) {
    const cluster = targetCluster(t);
    const limit = clusterLeaseLimit(ops, perCluster, cluster);
    if (limit !== undefined) out[cluster] = limit;
  }
  return out;
}

export interface StartAllowance {
  /** Hosts allowed in flight now (the ramp's width, or maxParallel). */
  width: number;
  /** Why no host may start now, and until when (a durable timer), if so. */
  hold?: { reason: string; untilMs?: number };
  /** Inside a maintenance window: when it closes. */
  closesAtMs?: number;
  /** Lines for the live view and the Temporal UI ("in the window until ...", "ramp step 2/4 ..."). */
  notes: string[];
}

/**
 * The part of "may the next host start?" that needs no I/O: the maintenance windows at `nowMs` and the
 * ramp after `succeededSinceCanary` successes. Gates (an activity) and leases (per host) come on top.
 */
export function startAllowance(
  ops: RolloutOps | undefined,
  at: { nowMs: number; maxParallel: number; succeededSinceCanary: number; afterCanary: boolean },
): StartAllowance {
  const notes: string[] = [];
  const ramp = at.afterCanary ? ops?.ramp : undefined;
  const width = rampPosition(ramp, at.succeededSinceCanary, at.maxParallel).width;
  const rampLine = rampText(ramp, at.succeededSinceCanary, at.maxParallel);
  if (rampLine) notes.push(rampLine);
  if (ops?.windows) {
    const status = windowStatus(ops.windows, at.nowMs);
    notes.unshift(status.text);
    if (!status.open) return { width, hold: { reason: status.text, untilMs: status.opensAtMs }, notes };
    if (status.closesAtMs !== undefined) return { width, closesAtMs: status.closesAtMs, notes };
  }
  return { width, notes };
}
