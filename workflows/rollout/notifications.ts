import type { NotifyEventInput, NotifyTarget } from '../../common/notify';
import { startNotification } from '../notify';

// The rollout's notifications (--notify, issue #16): the events the rollout's state queues
// (Rollout.takeNotifications) each start a notify workflow of their own (workflows/notify.ts), which
// retries and never fails the rollout. Starting is awaited before continue-as-new and before the
// rollout returns, so no event is lost between runs.

export class RolloutNotifier {
  private starting = 0;

  constructor(private readonly targets: readonly NotifyTarget[] | undefined) {}

  send(events: readonly NotifyEventInput[]): void {
    if (!this.targets || events.length === 0) return;
    for (const event of events) {
      this.starting += 1;
      void startNotification(this.targets, event).finally(() => (this.starting -= 1));
    }
  }

  /** Every notify workflow asked for has started (or was started before). */
  settled(): boolean {
    return this.starting === 0;
  }
}
