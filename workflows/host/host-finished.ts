import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { hostEndDetail, type ProcedureReport } from '../../common/reports';
import { hostFinishedSignal, type HostFinished } from '../messages';
import { failureMessage } from './failures';

/** What a host tells its rollout when it ends (also what the rollout takes from a child's result). */
export function hostFinishedFrom(r: ProcedureReport, runId: string): HostFinished {
  return {
    name: r.target,
    runId,
    outcome: r.outcome,
    ...hostEndDetail(r),
    reboots: r.reboots,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

/** Signal the parent rollout (if any) how the host ended. */
export async function notifyRollout(report: ProcedureReport): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  try {
    await getExternalWorkflowHandle(parent.workflowId).signal(
      hostFinishedSignal,
      hostFinishedFrom(report, workflowInfo().runId),
    );
  } catch (err) {
    // The rollout may have ended (or been terminated); the host's own result still records everything.
    log.warn('could not tell the rollout that this host finished', { error: failureMessage(err) });
  }
}
