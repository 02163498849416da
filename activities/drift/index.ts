import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { desiredClusterSchema, desiredHostState } from '../../common/desired-state';
import type { HostProgress } from '../../common/rollout';
import { fetchProcedureReports } from '../../client/rollout/host-reports';
import { asActivity } from '../step-context';
import { findDrift, preflightFoundSchema } from './find-drift';

export { findDrift, preflightFoundSchema, type HostPreflight, type PreflightFound } from './find-drift';

// After a read-only preflight rollout: each host's report (the result of its host workflow run, read
// with the worker's client, never carried through the drift workflow's history) against the expected
// state, reduced to the hosts that drifted and why.

export const collectDriftInputSchema = z.strictObject({
  hosts: z
    .array(
      z.strictObject({
        name: z.string(),
        cluster: z.string(),
        phase: z.string(),
        runId: z.string().optional(),
        reason: z.string().optional(),
      }),
    )
    .max(20_000),
  /** Desired state per cluster, from the inventory's `desired:` blocks (absent: the always-on checks only). */
  desired: z.record(z.string(), desiredClusterSchema()).default({}),
});
export type CollectDriftInput = z.input<typeof collectDriftInputSchema>;

export interface DriftedHost {
  host: string;
  cluster: string;
  issues: string[];
}

export interface DriftResult {
  checked: number;
  drifted: DriftedHost[];
}

export interface DriftActivities {
  collectDrift(input: CollectDriftInput): Promise<DriftResult>;
}

async function collectDrift(raw: CollectDriftInput): Promise<DriftResult> {
  const { hosts, desired } = collectDriftInputSchema.parse(raw);
  const ctx = Context.current();
  const temporal = {
    client: ctx.client,
    namespace: ctx.info.workflowNamespace ?? 'default',
    close: () => Promise.resolve(),
  };
  const reports = await fetchProcedureReports(temporal, 'preflight', hosts as HostProgress[]);
  const drifted: DriftedHost[] = [];
  for (const h of hosts) {
    const report = reports.get(h.name);
    const cluster = desired[h.cluster];
    const issues = report
      ? findDrift(
          {
            outcome: report.outcome,
            reason: report.reason,
            found: preflightFoundSchema.catch({}).parse(report.found),
          },
          cluster ? desiredHostState(cluster, h.name) : undefined,
        )
      : [`preflight did not run: ${h.reason ?? h.phase}`];
    if (issues.length > 0) drifted.push({ host: h.name, cluster: h.cluster, issues });
  }
  return { checked: hosts.length, drifted };
}

export function createDriftActivities(): DriftActivities {
  return { collectDrift: (input) => asActivity(() => collectDrift(input)) };
}
