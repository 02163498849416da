import { z } from 'zod';

// The fleet-wide limit across rollouts: one lease workflow per cluster (ID ibfleet/lease/<cluster>)
// counts the hosts of that cluster out of service in ANY rollout. A rollout acquires a slot for a host
// before it starts the host and releases it when the host ended; the lease grants in request order
// while fewer hosts hold it than the requester's limit (its --per-cluster, or the inventory's
// maxUnavailable for the cluster). Shared by the lease workflow, its activities and the rollout.

/** A cluster as targetCluster() names it (an inventory cluster, or switch:<name> / pair:<name>). */
export const clusterKeySchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/,
    'must be a cluster name (letters, digits, ".", "_", "-", ":")',
  );

export function leaseWorkflowId(cluster: string): string {
  return `ibfleet/lease/${cluster}`;
}

export const leaseHolderSchema = z.strictObject({
  /** The rollout that holds (or waits for) the slot; it is signalled when a wait ends. */
  rolloutId: z.string().min(1).max(64),
  rolloutWorkflowId: z.string().min(1).max(300),
  /** The host the slot is for, and its workflow (targetWorkflowId), whose liveness keeps the slot. */
  host: z.string().min(1).max(63),
  hostWorkflowId: z.string().min(1).max(300),
});
export type LeaseHolder = z.infer<typeof leaseHolderSchema>;

/** One slot per rollout and host. */
export function holderId(h: Pick<LeaseHolder, 'rolloutWorkflowId' | 'hostWorkflowId'>): string {
  return `${h.rolloutWorkflowId}|${h.hostWorkflowId}`;
}

export const leaseSettingsSchema = z.strictObject({
  /** How often holders are checked for liveness while any hold or wait. */
  livenessCheckMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /** An idle lease (no holder, no waiter) ends after this long; the next acquire starts it again. */
  idleTimeoutMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .default(10 * 60_000),
  /** Continue-as-new after this many history events. */
  continueAsNewAfterEvents: z.number().int().min(50).max(40_000).default(2_000),
});
export type LeaseSettings = z.infer<typeof leaseSettingsSchema>;

export const leaseInputSchema = z.strictObject({
  cluster: clusterKeySchema,
  settings: leaseSettingsSchema.default(leaseSettingsSchema.parse({})),
});
export type LeaseInput = z.input<typeof leaseInputSchema>;

export const acquireRequestSchema = z.strictObject({
  holder: leaseHolderSchema,
  /** Hosts of this cluster out of service together, at most, for this requester (>= 1). */
  limit: z.number().int().min(1).max(1000),
});
export type AcquireRequest = z.infer<typeof acquireRequestSchema>;

export type AcquireResult =
  | { granted: true; holders: number; limit: number }
  | { granted: false; position: number; holders: number; limit: number };

export interface LeaseSlot {
  id: string;
  holder: LeaseHolder;
  limit: number;
  /** Workflow time of the grant or the request. */
  atMs: number;
}

export interface LeaseState {
  cluster: string;
  holders: LeaseSlot[];
  waiters: LeaseSlot[];
  /** Slots freed because their rollout and host had both ended (crash, termination). */
  expired: { id: string; atMs: number; why: string }[];
  continueAsNewCount: number;
}

/** What the lease tells a waiting rollout when its slot is granted (by signal). */
export interface LeaseGrant {
  cluster: string;
  holderId: string;
  host: string;
}
