import { z } from 'zod';
import { hostOptionsSchema, procedureNameSchema, type ProcedureName } from './procedures';
import type { ProcedureOutcome } from './reports';
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
  host: hostOptionsSchema.default(hostOptionsSchema.parse({})),
  /** Continue-as-new after this many history events (tests lower it to exercise the path). */
  continueAsNewAfterEvents: z.number().int().min(100).max(40_000).default(8_000),
});
export type RolloutOptions = z.infer<typeof rolloutOptionsSchema>;

export interface RolloutInput {
  rolloutId: string;
  procedure: ProcedureName;
  /** Procedure parameters, validated against procedureParamsSchemas[procedure]. */
  params: Record<string, unknown>;
  targets: TargetRef[];
  options: RolloutOptions;
  /** Who started it (user@host of the client), for the audit trail. */
  startedBy: string;
  /** Set by retry: the rollout this one retries. */
  retryOf?: string;
}

export const rolloutInputSchema = z.object({
  rolloutId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
  procedure: procedureNameSchema,
  params: z.record(z.string(), z.unknown()),
  targets: z
    .array(z.object({ kind: z.enum(['esxi', 'switch', 'guest-pair']), name: z.string().min(1) }).loose())
    .min(1),
  options: rolloutOptionsSchema,
  startedBy: z.string(),
  retryOf: z.string().optional(),
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
}

/** An operator action on the rollout, kept for the audit trail. */
export interface RolloutEvent {
  at: string;
  action: 'started' | 'approved' | 'auto-approved' | 'paused' | 'resumed' | 'cancel-requested' | 'budget-exceeded' | 'continued-as-new';
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
}
