import { z } from 'zod';
import { hostOptionsSchema, procedureNameSchema, type ProcedureName } from './procedures';
import type { ProcedureOutcome } from './reports';
import { rolloutOpsSchema } from './rollout-ops';
import { targetRefSchema } from './target-schemas';
import { shardedInventorySchema, type ShardedInventory } from './rollout-shards';
import type { TargetRef } from './targets';

/** `--max-failures 3` or `--max-failures 5%`. */
export const failureBudgetSchema = z.union([
  z.strictObject({ count: z.number().int().min(0) }),
  z.strictObject({ percent: z.number().min(0).max(100) }),
]);
export type FailureBudget = z.infer<typeof failureBudgetSchema>;

export const rolloutOptionsSchema = z.strictObject({
  /** Hosts in flight at once across the rollout. */
  maxParallel: z.number().int().min(1).max(1000).default(10),
  /** Hosts in flight at once per cluster; 0 means unlimited. Default 1, as vLCM remediates sequentially. */
  perCluster: z.number().int().min(0).max(1000).default(1),
  /** The first N hosts run alone; the rollout then waits for approval unless autoApprove. */
  canary: z.number().int().min(0).default(0),
  autoApprove: z.boolean().default(false),
  maxFailures: failureBudgetSchema.default({ count: 0 }),
  /**
   * The order hosts start in. `inventory`: as listed. `slowest-first`: after the canaries, hosts whose
   * last reboot took longest (from each host's own vmksummary.log, read before the first start) go first,
   * so the slow ones do not end up alone at the end; hosts with no reboot on record keep their place
   * ahead of the rest. ESXi targets only.
   */
  order: z.enum(['inventory', 'slowest-first']).default('inventory'),
  host: hostOptionsSchema.default(hostOptionsSchema.parse({})),
  /** Continue-as-new after this many history events (tests lower it to exercise the path). */
  continueAsNewAfterEvents: z.number().int().min(100).max(40_000).default(8_000),
  /** Windows, notifications, gates, ramp, fleet-wide limit (common/rollout-ops.ts); absent: none of them. */
  ops: rolloutOpsSchema.optional(),
});
export type RolloutOptions = z.infer<typeof rolloutOptionsSchema>;

export interface RolloutInput {
  rolloutId: string;
  procedure: ProcedureName;
  /** Procedure parameters, validated against procedures[procedure].params. */
  params: Record<string, unknown>;
  /** Every target; empty when `inventory` says they are in the rollout's shard workflows (rollout-shards.ts). */
  targets: TargetRef[];
  inventory?: ShardedInventory;
  options: RolloutOptions;
  /** Who started it (user@host of the client), for the audit trail. */
  startedBy: string;
  /** Set by retry: the rollout this one retries. */
  retryOf?: string;
}

export const rolloutInputSchema = z
  .object({
    rolloutId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    procedure: procedureNameSchema,
    params: z.record(z.string(), z.unknown()),
    /** Every field of every target, with the shapes the CLI checks the inventory with. */
    targets: z.array(targetRefSchema),
    inventory: shardedInventorySchema.optional(),
    options: rolloutOptionsSchema,
    startedBy: z.string(),
    retryOf: z.string().optional(),
  })
  .superRefine((input, ctx) => {
    if (input.inventory === undefined && input.targets.length === 0)
      ctx.addIssue({ code: 'custom', path: ['targets'], message: 'at least one target is required' });
    if (input.inventory !== undefined && input.targets.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'must be empty when inventory says the targets are in shard workflows',
      });
  });

export type HostPhase =
  'pending' | 'running' | 'succeeded' | 'failed' | 'needs-attention' | 'skipped' | 'cancelled';

export interface HostProgress {
  name: string;
  cluster: string;
  phase: HostPhase;
  /** Whether this host was one of the canaries. */
  canary?: boolean;
  /** The step in progress while running (filled in by the client from the host workflow's progress query). */
  step?: string;
  reason?: string;
  failureType?: string;
  /** The step a host that did not finish was left in. */
  stoppedInStep?: string;
  /** The host was left between the two halves of a change (e.g. mst_recovery=1 still stored). */
  leftMidCycle?: boolean;
  reboots?: number;
  /** How long the host's last reboot took, from its vmksummary.log (read for --order slowest-first). */
  lastRebootMs?: number;
  /** The host workflow (ID = targetWorkflowId(target)) run that did the work. */
  runId?: string;
  startedAt?: string;
  finishedAt?: string;
}

export type RolloutPhase =
  'running' | 'awaiting-approval' | 'paused' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export interface RolloutProgress {
  rolloutId: string;
  procedure: ProcedureName;
  phase: RolloutPhase;
  counts: Record<HostPhase, number>;
  total: number;
  hosts: HostProgress[];
  startedAt: string;
  elapsedMs: number;
  /** Estimate from the mean duration of finished hosts and the free parallelism; absent until one finished. */
  etaMs?: number;
  continueAsNewCount: number;
  budget: { allowed: number; used: number; exceeded: boolean };
  /**
   * `all` (absent: all): `hosts` lists every target. `active`: only the hosts running, those that ended
   * lately and those with problems (bounded), as for rollouts of thousands of targets; `counts` and
   * `total` always cover every target.
   */
  hostsListed?: 'all' | 'active';
  /** Why no new host starts now (paused, awaiting approval, ...); absent while hosts start as slots free. */
  waitingFor?: string;
  /** The operations features now (--window, --ramp, --gate, --fleet-wide), e.g. "in the window until Tue 06:00 CET, 3h left". */
  operations?: string[];
  /** A sharded rollout: its number of shard workflows, whose results hold each host's detail. */
  shards?: number;
}

/** What the progress query lists of the hosts: every one (up to MAX_INLINE_TARGETS), or the active ones. */
export interface ProgressRequest {
  hosts?: 'all' | 'active';
}

/** An operator action on the rollout, kept for the audit trail. */
export interface RolloutEvent {
  at: string;
  action:
    | 'started'
    | 'ordered'
    | 'approved'
    | 'auto-approved'
    | 'paused'
    | 'resumed'
    | 'cancel-requested'
    | 'budget-exceeded'
    | 'continued-as-new'
    | 'window-wait'
    | 'window-open'
    | 'window-closed'
    | 'gate-failing'
    | 'gate-passed'
    | 'gate-paused';
  reason?: string;
}

export interface RolloutReport extends RolloutProgress {
  /** Hosts that did not succeed, with why. */
  problems: { name: string; outcome: ProcedureOutcome | 'skipped'; reason: string; stoppedInStep?: string }[];
  finishedAt: string;
  startedBy: string;
  params: Record<string, unknown>;
  options: RolloutOptions;
  events: RolloutEvent[];
  retryOf?: string;
  /** Problems not listed (a sharded rollout lists at most MAX_LISTED_PROBLEMS; its shards hold every host). */
  problemsOmitted?: number;
}

/**
 * The start order of `--order slowest-first`: canaries first, as listed; then hosts with no reboot on
 * record, as listed (nothing is known against them); then the rest by last reboot duration, longest
 * first (equal ones as listed). Longest-first is the classic way to keep one slow host from finishing
 * alone after everyone else (within 4/3 of the best possible makespan on identical slots).
 */
export function slowestFirst<H extends Pick<HostProgress, 'canary' | 'lastRebootMs'>>(
  hosts: readonly H[],
): H[] {
  const rank = (h: H) => (h.canary ? 0 : h.lastRebootMs === undefined ? 1 : 2);
  return hosts
    .map((h, i) => ({ h, i }))
    .sort((a, b) => {
      const byRank = rank(a.h) - rank(b.h);
      if (byRank !== 0) return byRank;
      if (rank(a.h) === 2) {
        const byDuration = (b.h.lastRebootMs ?? 0) - (a.h.lastRebootMs ?? 0);
        if (byDuration !== 0) return byDuration;
      }
      return a.i - b.i;
    })
    .map(({ h }) => h);
}
