import { asActivity } from '../step-context';
import {
  sendNotification,
  type NotifyDeps,
  type SendNotificationInput,
  type SendNotificationResult,
} from './send';

export { resolveNotifyTarget, NOTIFY_CONFIG_ERROR } from './resolve';
export {
  NOTIFY_REJECTED,
  NOTIFY_UNREACHABLE,
  type SendNotificationInput,
  type SendNotificationResult,
} from './send';

export interface NotifyActivities {
  /** Posts one event to one endpoint, once; retried with backoff by its workflow (workflows/notify.ts). */
  sendNotification(input: SendNotificationInput): Promise<SendNotificationResult>;
}

export function createNotifyActivities(deps: NotifyDeps): NotifyActivities {
  return { sendNotification: (input) => asActivity(() => sendNotification(deps, input)) };
}
