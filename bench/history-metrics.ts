import { isGrpcServiceError, type Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { HostProgress } from '../common/rollout';
import { rolloutWorkflowId, targetWorkflowId } from '../common/targets';
import { forEachLimited } from '../common/for-each-limited';

// What the host and rollout workflow histories say: their sizes, when each await-return step
// completed (ActivityTaskCompleted of the activity that waits for the host, as the server recorded it), and where a host
// workflow's time went (activities running, waiting in the task queue, workflow tasks in between).

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Where one host workflow's time went, ms (server event times). */
export interface HostBreakdown {
  totalMs: number;
  /** Activities executing (started → completed). */
  activityMs: number;
  /** Activities waiting for a worker slot / poll (scheduled → started). */
  scheduleToStartMs: number;
  /** From an activity's completion to the next one being scheduled: a workflow task round trip. */
  betweenActivitiesMs: number;
  /** Workflow started → first activity scheduled. */
  startToFirstActivityMs: number;
  /** Last activity completed → workflow closed. */
  lastActivityToCloseMs: number;
  activities: number;
}

export interface HostHistory {
  name: string;
  workflowId: string;
  /** The run the rollout reported (absent: the latest run). */
  runId?: string;
  events: number;
  /** Server time of each completion of a wait for the host, in order. */
  awaitReturnCompletedAtMs: number[];
  breakdown: HostBreakdown;
  /** Per worker identity (pid@host): workflow tasks and activities of this host workflow it ran. */
  byWorker: Record<string, WorkerShare>;
}

export interface WorkerShare {
  workflowTasks: number;
  activities: number;
}

/** Which worker ran each workflow task and activity (the identity in the *TaskStarted events). */
export function workerShares(events: readonly HistoryEvent[]): Record<string, WorkerShare> {
  const out: Record<string, WorkerShare> = {};
  const of = (identity: string | null | undefined) =>
    (out[identity || 'unknown'] ??= { workflowTasks: 0, activities: 0 });
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes)
      of(e.workflowTaskStartedEventAttributes.identity).workflowTasks += 1;
    if (e.activityTaskStartedEventAttributes)
      of(e.activityTaskStartedEventAttributes.identity).activities += 1;
  }
  return out;
}

const at = (e: HistoryEvent) => tsToMs(e.eventTime);

/** The activities that end when a host is back: the wait alone, or (since compact steps) reboot and wait. */
const waitActivityTypes = new Set(['awaitHostReturn', 'rebootAndAwaitReturn']);

export function hostBreakdown(events: readonly HistoryEvent[]): {
  breakdown: HostBreakdown;
  awaitReturnCompletedAtMs: number[];
} {
  const b: HostBreakdown = {
    totalMs: 0,
    activityMs: 0,
    scheduleToStartMs: 0,
    betweenActivitiesMs: 0,
    startToFirstActivityMs: 0,
    lastActivityToCloseMs: 0,
    activities: 0,
  };
  const scheduledAt = new Map<number, number>();
  const startedAt = new Map<number, number>();
  const awaitIds = new Set<number>();
  const awaitDone: number[] = [];
  const first = events[0] ? at(events[0]) : 0;
  let lastDone: number | undefined;
  for (const e of events) {
    const t = at(e);
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) {
      const id = Number(e.eventId);
      scheduledAt.set(id, t);
      if (waitActivityTypes.has(sched.activityType?.name ?? '')) awaitIds.add(id);
      if (lastDone === undefined) b.startToFirstActivityMs += t - first;
      else b.betweenActivitiesMs += t - lastDone;
      b.activities += 1;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) startedAt.set(Number(started.scheduledEventId), t);
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const id = Number(done.scheduledEventId);
      const s = scheduledAt.get(id) ?? t;
      const st = startedAt.get(id) ?? s;
      b.scheduleToStartMs += st - s;
      b.activityMs += t - st;
      lastDone = t;
      if (awaitIds.has(id)) awaitDone.push(t);
    }
  }
  const last = events[events.length - 1];
  if (last) {
    b.totalMs = at(last) - first;
    if (lastDone !== undefined) b.lastActivityToCloseMs = at(last) - lastDone;
  }
  return { breakdown: b, awaitReturnCompletedAtMs: awaitDone };
}

/** gRPC's NOT_FOUND status code (the server's answer for a workflow ID never started). */
const GRPC_NOT_FOUND = 5;

export async function hostHistories(
  client: Client,
  hosts: readonly HostProgress[],
  concurrency = 8,
): Promise<HostHistory[]> {
  const out: HostHistory[] = [];
  // A host never started (the rollout stopped first: failure budget, cancel) has no workflow to read.
  const started = hosts.filter((h) => h.startedAt !== undefined || h.runId !== undefined);
  await forEachLimited(started, concurrency, async (h) => {
    const workflowId = targetWorkflowId({ kind: 'esxi', name: h.name });
    const history = await client.workflow
      .getHandle(workflowId, h.runId || undefined)
      .fetchHistory()
      .catch((err: unknown) => {
        // Granted but never started (the rollout stopped in between): nothing to measure.
        if (isGrpcServiceError(err) && Number(err.code) === GRPC_NOT_FOUND) return undefined;
        throw err;
      });
    if (!history) return;
    const events = history.events ?? [];
    out.push({
      name: h.name,
      workflowId,
      ...(h.runId ? { runId: h.runId } : {}),
      events: events.length,
      ...hostBreakdown(events),
      byWorker: workerShares(events),
    });
  });
  return out;
}

export interface RolloutRun {
  runId: string;
  events: number;
  /** Each host start after the first wave: time since the last "host finished" news (signal or child completion). */
  refillDelaysMs: number[];
  /** StartChildWorkflowExecutionInitiated → ChildWorkflowExecutionStarted. */
  childStartLatenciesMs: number[];
}

/** Every run of the rollout, following continue-as-new from the first run. */
export async function rolloutRuns(
  client: Client,
  rolloutId: string,
  firstRunId: string,
  maxRuns = 50,
): Promise<RolloutRun[]> {
  const runs: RolloutRun[] = [];
  let runId: string | undefined = firstRunId;
  while (runId && runs.length < maxRuns) {
    const history = await client.workflow.getHandle(rolloutWorkflowId(rolloutId), runId).fetchHistory();
    const events = history.events ?? [];
    const run: RolloutRun = { runId, events: events.length, refillDelaysMs: [], childStartLatenciesMs: [] };
    const initiatedAt = new Map<number, number>();
    let lastFinishNews: number | undefined;
    let next: string | undefined;
    for (const e of events) {
      const t = at(e);
      if (
        e.workflowExecutionSignaledEventAttributes ||
        e.childWorkflowExecutionCompletedEventAttributes ||
        e.childWorkflowExecutionFailedEventAttributes
      ) {
        lastFinishNews = t;
      }
      if (e.startChildWorkflowExecutionInitiatedEventAttributes) {
        initiatedAt.set(Number(e.eventId), t);
        if (lastFinishNews !== undefined) {
          run.refillDelaysMs.push(t - lastFinishNews);
          lastFinishNews = undefined;
        }
      }
      const started = e.childWorkflowExecutionStartedEventAttributes;
      if (started) {
        const i = initiatedAt.get(Number(started.initiatedEventId));
        if (i !== undefined) run.childStartLatenciesMs.push(t - i);
      }
      const can = e.workflowExecutionContinuedAsNewEventAttributes;
      if (can?.newExecutionRunId) next = can.newExecutionRunId;
    }
    runs.push(run);
    runId = next;
  }
  return runs;
}
