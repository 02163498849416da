import { z } from 'zod';
import type { HostPhase, HostProgress, RolloutInput } from './rollout';
import type { ProcedureName, HostOptions } from './procedures';
import type { HostEndDetail } from './reports';
import { leaseLimits } from './rollout-ops';
import { vsanHostsByCluster, vsanLimitApplies } from './rollout-vsan';
import { rolloutWorkflowId, type HostRef, type TargetRef } from './targets';

// Rollouts of thousands of targets (issue #15). A rollout's input is one Temporal payload (2 MB at
// most), and so is what it carries across continue-as-new. Up to MAX_INLINE_TARGETS targets travel
// in the input and the rollout starts its hosts itself. Beyond that, the input names only how many
// targets there are, and the client starts one shard workflow per TARGETS_PER_SHARD targets with
// that slice as its input: the shard holds those targets, checks their credentials, reports ready
// (with each host's cluster), starts their host workflows when the rollout says so, and reports their
// starts and ends back. The rollout keeps one compact entry per host (phase and cluster, not the
// target), so its rules see every host, and no target ever passes through its history.

/** Up to this many targets, the rollout carries them in its input and starts their hosts itself. */
export const MAX_INLINE_TARGETS = 1000;
/** Targets per shard workflow. */
export const TARGETS_PER_SHARD = 500;
/** The most targets one rollout accepts (the rollout's compact per-host state stays well under 2 MB). */
export const MAX_ROLLOUT_TARGETS = 100_000;
/** How long a rollout waits for every shard to report ready before it gives up (nothing started). */
export const SHARDS_READY_DEADLINE_MS = 15 * 60_000;

/** How often an idle shard checks that its rollout still runs (a busy one learns it from its own signals). */
export const ROLLOUT_CHECK_INTERVAL_MS = 5 * 60_000;

export const ROLLOUT_SHARD_WORKFLOW_TYPE = 'rolloutShardWorkflow';

export function rolloutShardWorkflowId(rolloutId: string, shard: number): string {
  return `${rolloutWorkflowId(rolloutId)}/shard/${shard}`;
}

/** In a rollout's input instead of the targets: how many follow, and how they are cut. */
export interface ShardedInventory {
  targets: number;
  shards: number;
  perShard: number;
}

export const shardedInventorySchema = z
  .strictObject({
    targets: z.number().int().min(1).max(MAX_ROLLOUT_TARGETS),
    shards: z.number().int().min(1),
    perShard: z.number().int().min(1).max(TARGETS_PER_SHARD),
  })
  .refine((s) => s.shards === Math.ceil(s.targets / s.perShard), {
    message: 'shards must be targets / perShard, rounded up',
    path: ['shards'],
  });

/** How `targets` targets are cut into shards, or undefined when they travel in the input. */
export function shardedInventory(targets: number): ShardedInventory | undefined {
  if (targets <= MAX_INLINE_TARGETS) return undefined;
  return { targets, shards: Math.ceil(targets / TARGETS_PER_SHARD), perShard: TARGETS_PER_SHARD };
}

/**
 * What a rollout's start request carries: every target, or (sharded) only how many follow. An input
 * that names its own cut (`inventory`, e.g. smaller shards in a test) is sharded that way.
 */
export function rolloutStartInput(input: RolloutInput): RolloutInput {
  const inventory = input.inventory ?? shardedInventory(input.targets.length);
  return inventory ? { ...input, targets: [], inventory } : input;
}

/** The first host index of a shard, and how many hosts it has. */
export function shardSlice(inv: ShardedInventory, shard: number): { offset: number; count: number } {
  const offset = shard * inv.perShard;
  return { offset, count: Math.max(0, Math.min(inv.perShard, inv.targets - offset)) };
}

/** The input of a shard workflow: its slice of the targets and what every host runs. */
export interface ShardInput {
  rolloutId: string;
  shard: number;
  /** The rollout's index of the first target. */
  offset: number;
  procedure: ProcedureName;
  params: Record<string, unknown>;
  hostOptions: HostOptions;
  targets: TargetRef[];
  /** Hosts with a rollout index below this are canaries. */
  canaries: number;
  /** Read each host's last reboot duration (--order slowest-first) before reporting ready. */
  readRebootDurations: boolean;
  continueAsNewAfterEvents: number;
  /**
   * The vSAN hosts of other shards in the clusters of this one's vSAN hosts (a cluster may straddle
   * shards), by cluster: with this shard's own, each host's `vsanPeers`.
   */
  vsanPeers?: Record<string, HostRef[]>;
  /** The fleet-wide limit of its clusters that have one (leaseLimits): a lease slot per host. */
  leaseLimits?: Record<string, number>;
  /** Tests only (no flag): how often an idle shard checks that its rollout still runs (default 5 minutes). */
  rolloutCheckIntervalMs?: number;
}

/** A host the rollout started (sent by its shard: the rollout itself keeps no names). */
export interface StartedHost {
  index: number;
  name: string;
  startedAt: string;
}

// In reports.ts, so that a host workflow does not build this module's (and the rollout options') schemas.
export { hostEndDetail, type HostEndDetail } from './reports';

/** A host that ended, as its shard tells the rollout. */
export interface EndedHost extends HostEndDetail {
  index: number;
  name: string;
  phase: Extract<HostPhase, 'succeeded' | 'failed' | 'needs-attention' | 'cancelled'>;
  startedAt?: string;
  finishedAt: string;
}

/** A shard's news for the rollout, sent once per workflow task that has some. */
export interface ShardNews {
  shard: number;
  started: StartedHost[];
  ended: EndedHost[];
}

/** A shard is ready: its credentials checked on the worker, and (slowest-first) reboot durations read. */
export interface ShardReady {
  shard: number;
  /** The rollout index of its first host, and each host's cluster (targetCluster), in order. */
  offset: number;
  clusters: string[];
  /** Those of its clusters that run vSAN (vsanClusters). */
  vsanClusters?: string[];
  /** One line per distinct problem (summarizeCredentialProblems); empty when every credential works. */
  credentialProblems: string[];
  /** By rollout index; only with readRebootDurations. */
  rebootDurationsMs?: Record<number, number>;
  /** Hosts without a reboot on record (slowest-first). */
  unknownDurations?: number;
  /** Why the durations could not be read (the rollout keeps inventory order). */
  durationsError?: string;
}

/** A shard's result: the detail of each of its hosts (the audit trail reads it). */
export interface ShardReport {
  rolloutId: string;
  shard: number;
  offset: number;
  hosts: HostProgress[];
}

/** The input of each shard of a sharded rollout (the client starts them, after the rollout). */
export function shardInputs(input: RolloutInput): ShardInput[] {
  const inventory = input.inventory ?? shardedInventory(input.targets.length);
  if (!inventory) return [];
  const vsan = vsanLimitApplies(input.procedure) ? vsanHostsByCluster(input.targets) : new Map();
  return Array.from({ length: inventory.shards }, (_, shard) => {
    const { offset, count } = shardSlice(inventory, shard);
    const targets = input.targets.slice(offset, offset + count);
    const vsanPeers = outsidePeers(targets, vsan);
    const limits = leaseLimits(input.options.ops, input.options.perCluster, targets);
    return {
      rolloutId: input.rolloutId,
      shard,
      offset,
      procedure: input.procedure,
      params: input.params,
      hostOptions: input.options.host,
      targets,
      canaries: input.options.canary,
      readRebootDurations: input.options.order === 'slowest-first',
      continueAsNewAfterEvents: input.options.continueAsNewAfterEvents,
      ...(vsanPeers ? { vsanPeers } : {}),
      ...(Object.keys(limits).length > 0 ? { leaseLimits: limits } : {}),
    };
  });
}

/** The vSAN hosts outside `slice` of the clusters its vSAN hosts are in (undefined: none). */
function outsidePeers(
  slice: readonly TargetRef[],
  vsan: ReadonlyMap<string, readonly HostRef[]>,
): Record<string, HostRef[]> | undefined {
  const inSlice = new Set(slice.map((t) => t.name));
  const out: Record<string, HostRef[]> = {};
  for (const t of slice) {
    if (t.kind !== 'esxi' || out[t.cluster]) continue;
    const others = (vsan.get(t.cluster) ?? []).filter((p) => !inSlice.has(p.name));
    if (others.length > 0) out[t.cluster] = others;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
