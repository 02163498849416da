import { idempotencyKey, type NotifyEvent } from './events';

// The bodies posted for an event. Generic JSON: the event itself with a version and the idempotency
// key (also sent as the Idempotency-Key header). Slack-compatible: `text` (mrkdwn), which Slack's
// incoming webhooks and most chat tools that copy them (Mattermost, Rocket.Chat) accept.

export const NOTIFY_PAYLOAD_VERSION = 1;
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export interface JsonNotification {
  ibfleet: number;
  idempotencyKey: string;
  kind: NotifyEvent['kind'];
  rolloutId: string;
  subject?: string;
  text: string;
  lines: string[];
  details: Record<string, unknown>;
  at: string;
}

export function jsonPayload(event: NotifyEvent): JsonNotification {
  return {
    ibfleet: NOTIFY_PAYLOAD_VERSION,
    idempotencyKey: idempotencyKey(event),
    kind: event.kind,
    rolloutId: event.rolloutId,
    ...(event.subject ? { subject: event.subject } : {}),
    text: event.text,
    lines: event.lines,
    details: event.details,
    at: event.at,
  };
}

/** Slack mrkdwn needs &, < and > escaped; everything else is shown as written. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SLACK_LINES = 20;

export function slackPayload(event: NotifyEvent): { text: string } {
  const lines = event.lines.slice(0, SLACK_LINES).map((l) => `• ${slackEscape(l)}`);
  if (event.lines.length > SLACK_LINES) lines.push(`… and ${event.lines.length - SLACK_LINES} more`);
  return { text: [`*ibfleet* ${slackEscape(event.text)}`, ...lines].join('\n') };
}
