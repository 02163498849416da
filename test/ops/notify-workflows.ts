// Workflows for the notification tests: the notify workflow and a parent that fires and forgets.
import type { NotifyEventInput, NotifyTarget } from '../../common/notify';
import { startNotification, type StartNotificationOptions } from '../../workflows/notify';

export { notifyWorkflow } from '../../workflows/notify';

/** Starts the notification for `event` (twice: the second start must be a no-op) and returns at once. */
export async function fireAndForgetWorkflow(
  targets: NotifyTarget[],
  event: NotifyEventInput,
  opts: StartNotificationOptions,
): Promise<string> {
  await startNotification(targets, event, opts);
  await startNotification(targets, event, opts);
  return 'done';
}
