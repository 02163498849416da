import {
  ApplicationFailure,
  CancellationScope,
  log,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { z } from 'zod';
import type { NotifyActivities } from '../activities/notify';
import {
  describeNotifyTarget,
  notifyEventSchema,
  notifyTargetSchema,
  notifyWorkflowId,
  type NotifyEventInput,
  type NotifyTarget,
} from '../common/notify';
import { formatIssues } from '../common/zod-issues';
import { invalidInput } from './host/failures';
import { problemList } from './host/validate';

// Notifications, fire-and-forget for the rollout: each event is a child workflow of its own (ID from
// the event, never reused: a replay or a second call sends nothing twice), abandoned by its parent so
// it keeps retrying after the rollout continued as new or closed. It posts to every endpoint at once,
// each with its own bounded retries; a failing endpoint fails only this workflow (visible in the UI),
// never the rollout. At least once: a receiver deduplicates on the idempotency key.

export const notifyRetrySchema = z.strictObject({
  initialIntervalMs: z.number().int().min(10).max(600_000).default(2_000),
  maximumIntervalMs: z.number().int().min(10).max(3_600_000).default(300_000),
  /** Attempts per endpoint; with the defaults, 10 attempts span about 20 minutes. */
  maximumAttempts: z.number().int().min(1).max(100).default(10),
});

export const notifyInputSchema = z.strictObject({
  targets: z.array(notifyTargetSchema).min(1).max(16),
  event: notifyEventSchema,
  retry: notifyRetrySchema.default(notifyRetrySchema.parse({})),
});
export type NotifyInput = z.input<typeof notifyInputSchema>;

export interface NotifyOutcome {
  target: string;
  delivered: boolean;
  detail: string;
}

export const NOTIFY_FAILED = 'NotifyFailed';

export async function notifyWorkflow(rawInput: NotifyInput): Promise<NotifyOutcome[]> {
  const parsed = notifyInputSchema.safeParse(rawInput);
  if (!parsed.success) throw invalidInput(`invalid notification: ${problemList(formatIssues(parsed.error))}`);
  const { targets, event, retry } = parsed.data;
  const { sendNotification } = proxyActivities<NotifyActivities>({
    startToCloseTimeout: '30s',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: ['NotifyConfigError', 'NotifyRejected', 'InvalidInput'],
    },
  });
  setCurrentDetails(
    `Sending **${event.kind}** of rollout \`${event.rolloutId}\` to ${targets.length} endpoint(s).`,
  );
  const outcomes = await Promise.all(
    targets.map(async (target): Promise<NotifyOutcome> => {
      try {
        const r = await sendNotification({ target, event });
        return { target: r.target, delivered: true, detail: `HTTP ${r.status}` };
      } catch (err) {
        const cause = (err as { cause?: Error }).cause;
        return {
          target: describeNotifyTarget(target),
          delivered: false,
          detail: (cause ?? (err as Error)).message,
        };
      }
    }),
  );
  const failed = outcomes.filter((o) => !o.delivered);
  setCurrentDetails(
    [
      '| endpoint | delivered | detail |',
      '|---|---|---|',
      ...outcomes.map(
        (o) => `| ${o.target} | ${o.delivered ? 'yes' : '**no**'} | ${o.detail.replace(/\|/g, '/')} |`,
      ),
    ].join('\n'),
  );
  if (failed.length > 0)
    throw ApplicationFailure.create({
      type: NOTIFY_FAILED,
      nonRetryable: true,
      message: `${failed.length} of ${outcomes.length} endpoint(s) did not take ${event.kind}: ${failed.map((o) => `${o.target} (${o.detail})`).join('; ')}`,
      details: [outcomes],
    });
  return outcomes;
}

export interface StartNotificationOptions {
  retry?: z.input<typeof notifyRetrySchema>;
}

/**
 * Sends `event` to `targets` without waiting for it: resolves once the notify workflow is started (or
 * was started before: the event was already sent), never rejects, and is not cancelled with the
 * caller's scope. Await it before continue-as-new so the start is not lost.
 */
export function startNotification(
  targets: readonly NotifyTarget[],
  event: NotifyEventInput,
  opts: StartNotificationOptions = {},
): Promise<void> {
  if (targets.length === 0) return Promise.resolve();
  const input: NotifyInput = { targets: [...targets], event, ...(opts.retry ? { retry: opts.retry } : {}) };
  return CancellationScope.nonCancellable(async () => {
    try {
      await startChild(notifyWorkflow, {
        workflowId: notifyWorkflowId(event),
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `notify ${event.kind} of rollout ${event.rolloutId}${event.subject ? ` (${event.subject})` : ''}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      log.warn('could not start a notification', { kind: event.kind, error: (err as Error).message });
    }
  });
}
