import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { procedures, type ProcedureName } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostProgress, RolloutReport } from '../../common/rollout';
import { rolloutShardWorkflowId, type ShardReport } from '../../common/rollout-shards';
import { targetWorkflowId } from '../../common/targets';
import { hostProgressQuery } from '../../workflows/messages';
import type { TemporalAccess } from '../deps';
import { forEachLimited } from '../../common/for-each-limited';

// Per-host detail lives in the host workflows (ID targetWorkflowId(target), run HostProgress.runId),
// not in the rollout: their results are the ProcedureReports (steps and commands) of the audit trail,
// and their progress query names the step a running host is in.

export const HOST_QUERY_DEADLINE_MS = 3_000;
const CONCURRENCY = 16;

function hostHandle(temporal: TemporalAccess, procedure: ProcedureName, h: HostProgress) {
  return temporal.client.workflow.getHandle(
    targetWorkflowId({ kind: procedures[procedure].target, name: h.name }),
    h.runId || undefined,
  );
}

function isProcedureReport(x: unknown): x is ProcedureReport {
  return typeof x === 'object' && x !== null && 'outcome' in x && 'steps' in x && 'commands' in x;
}

/** The ProcedureReport of each host that ran (a failed host workflow carries it in its failure details). */
export async function fetchProcedureReports(
  temporal: TemporalAccess,
  procedure: ProcedureName,
  hosts: readonly HostProgress[],
): Promise<Map<string, ProcedureReport>> {
  const out = new Map<string, ProcedureReport>();
  await forEachLimited(
    hosts.filter((h) => h.runId),
    CONCURRENCY,
    async (h) => {
      try {
        const result: unknown = await hostHandle(temporal, procedure, h).result();
        if (isProcedureReport(result)) out.set(h.name, result);
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
        const details: unknown = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
        if (isProcedureReport(details)) out.set(h.name, details);
      }
    },
  );
  return out;
}

/** Fills `step` of the first `limit` running hosts from their host workflows; best effort. */
export async function fillRunningSteps(
  temporal: TemporalAccess,
  procedure: ProcedureName,
  hosts: HostProgress[],
  limit: number,
): Promise<void> {
  // A sharded rollout lists hosts in flight without their run: the host workflow's current run answers.
  const running = hosts.filter((h) => h.phase === 'running' && !h.name.startsWith('#')).slice(0, limit);
  await forEachLimited(running, CONCURRENCY, async (h) => {
    try {
      const p = await temporal.client.withDeadline(Date.now() + HOST_QUERY_DEADLINE_MS, () =>
        hostHandle(temporal, procedure, h).query(hostProgressQuery),
      );
      h.step = p.detail ? `${p.step}: ${p.detail}` : p.step;
    } catch {
      // Not started yet, or between workflow tasks: show the host without a step this time.
    }
  });
}

/**
 * Every host of a closed rollout with its detail: the report's list, or for a sharded rollout (whose
 * report lists only problems) its shard workflows' results, in target order.
 */
export async function allReportHosts(
  temporal: TemporalAccess,
  report: RolloutReport,
): Promise<HostProgress[]> {
  if (report.shards === undefined) return report.hosts;
  const slices: HostProgress[][] = [];
  const shards = Array.from({ length: report.shards }, (_, shard) => shard);
  await forEachLimited(shards, CONCURRENCY, async (shard) => {
    const handle = temporal.client.workflow.getHandle(rolloutShardWorkflowId(report.rolloutId, shard));
    slices[shard] = ((await handle.result()) as ShardReport).hosts;
  });
  return slices.flat();
}
