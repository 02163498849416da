import { z } from 'zod';
import { describeUrlRef, parseUrlRef, urlRefSchema, UrlRefError } from '../url-ref';

// `--notify URL` (repeatable): where rollout events are posted. The URL is literal (without secrets)
// or a reference to the worker's environment (common/url-ref.ts), optionally prefixed with the format:
//
//   http://127.0.0.1:9000/hook          generic JSON (the body is the event; see payload.ts)
//   slack+https://chat.example/hook     Slack-compatible payload ({"text": ...}) to a literal URL
//   env:IBFLEET_NOTIFY_SLACK_URL        a reference; Slack payload when the URL is hooks.slack.com
//   slack+env:NAME / json+env:NAME      a reference with the payload format forced

export const NOTIFY_FORMATS = ['auto', 'json', 'slack'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

const format = z.enum(NOTIFY_FORMATS).default('auto');
export const notifyTargetSchema = z.union([
  urlRefSchema.options[0].extend({ format }),
  urlRefSchema.options[1].extend({ format }),
]);
export type NotifyTarget = z.infer<typeof notifyTargetSchema>;

export class NotifySpecError extends Error {
  override readonly name = 'NotifySpecError';
}

/** Parses one `--notify` value; throws NotifySpecError with the reason (never echoing a secret URL). */
export function parseNotifyTarget(text: string): NotifyTarget {
  const m = /^(?:(json|slack)\+)?(.*)$/s.exec(text.trim()) as RegExpExecArray;
  try {
    return { ...parseUrlRef(m[2]), format: (m[1] as NotifyFormat | undefined) ?? 'auto' };
  } catch (err) {
    if (err instanceof UrlRefError)
      throw new NotifySpecError(
        err.message.startsWith('must be')
          ? `${err.message}, optionally prefixed slack+ or json+`
          : err.message,
      );
    throw err;
  }
}

/** How a target is named in messages, reports and the UI: never a secret. */
export function describeNotifyTarget(t: NotifyTarget): string {
  return `${t.format === 'auto' ? '' : `${t.format}+`}${describeUrlRef(t)}`;
}
