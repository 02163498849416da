import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  isCancellation,
} from '@temporalio/workflow';
import {
  INVALID_INPUT,
  needsAttentionTypes,
  PRECONDITION_FAILED,
  VERIFICATION_FAILED,
} from '../../common/procedure-failures';
import type { ProcedureOutcome, ProcedureReport } from '../../common/reports';

// What a workflow makes of an error: the failure type and message an operator sees, and the failures
// workflows raise for bad input and for a stop at a safe point.

/** Raised inside a procedure when it stops at a safe point on request (ProcedureRun.safePoint). */
export class StopRequested extends Error {
  constructor(readonly step: string) {
    super(`stopped at a safe point before "${step}"`);
  }
}

/** The failure type and message an operator should see, from whatever a step threw. */
export function classify(err: unknown): { type: string; message: string } {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  if (cause instanceof ApplicationFailure)
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: 'cancelled' };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}

export function failureMessage(err: unknown): string {
  return classify(err).message;
}

/** A check after a change failed (cards not listed, values not applied): needs-attention. */
export function verificationFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: VERIFICATION_FAILED, message, nonRetryable: true });
}

/** The host is not fit for the procedure; nothing was changed. */
export function preconditionFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: PRECONDITION_FAILED, message, nonRetryable: true });
}

/** Invalid input fails the workflow for good: a non-retryable failure, never a stuck workflow task. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_INPUT, message, nonRetryable: true });
}

/**
 * How a procedure ends after `err`: needs-attention when the host may be changed or unknown, was left
 * mid-cycle, or an operator must see to something; else failed (or cancelled).
 */
export function endAfterError(
  err: unknown,
  o: { leftMidCycle?: string; attention: readonly string[] },
): { outcome: ProcedureOutcome; type: string; reason: string } {
  const { type, message } = classify(err);
  const outcome: ProcedureOutcome = isCancellation(err)
    ? 'cancelled'
    : needsAttentionTypes.includes(type) || o.leftMidCycle !== undefined || o.attention.length > 0
      ? 'needs-attention'
      : 'failed';
  const reason = [
    message,
    ...(o.leftMidCycle !== undefined ? [`host left mid-change: ${o.leftMidCycle}`] : []),
    ...o.attention,
  ].join(' — ');
  return { outcome, type, reason };
}

/** The reason of a procedure stopped at a safe point on request. */
export function stoppedReason(
  step: string,
  request: string | undefined,
  attention: readonly string[],
): string {
  return [
    `stopped at a safe point before "${step}" (${request ?? 'requested'}); nothing was changed after it`,
    ...attention,
  ].join(' — ');
}

/** The workflow's failure: non-retryable, the report as its details (the Temporal UI shows the host failed). */
export function failureWithReport(type: string, report: ProcedureReport): ApplicationFailure {
  return ApplicationFailure.create({ type, message: report.reason, nonRetryable: true, details: [report] });
}
