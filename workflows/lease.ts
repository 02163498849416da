import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LeaseActivities } from '../activities/lease';
import {
  acquireRequestSchema,
  holderId,
  leaseInputSchema,
  type AcquireResult,
  type LeaseInput,
  type LeaseSlot,
  type LeaseState,
} from '../common/lease';
import { formatIssues } from '../common/zod-issues';
import { invalidInput } from './host/failures';
import { problemList } from './host/validate';
import { acquireUpdate, leaseGrantedSignal, leaseStateQuery, releaseUpdate } from './lease-messages';

// The per-cluster semaphore across rollouts (common/lease.ts). Grants in request order (a waiter at the
// head is never overtaken, so no rollout starves), each against the limit its requester gave. A slot
// is kept while its rollout or its host workflow (a run of this rollout) still runs; one whose rollout
// and host both ended (a terminated or crashed rollout) is freed by the liveness check, so a slot never
// leaks. Its state is the history: it survives worker and server restarts, and continues as new.

const EXPIRED_KEPT = 20;

const { leaseHoldersAlive } = proxyActivities<LeaseActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
  summary: 'check that lease holders still run',
});

export async function leaseWorkflow(rawInput: LeaseInput, carried?: LeaseState): Promise<LeaseState> {
  const parsed = leaseInputSchema.safeParse(rawInput);
  if (!parsed.success) throw invalidInput(`invalid lease input: ${problemList(formatIssues(parsed.error))}`);
  const { cluster, settings } = parsed.data;
  const state: LeaseState = carried ?? {
    cluster,
    holders: [],
    waiters: [],
    expired: [],
    continueAsNewCount: 0,
  };
  let changed = true;

  setHandler(leaseStateQuery, () => state);
  setHandler(
    acquireUpdate,
    (request): Promise<AcquireResult> => {
      const { holder, limit } = request;
      const id = holderId(holder);
      changed = true;
      if (state.holders.some((s) => s.id === id)) return Promise.resolve(granted(limit));
      const waiting = state.waiters.findIndex((s) => s.id === id);
      if (waiting >= 0) return Promise.resolve(queued(waiting, limit));
      if (state.waiters.length === 0 && state.holders.length < limit) {
        state.holders.push({ id, holder, limit, atMs: Date.now() });
        publish();
        return Promise.resolve(granted(limit));
      }
      state.waiters.push({ id, holder, limit, atMs: Date.now() });
      publish();
      return Promise.resolve(queued(state.waiters.length - 1, limit));
    },
    {
      validator: (request) => {
        const check = acquireRequestSchema.safeParse(request);
        if (!check.success)
          throw new Error(`invalid acquire request: ${formatIssues(check.error).join('; ')}`);
      },
    },
  );
  setHandler(releaseUpdate, (id) => {
    const before = state.holders.length + state.waiters.length;
    state.holders = state.holders.filter((s) => s.id !== id);
    state.waiters = state.waiters.filter((s) => s.id !== id);
    changed = true;
    grantWaiters();
    return Promise.resolve({ released: state.holders.length + state.waiters.length < before });
  });

  let nextLivenessCheckMs = Date.now() + settings.livenessCheckMs;
  for (;;) {
    publish();
    changed = false;
    if (busy()) {
      // Wait for a message; check liveness every interval however many messages come.
      const dueInMs = nextLivenessCheckMs - Date.now();
      if (dueInMs <= 0 || !(await condition(() => changed, dueInMs))) {
        await expireDeadHolders();
        nextLivenessCheckMs = Date.now() + settings.livenessCheckMs;
      }
    } else if (
      settings.idleTimeoutMs === 0 ||
      !(await condition(() => changed || busy(), settings.idleTimeoutMs))
    ) {
      await condition(allHandlersFinished);
      if (!busy()) return state; // idle: the next acquire starts a new run
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > settings.continueAsNewAfterEvents) {
      await condition(allHandlersFinished);
      state.continueAsNewCount += 1;
      await continueAsNew<typeof leaseWorkflow>(parsed.data, state);
    }
  }

  function busy(): boolean {
    return state.holders.length > 0 || state.waiters.length > 0;
  }

  function granted(limit: number): AcquireResult {
    return { granted: true, holders: state.holders.length, limit };
  }

  function queued(position: number, limit: number): AcquireResult {
    return { granted: false, position: position + 1, holders: state.holders.length, limit };
  }

  /** Grants waiters from the head while the head's limit allows; each granted rollout is signalled. */
  function grantWaiters(): void {
    while (state.waiters.length > 0 && state.holders.length < state.waiters[0].limit) {
      const slot = state.waiters.shift() as LeaseSlot;
      slot.atMs = Date.now();
      state.holders.push(slot);
      getExternalWorkflowHandle(slot.holder.rolloutWorkflowId)
        .signal(leaseGrantedSignal, { cluster, holderId: slot.id, host: slot.holder.host })
        .catch((err: unknown) => {
          // The rollout is gone: its slot goes back (the liveness check would free it too).
          if (isCancellation(err)) return;
          log.warn('lease holder not reachable; slot freed', {
            holder: slot.id,
            error: (err as Error).message,
          });
          release(slot.id, 'its rollout could not be signalled');
        });
    }
  }

  function release(id: string, why: string): void {
    const before = state.holders.length + state.waiters.length;
    state.holders = state.holders.filter((s) => s.id !== id);
    state.waiters = state.waiters.filter((s) => s.id !== id);
    if (state.holders.length + state.waiters.length < before) {
      state.expired = [...state.expired, { id, atMs: Date.now(), why }].slice(-EXPIRED_KEPT);
      changed = true;
      grantWaiters();
    }
  }

  /** Frees the slots whose rollout and host workflow both ended, and waits whose rollout ended. */
  async function expireDeadHolders(): Promise<void> {
    const slots = [...state.holders, ...state.waiters];
    const alive = await leaseHoldersAlive({ holders: slots.map((s) => s.holder) });
    slots.forEach((s, i) => {
      if (!alive.alive[i]) release(s.id, alive.why[i]);
    });
  }

  function publish(): void {
    const rows = [
      ...state.holders.map(
        (s) =>
          `| holds | ${s.holder.host} | ${s.holder.rolloutId} | ${s.limit} | ${new Date(s.atMs).toISOString()} |`,
      ),
      ...state.waiters.map(
        (s, i) =>
          `| waits (${i + 1}) | ${s.holder.host} | ${s.holder.rolloutId} | ${s.limit} | ${new Date(s.atMs).toISOString()} |`,
      ),
    ];
    setCurrentDetails(
      [
        `Cluster **${cluster}**: ${state.holders.length} host(s) out of service, ${state.waiters.length} waiting.`,
        ...(rows.length > 0
          ? ['', '| slot | host | rollout | limit | since |', '|---|---|---|---|---|', ...rows]
          : []),
      ].join('\n'),
    );
  }
}
