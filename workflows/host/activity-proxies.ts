import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { HostActivities, PerftestActivities, SwitchActivities } from '../../activities/contract';
import { nonRetryableStepFailureTypes } from '../../common/procedure-failures';
import type { Timing } from '../../common/procedures';
import { maintenanceTimeoutSeconds, type WorkloadOptions } from '../../common/workloads';

// The activities of the procedure workflows, in groups that say how each runs: `acts.local.x` is a
// local activity, `acts.steps.x` an ordinary one, `acts.reboot.x` the reboot and the wait for the host.
// Activity options derive from the procedure's timings, so tests can run whole reboot cycles in
// seconds and real fleets can allow for ten-minute boots.

/**
 * Workflows started before this patch ran every step as an ordinary activity and replay that way. Since
 * then (1) the short steps (`acts.local`) run as local activities: a step that takes a second of SSH no
 * longer costs three history events, a workflow task round trip and a task-queue dispatch, which was
 * most of the Temporal server's work per host (see bench/results); their results are recorded as markers
 * when the workflow task completes, and a worker crash before that re-runs them, which idempotent steps
 * allow; (2) a reboot and the wait for the host are one activity (rebootAndAwaitReturn). The patch is
 * taken at the start of every host procedure (hostActivities).
 *
 * Retiring it: (1) once no open workflow started before the patch (`temporal workflow list --query
 * 'ExecutionStatus="Running" AND WorkflowType IN (…host procedures…) AND StartTime < "<release of the
 * patch>"'` finds none), replace `patched` by `deprecatePatch(COMPACT_STEPS_PATCH)` and remove the old
 * path: the ordinary-activity branch of localSteps, rebootIfStill/awaitHostReturn in reboot.ts and
 * test/fixtures/histories/*.before-compact-steps.json; (2) once no open workflow started before that
 * release, remove the deprecatePatch call too.
 */
export const COMPACT_STEPS_PATCH = 'ibfleet-compact-steps';

/** True in workflows started since COMPACT_STEPS_PATCH (see there). */
export function compactSteps(): boolean {
  return patched(COMPACT_STEPS_PATCH);
}

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
      nonRetryableErrorTypes: [...nonRetryableStepFailureTypes],
    },
  };
}

/** The same steps run as local activities: the same timeouts and retries, minus the heartbeat. */
function localStepOptions(timing: Timing): LocalActivityOptions {
  const { startToCloseTimeout, retry } = stepOptions(timing);
  return { startToCloseTimeout, retry };
}

/**
 * Waiting for a host: one long activity that heartbeats and resumes from its heartbeat after a worker
 * crash. It fails for good (HostNotReturned) at the deadline it is given, so retries are unbounded.
 */
function awaitOptions(timing: Timing): ActivityOptions {
  return {
    startToCloseTimeout: timing.bootDeadlineMs + timing.rebootStartMs + timing.stabilityMs + 60_000,
    heartbeatTimeout: timing.heartbeatTimeoutMs,
    retry: {
      initialInterval: 200,
      backoffCoefficient: 1.5,
      maximumInterval: 2_000,
      nonRetryableErrorTypes: [...nonRetryableStepFailureTypes],
    },
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

type ActivityFn = (input: never) => Promise<unknown>;

/** A short step: called through ProcedureRun.call, which reads `runsLocally` (see ProcedureRun.enter). */
export type ShortStep<F extends ActivityFn> = F & {
  executeWithOptions(options: { summary?: string }, args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  /** A local activity (since COMPACT_STEPS_PATCH), or an ordinary one (workflows started before it). */
  readonly runsLocally: boolean;
};

/**
 * The short host steps: local activities since COMPACT_STEPS_PATCH, ordinary ones in workflows started
 * before it. Every other host step stays an ordinary activity (hostActivities says why).
 */
function localSteps(timing: Timing) {
  const runsLocally = compactSteps();
  const proxies = runsLocally
    ? proxyLocalActivities<HostActivities>(localStepOptions(timing))
    : proxyActivities<HostActivities>(stepOptions(timing));
  // The SDK's proxies make a new function on every property read: each is read once here and marked.
  const step = <K extends keyof HostActivities>(name: K) =>
    Object.assign(proxies[name], { runsLocally }) as unknown as ShortStep<HostActivities[K]>;
  return {
    readBootMarker: step('readBootMarker'),
    listMstDevices: step('listMstDevices'),
    setModuleOption: step('setModuleOption'),
    restoreModuleOptions: step('restoreModuleOptions'),
    setMlxconfig: step('setMlxconfig'),
    setQuickBoot: step('setQuickBoot'),
    setMaintenanceMode: step('setMaintenanceMode'),
    exitMaintenance: step('exitMaintenance'),
    readPeerMaintenance: step('readPeerMaintenance'),
  };
}

/** A procedure's host activities, by how each runs (see the groups). */
export function hostActivities(timing: Timing) {
  const steps = proxyActivities<HostActivities>(stepOptions(timing));
  const installs = proxyActivities<HostActivities>(installOptions(timing));
  const waits = proxyActivities<HostActivities>(awaitOptions(timing));
  const reboots = proxyActivities<HostActivities>(rebootOptions(timing));
  const rebootAndWait = proxyActivities<HostActivities>(rebootAndAwaitOptions(timing));
  return {
    /** Short idempotent steps, run as local activities (since COMPACT_STEPS_PATCH). */
    local: localSteps(timing),
    /**
     * Ordinary activities: the reads a procedure decides from must be in history before anything acts on
     * them, so a worker crash never lets a re-run read hide what the interrupted run had already changed
     * (the VM list the shutdown policy restores from, too); the module reload is a one-off whose
     * interruption needs care; powering VMs on heartbeats.
     */
    steps: {
      readHostFacts: steps.readHostFacts,
      readCards: steps.readCards,
      reloadNmlx5Module: steps.reloadNmlx5Module,
      listVms: steps.listVms,
      startVms: steps.startVms,
    },
    /** The reboot and the wait for the host: long, heartbeating, and never run twice by accident. */
    reboot: {
      /** Since COMPACT_STEPS_PATCH: the reboot and the wait in one activity. */
      rebootAndAwaitReturn: rebootAndWait.rebootAndAwaitReturn,
      /** Before COMPACT_STEPS_PATCH: the reboot, then the wait, as two activities. */
      rebootIfStill: reboots.rebootIfStill,
      awaitHostReturn: waits.awaitHostReturn,
    },
    /** An MFT/NMST install takes minutes on a real host (it heartbeats), with a timeout of its own. */
    install: { installMftTools: installs.installMftTools },
  };
}

export type HostActs = ReturnType<typeof hostActivities>;

/**
 * Entering maintenance mode (over SSH or through vCenter): an attempt may wait as long as the entry's own
 * timeout, so the attempts together are bounded by about three such waits. Within that, an attempt lost
 * in seconds (a dropped connection, a worker that died: the attempt times out on its heartbeat) is retried
 * like any step's: the entry is the host's, and a retry joins it. A count of 3 attempts was used up by
 * such losses alone under the chaos test (test/durability/chaos.test.ts) and failed a healthy host.
 */
export function maintenanceEntryOptions(base: ActivityOptions, attemptMs: number): ActivityOptions {
  return {
    ...base,
    startToCloseTimeout: attemptMs,
    scheduleToCloseTimeout: 3 * attemptMs + 60_000,
  };
}

/**
 * The VM policy's long steps, ordinary activities with timeouts of their own: the guest shutdowns and
 * maintenance-mode entry (-t), both heartbeating.
 */
export function workloadActivities(timing: Timing, o: WorkloadOptions) {
  const base = stepOptions(timing);
  const margin = timing.connectTimeoutMs + 4 * timing.commandTimeoutMs;
  const stop = proxyActivities<HostActivities>({
    ...base,
    startToCloseTimeout: o.guestShutdownTimeoutMs + margin,
  });
  const enter = proxyActivities<HostActivities>(
    maintenanceEntryOptions(base, maintenanceTimeoutSeconds(o) * 1000 + margin),
  );
  return { stopVms: stop.stopVms, enterMaintenance: enter.enterMaintenance };
}

// Every host activity is in a group: a new one does not compile until it is placed in one.
type Grouped =
  | keyof HostActs['local']
  | keyof HostActs['steps']
  | keyof HostActs['reboot']
  | keyof HostActs['install']
  | keyof ReturnType<typeof workloadActivities>;
const everyHostActivityGrouped: Record<Exclude<keyof HostActivities, Grouped>, never> = {};
void everyHostActivityGrouped;

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
