import { WorkflowFailedError } from '@temporalio/client';
import type { HostConvergePlan } from '../../common/converge-plan';
import type { ConvergeParams } from '../../common/desired-state';
import { forEachLimited } from '../../common/for-each-limited';
import { procedures, type HostOptions, type ProcedureInput } from '../../common/procedures';
import type { ProcedureReport } from '../../common/reports';
import type { HostRef } from '../../common/targets';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';
import { errorText } from '../rollout/snapshot';

// `ibfleet plan` reads every host through the worker (which alone holds the SSH credentials): one short
// converge workflow per host with dryRun, which reads the facts and computes the very plan apply would
// follow (common/converge-plan.ts), and changes nothing. Their IDs are ibfleet/plan/<plan id>/<host>, so a
// plan never collides with a host's own workflow (ibfleet/host/<host>) and may run while one is busy.

export interface HostPlanResult {
  host: string;
  cluster: string;
  plan?: HostConvergePlan;
  /** Why the host could not be read (SSH, credentials, output it did not understand). */
  error?: string;
}

export function planWorkflowId(planId: string, host: string): string {
  return `ibfleet/plan/${planId}/${host}`;
}

function planOf(report: ProcedureReport | undefined): HostConvergePlan | undefined {
  const plan = report?.finalState?.plan;
  return typeof plan === 'object' && plan !== null ? (plan as HostConvergePlan) : undefined;
}

/** Each host's plan (or why it has none), in the order of `hosts`. */
export async function readHostPlans(
  temporal: TemporalAccess,
  o: {
    planId: string;
    hosts: readonly HostRef[];
    params: ConvergeParams;
    options: HostOptions;
    concurrency: number;
  },
): Promise<HostPlanResult[]> {
  const results = new Map<string, HostPlanResult>();
  await forEachLimited(o.hosts, o.concurrency, async (host) => {
    const input: ProcedureInput = {
      procedure: 'converge',
      target: host,
      params: { ...o.params, dryRun: true },
      options: o.options,
    };
    const base = { host: host.name, cluster: host.cluster };
    try {
      const handle = await temporal.client.workflow.start(procedures.converge.workflowType, {
        workflowId: planWorkflowId(o.planId, host.name),
        taskQueue: taskQueue(),
        args: [input],
        staticSummary: `plan (read only) of ${host.name}`,
      });
      const plan = planOf((await handle.result()) as ProcedureReport);
      results.set(host.name, plan ? { ...base, plan } : { ...base, error: 'the workflow returned no plan' });
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      results.set(host.name, { ...base, error: cause ? cause.message : errorText(err) });
    }
  });
  return o.hosts.map((h) => results.get(h.name) ?? { host: h.name, cluster: h.cluster, error: 'not read' });
}
