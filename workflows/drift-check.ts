import {
  ApplicationFailure,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { DriftActivities, DriftedHost } from '../activities/drift';
import {
  DRIFT_CHECK_PROCEDURE,
  driftCheckInputSchema,
  driftRolloutId,
  type DriftCheckInput,
} from '../common/drift-check';
import { driftCheckFailedEvent, driftDetectedEvent } from '../common/notify';
import type { RolloutInput, RolloutPhase, RolloutReport } from '../common/rollout';
import { IbPhase, IbProcedure, IbRolloutId } from '../common/search-attributes';
import { rolloutWorkflowId } from '../common/targets';
import { formatIssues } from '../common/zod-issues';
import { classify, invalidInput } from './host/failures';
import { problemList } from './host/validate';
import { startNotification } from './notify';

// The scheduled drift check (`ibfleet schedule create preflight`): each run of the Temporal Schedule
// starts this workflow, which runs a read-only preflight rollout over the targets (a child: visible in
// `rollout list` and the UI as drift-<schedule>-<time>), reads every host's findings against the
// expected state (an activity: the host reports never pass through this history) and notifies when
// hosts drifted (fire-and-forget, workflows/notify.ts).

export interface DriftReport {
  rolloutId: string;
  schedule: string;
  /** The preflight rollout's outcome (failed when any host did not pass preflight). */
  rolloutPhase: RolloutPhase;
  checked: number;
  drifted: DriftedHost[];
}

const { collectDrift } = proxyActivities<DriftActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput'] },
  summary: 'compare what preflight found with the expected state',
});

export async function driftCheckWorkflow(rawInput: DriftCheckInput): Promise<DriftReport> {
  const parsed = driftCheckInputSchema.safeParse(rawInput);
  if (!parsed.success) throw invalidInput(`invalid drift check: ${problemList(formatIssues(parsed.error))}`);
  const { schedule, desired, notify } = parsed.data;
  const rolloutId = driftRolloutId(schedule, workflowInfo().startTime.getTime());
  const at = () => new Date().toISOString();
  upsertSearchAttributes([
    { key: IbRolloutId, value: rolloutId },
    { key: IbProcedure, value: DRIFT_CHECK_PROCEDURE },
    { key: IbPhase, value: 'running' },
  ]);
  setCurrentDetails(`Drift check **${schedule}**: preflight rollout \`${rolloutId}\` running.`);

  const input: RolloutInput = { ...(rawInput.rollout as RolloutInput), rolloutId };
  let report: RolloutReport;
  try {
    report = await executeChild<(input: RolloutInput) => Promise<RolloutReport>>('rolloutWorkflow', {
      workflowId: rolloutWorkflowId(rolloutId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `preflight on ${input.targets.length} target(s) — drift check ${schedule}`,
      typedSearchAttributes: [
        { key: IbRolloutId, value: rolloutId },
        { key: IbProcedure, value: 'preflight' },
        { key: IbPhase, value: 'running' },
      ],
    });
  } catch (err) {
    const reason = classify(err).message;
    await startNotification(notify, driftCheckFailedEvent(rolloutId, schedule, reason, at()));
    upsertSearchAttributes([{ key: IbPhase, value: 'failed' }]);
    throw ApplicationFailure.create({
      type: 'DriftCheckFailed',
      message: `preflight rollout ${rolloutId}: ${reason}`,
      nonRetryable: true,
    });
  }

  const drift = await collectDrift({
    hosts: report.hosts.map((h) => ({
      name: h.name,
      cluster: h.cluster,
      phase: h.phase,
      ...(h.runId ? { runId: h.runId } : {}),
      ...(h.reason ? { reason: h.reason } : {}),
    })),
    desired,
  });
  if (drift.drifted.length > 0)
    await startNotification(
      notify,
      driftDetectedEvent(rolloutId, schedule, drift.checked, drift.drifted, at()),
    );
  upsertSearchAttributes([{ key: IbPhase, value: drift.drifted.length > 0 ? 'drifted' : 'clean' }]);
  setCurrentDetails(
    [
      `Drift check **${schedule}** (preflight rollout \`${rolloutId}\`): ${drift.drifted.length} of ${drift.checked} host(s) drifted.`,
      ...(drift.drifted.length > 0
        ? [
            '',
            '| host | cluster | drift |',
            '|---|---|---|',
            ...drift.drifted
              .slice(0, 50)
              .map(
                (d) =>
                  `| ${d.host} | ${d.cluster} | ${d.issues.join('; ').replace(/\|/g, '/').slice(0, 300)} |`,
              ),
          ]
        : []),
    ].join('\n'),
  );
  return { rolloutId, schedule, rolloutPhase: report.phase, checked: drift.checked, drifted: drift.drifted };
}
