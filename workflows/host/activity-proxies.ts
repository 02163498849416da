import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
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
function stepOptions(timing: Timing): ActivityOptions {
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

export function hostActivities(timing: Timing) {
  const steps = proxyActivities<HostActivities>(stepOptions(timing));
  const waits = proxyActivities<HostActivities>(awaitOptions(timing));
  const reboots = proxyActivities<HostActivities>(rebootOptions(timing));
  // Activity proxies are Proxies (spreading them copies nothing): route the two long steps explicitly.
  return new Proxy(steps, {
    get: (target, name, receiver): unknown =>
      name === 'awaitHostReturn'
        ? waits.awaitHostReturn
        : name === 'rebootIfStill'
          ? reboots.rebootIfStill
          : (Reflect.get(target, name, receiver) as unknown),
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
