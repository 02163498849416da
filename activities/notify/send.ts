import { ApplicationFailure } from '@temporalio/common';
import {
  idempotencyKey,
  IDEMPOTENCY_HEADER,
  jsonPayload,
  notifyEventSchema,
  notifyTargetSchema,
  slackPayload,
  type NotifyEvent,
  type NotifyTarget,
} from '../../common/notify';
import { formatIssues } from '../../common/zod-issues';
import { safeText } from '../ssh/redact';
import { activitySignal } from '../step-context';
import { networkErrorCode } from '../url-ref';
import { resolveNotifyTarget } from './resolve';

// One event to one endpoint, one attempt: Temporal's retry policy (workflows/notify.ts) repeats it with
// backoff. Every attempt carries the same idempotency key (header and body), so a receiver that saw an
// attempt whose answer was lost can drop the repeat.

export const NOTIFY_REJECTED = 'NotifyRejected';
export const NOTIFY_UNREACHABLE = 'NotifyUnreachable';
export const NOTIFY_TIMEOUT_MS = 10_000;
const BODY_EXCERPT_BYTES = 300;

export interface SendNotificationInput {
  target: NotifyTarget;
  event: NotifyEvent;
}

export interface SendNotificationResult {
  target: string;
  status: number;
  idempotencyKey: string;
}

export interface NotifyDeps {
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3_600) * 1_000;
  return undefined;
}

export async function sendNotification(
  deps: NotifyDeps,
  input: SendNotificationInput,
): Promise<SendNotificationResult> {
  const target = notifyTargetSchema.safeParse(input.target);
  const event = notifyEventSchema.safeParse(input.event);
  if (!target.success || !event.success) {
    const problems = [
      ...(target.success ? [] : formatIssues(target.error, 'target')),
      ...(event.success ? [] : formatIssues(event.error, 'event')),
    ];
    throw ApplicationFailure.nonRetryable(`invalid notification: ${problems.join('; ')}`, 'InvalidInput');
  }
  const resolved = resolveNotifyTarget(target.data, deps.env);
  const key = idempotencyKey(event.data);
  const body = resolved.format === 'slack' ? slackPayload(event.data) : jsonPayload(event.data);
  const signals = [AbortSignal.timeout(NOTIFY_TIMEOUT_MS)];
  const cancelled = activitySignal();
  if (cancelled) signals.push(cancelled);
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(resolved.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'ibfleet',
        [IDEMPOTENCY_HEADER]: key,
      },
      body: JSON.stringify(body),
      // A redirect would re-send the body somewhere the operator did not name.
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    // Only the error code: undici's messages may quote the URL, whose path can be the secret.
    const why = networkErrorCode(err, NOTIFY_TIMEOUT_MS);
    throw ApplicationFailure.create({
      message: `${resolved.label}: cannot deliver (${why})`,
      type: NOTIFY_UNREACHABLE,
    });
  }
  const excerpt = safeText(await response.text().catch(() => ''), BODY_EXCERPT_BYTES)
    .replace(/\s+/g, ' ')
    .trim();
  if (response.status >= 200 && response.status < 300)
    return { target: resolved.label, status: response.status, idempotencyKey: key };
  const message = `${resolved.label}: answered HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`;
  const retryable =
    response.status === 408 || response.status === 425 || response.status === 429 || response.status >= 500;
  throw ApplicationFailure.create({
    message,
    type: retryable ? NOTIFY_UNREACHABLE : NOTIFY_REJECTED,
    nonRetryable: !retryable,
    nextRetryDelay: retryable ? retryAfterMs(response.headers.get('retry-after')) : undefined,
  });
}
