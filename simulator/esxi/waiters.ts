// Commands that wait for the host's state (esxcli system maintenanceMode set -e true): they sleep
// until a state change, the host's next due transition (a guest shutdown finishing, an entry
// timing out) or their deadline, whichever comes first, and are woken early by any change.

/** Runs `fn` after `ms`; returns a cancel function. Tests pass a fake driven by a fake clock. */
export type Schedule = (ms: number, fn: () => void) => () => void;

/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const realSchedule: Schedule = (ms, fn) => {
  const timer = setTimeout(fn, Math.min(ms, MAX_TIMER_MS));
  return () => clearTimeout(timer);
};

export interface WaiterHost {
  now(): number;
  schedule: Schedule;
  /** Applies due transitions (may report a change, which wakes the waiters). */
  settle(): void;
  /** When the state next changes by itself (epoch ms), if ever. */
  nextTransitionAt(): number | null;
}

export class StateWaiters {
  private readonly wakers = new Set<() => void>();

  constructor(private readonly host: WaiterHost) {}

  /** Wakes every waiter to re-check its condition. */
  notify(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** True once `done()` holds; false at `deadline` (epoch ms; null: none) or when aborted. */
  async waitUntil(done: () => boolean, deadline: number | null, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      this.host.settle();
      if (done()) return true;
      const now = this.host.now();
      if (signal.aborted || (deadline !== null && now >= deadline)) return false;
      let wakeAt = this.host.nextTransitionAt();
      if (deadline !== null && (wakeAt === null || deadline < wakeAt)) wakeAt = deadline;
      await new Promise<void>((resolve) => {
        let cancel = () => undefined as void;
        const wake = () => {
          this.wakers.delete(wake);
          signal.removeEventListener('abort', wake);
          cancel();
          resolve();
        };
        this.wakers.add(wake);
        signal.addEventListener('abort', wake);
        if (wakeAt !== null) cancel = this.host.schedule(Math.max(0, wakeAt - now), wake);
      });
    }
  }
}
