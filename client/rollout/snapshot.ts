import {
  WorkflowFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { RolloutProgress, RolloutReport } from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import { rolloutProgressQuery } from '../../workflows/messages';
import { UsageError } from '../cli-error';
import type { TemporalAccess } from '../deps';
import { allReportHosts } from './host-reports';
import type { RolloutWorkflow } from './start';

// What the client sees of a rollout (the workflow's own state is workflows/rollout/state.ts): running,
// with its progress from the query, or closed, with its report (the workflow result) or the reason it
// has none.

export const QUERY_DEADLINE_MS = 10_000;

export type RolloutSnapshot =
  | {
      kind: 'running';
      description: WorkflowExecutionDescription;
      progress?: RolloutProgress;
      progressError?: string;
    }
  | { kind: 'completed'; description: WorkflowExecutionDescription; report: RolloutReport }
  | { kind: 'closed'; description: WorkflowExecutionDescription; status: string; failure: string };

export interface RolloutRef {
  id: string;
  handle: WorkflowHandle<RolloutWorkflow>;
  description: WorkflowExecutionDescription;
}

/** The rollout's handle (latest run) and description; UsageError when there is no such rollout. */
export async function findRollout(temporal: TemporalAccess, id: string): Promise<RolloutRef> {
  const handle = temporal.client.workflow.getHandle<RolloutWorkflow>(rolloutWorkflowId(id));
  try {
    return { id, handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new UsageError(
        `no rollout "${id}" in namespace ${temporal.namespace} (workflow ${rolloutWorkflowId(id)} not found)`,
      );
    throw err;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    return cause ? `${cause.name}: ${cause.message}` : err.message;
  }
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

export async function queryProgress(
  temporal: TemporalAccess,
  handle: WorkflowHandle<RolloutWorkflow>,
): Promise<RolloutProgress> {
  return temporal.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
    handle.query(rolloutProgressQuery),
  );
}

/** The result of a closed rollout: the report, or why it has none. */
export async function closedOutcome(
  ref: RolloutRef,
): Promise<{ report: RolloutReport } | { status: string; failure: string }> {
  try {
    return { report: await ref.handle.result() };
  } catch (err) {
    return { status: ref.description.status.name, failure: errorText(err) };
  }
}

/** Where the rollout is; with `allHosts`, a closed sharded rollout's report lists every host (from its shards). */
export async function loadRolloutSnapshot(
  temporal: TemporalAccess,
  id: string,
  { allHosts = false }: { allHosts?: boolean } = {},
): Promise<RolloutSnapshot> {
  const ref = await findRollout(temporal, id);
  const { description } = ref;
  if (description.status.name === 'RUNNING') {
    try {
      return { kind: 'running', description, progress: await queryProgress(temporal, ref.handle) };
    } catch (err) {
      return { kind: 'running', description, progressError: errorText(err) };
    }
  }
  const outcome = await closedOutcome(ref);
  if ('report' in outcome) {
    const report = outcome.report;
    if (allHosts && report.shards !== undefined) report.hosts = await allReportHosts(temporal, report);
    return { kind: 'completed', description, report };
  }
  return { kind: 'closed', description, ...outcome };
}
