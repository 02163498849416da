import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import { IbCluster, IbHost, IbProcedure, IbRolloutId } from '../../common/search-attributes';
import { targetCluster } from '../../common/targets';
import { ProcedureRun } from './procedure-run';

/**
 * The frame of every procedure workflow: search attributes, the run's book-keeping, and one place that
 * turns any error into a typed report (and a failed workflow carrying it).
 */
export async function runProcedure(
  input: ProcedureInput,
  plannedSteps: readonly string[],
  body: (run: ProcedureRun) => Promise<Record<string, unknown>>,
): Promise<ProcedureReport> {
  ensureSearchAttributes(input);
  const run = new ProcedureRun(input, plannedSteps);
  let finalState: Record<string, unknown>;
  try {
    finalState = await body(run);
  } catch (err) {
    return await run.fail(err);
  }
  return await run.succeed(finalState);
}

/** A rollout sets these when it starts the child; a procedure started by hand sets them itself. */
function ensureSearchAttributes(input: ProcedureInput): void {
  const current = workflowInfo().typedSearchAttributes;
  if (current.get(IbHost) !== undefined) return;
  upsertSearchAttributes([
    { key: IbHost, value: input.target.name },
    { key: IbCluster, value: targetCluster(input.target) },
    { key: IbProcedure, value: input.procedure },
    ...(input.rolloutId ? [{ key: IbRolloutId, value: input.rolloutId }] : []),
  ]);
}
