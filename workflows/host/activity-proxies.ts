import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { HostActivities, PerftestActivities, SwitchActivities } from '../../activities/contract';
import type { Timing } from '../../common/procedures';
import { nonRetryableSshFailureTypes } from '../../common/failure-types';
import {
  HOST_NOT_RETURNED,
  INVALID_INPUT,
  MLXCONFIG_REJECTED,
  PRECONDITION_FAILED,
  REBOOT_DID_NOT_START,
  REBOOT_REFUSED,
  UNEXPECTED_OUTPUT,
  VERIFICATION_FAILED,
} from '../../common/procedure-failures';

// Activity options derive from the procedure's timings, so tests can run whole reboot cycles in
// seconds and real fleets can allow for ten-minute boots.

const nonRetryableErrorTypes = [
  ...nonRetryableSshFailureTypes,
  HOST_NOT_RETURNED,
  REBOOT_DID_NOT_START,
  REBOOT_REFUSED,
  VERIFICATION_FAILED,
  PRECONDITION_FAILED,
  MLXCONFIG_REJECTED,
  INVALID_INPUT,
  UNEXPECTED_OUTPUT,
];

/** Ordinary steps: a few commands each; transient SSH trouble is retried for a few minutes. */
export function stepOptions(timing: Timing): ActivityOptions {
  return {
    startToCloseTimeout: timing.connectTimeoutMs + 6 * timing.commandTimeoutMs,
    heartbeatTimeout: timing.heartbeatTimeoutMs,
    retry: {
      initialInterval: Math.min(1_000, timing.pollIntervalMs * 4),
      backoffCoefficient: 2,
      maximumInterval: 30_000,
      maximumAttempts: 8,
      nonRetryableErrorTypes,
    },
  };
}

/** The same steps run as local activities: the same timeouts and retries, minus the heartbeat. */
function localStepOptions(timing: Timing): LocalActivityOptions {
  const { startToCloseTimeout, retry } = stepOptions(timing);
  return { startToCloseTimeout, retry };
}

/**
 * Host steps that stay ordinary activities once local steps are in use. The reboot and the wait for the
 * host are long and must never run twice by accident; the reads a procedure decides from must be in
 * history before anything acts on them, so a worker crash never lets a re-run read hide what the
 * interrupted run had already changed; the module reload is a one-off whose interruption needs care.
 */
const hostActivitiesNeverLocal: ReadonlySet<string> = new Set<keyof HostActivities>([
  'readHostFacts',
  'readCards',
  'rebootIfStill',
  'awaitHostReturn',
  'rebootAndAwaitReturn',
  'reloadNmlx5Module',
  // The VM list the shutdown policy restores from must be in history before the first VM is stopped;
  // the stop, the wait and maintenance-mode entry take long and heartbeat (workflows/host/workloads.ts).
  'listVms',
  'stopVms',
  'startVms',
  'enterMaintenance',
  // An MFT/NMST install takes minutes on a real host (it heartbeats), with a timeout of its own.
  'installMftTools',
]);

/**
 * Workflows started before this patch ran every step as an ordinary activity and replay that way. Since
 * then (1) the short steps run as local activities: a step that takes a second of SSH no longer costs
 * three history events, a workflow task round trip and a task-queue dispatch, which was most of the
 * Temporal server's work per host (see bench/results); their results are recorded as markers when the
 * workflow task completes, and a worker crash before that re-runs them, which idempotent steps allow;
 * (2) a reboot and the wait for the host are one activity (rebootAndAwaitReturn). The patch is taken at
 * the start of every host procedure.
 */
export const COMPACT_STEPS_PATCH = 'ibfleet-compact-steps';

/** True in workflows started since COMPACT_STEPS_PATCH (see there). */
export function compactSteps(): boolean {
  return patched(COMPACT_STEPS_PATCH);
}

/**
 * Waiting for a host: one long activity that heartbeats and resumes from its heartbeat after a worker
 * crash. It fails for good (HostNotReturned) at the deadline it is given, so retries are unbounded.
 */
function awaitOptions(timing: Timing): ActivityOptions {
  return {
    startToCloseTimeout: timing.bootDeadlineMs + timing.rebootStartMs + timing.stabilityMs + 60_000,
    heartbeatTimeout: timing.heartbeatTimeoutMs,
    retry: { initialInterval: 200, backoffCoefficient: 1.5, maximumInterval: 2_000, nonRetryableErrorTypes },
  };
}

/**
 * The reboot step retries while a previous attempt's reboot may be in progress (host unreachable),
 * but not forever: it gives up with the boot deadline.
 */
function rebootOptions(timing: Timing): ActivityOptions {
  return {
    ...awaitOptions(timing),
    startToCloseTimeout: timing.rebootStartMs + timing.connectTimeoutMs + 4 * timing.commandTimeoutMs,
    scheduleToCloseTimeout: timing.bootDeadlineMs + 2 * timing.rebootStartMs + 60_000,
  };
}

/**
 * The local step functions handed out: a local step finishes inside the workflow task that started it,
 * so nothing outside the worker ever sees it as the current step (see ProcedureRun.enter).
 */
const localStepFunctions = new WeakSet<object>();

export function runsLocally(activity: object): boolean {
  return localStepFunctions.has(activity);
}

/** A reboot and the wait, in one activity: the wait's timeouts and retries, bounded like the reboot's. */
function rebootAndAwaitOptions(timing: Timing): ActivityOptions {
  return {
    ...awaitOptions(timing),
    scheduleToCloseTimeout: timing.bootDeadlineMs + 2 * timing.rebootStartMs + timing.stabilityMs + 120_000,
  };
}

/** An MFT/NMST install unpacks and checks each depot (up to 15 minutes each, activities/esxi/software.ts). */
function installOptions(timing: Timing): ActivityOptions {
  return {
    ...stepOptions(timing),
    startToCloseTimeout: timing.connectTimeoutMs + 4 * 15 * 60_000 + 2 * timing.commandTimeoutMs,
  };
}

export function hostActivities(timing: Timing) {
  const steps = proxyActivities<HostActivities>(stepOptions(timing));
  const installs = proxyActivities<HostActivities>(installOptions(timing));
  const waits = proxyActivities<HostActivities>(awaitOptions(timing));
  const reboots = proxyActivities<HostActivities>(rebootOptions(timing));
  const rebootAndWait = proxyActivities<HostActivities>(rebootAndAwaitOptions(timing));
  const local = compactSteps() ? proxyLocalActivities<HostActivities>(localStepOptions(timing)) : undefined;
  // The SDK's proxies make a new function on every property read: make each local step's once, so
  // runsLocally() recognises it and the set stays one entry per step.
  const localSteps = new Map<string, object>();
  const localStep = (proxies: NonNullable<typeof local>, name: string) => {
    let fn: object | undefined = localSteps.get(name);
    if (!fn) {
      fn = proxies[name as keyof HostActivities];
      localSteps.set(name, fn);
      localStepFunctions.add(fn);
    }
    return fn;
  };
  // Activity proxies are Proxies (spreading them copies nothing): route explicitly.
  return new Proxy(steps, {
    get: (target, name, receiver): unknown => {
      if (name === 'awaitHostReturn') return waits.awaitHostReturn;
      if (name === 'rebootIfStill') return reboots.rebootIfStill;
      if (name === 'rebootAndAwaitReturn') return rebootAndWait.rebootAndAwaitReturn;
      if (name === 'installMftTools') return installs.installMftTools;
      if (local && typeof name === 'string' && !hostActivitiesNeverLocal.has(name))
        return localStep(local, name);
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}

export function switchActivities(timing: Timing) {
  return proxyActivities<SwitchActivities>(stepOptions(timing));
}

export function perftestActivities(timing: Timing) {
  return proxyActivities<PerftestActivities>({
    ...stepOptions(timing),
    // A bandwidth run lasts as long as perftest does; retried a few times only.
    startToCloseTimeout: timing.connectTimeoutMs + 10 * timing.commandTimeoutMs,
  });
}
