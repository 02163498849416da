import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { LeaseActivities } from '../activities/lease';
import { holderId, type AcquireResult, type LeaseHolder, type LeaseSettings } from '../common/lease';
import { rolloutWorkflowId, targetWorkflowId, type TargetRef } from '../common/targets';

// What a rollout calls to hold the fleet-wide limit (common/lease.ts): acquire a slot of the host's
// cluster before starting the host, release it when the host ended. Both are idempotent activities
// retried until they get through; a release is never cancelled with the rollout.

const { acquireClusterLease, releaseClusterLease } = proxyActivities<LeaseActivities>({
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['LeaseRefused', 'InvalidInput'],
  },
  summary: 'fleet-wide limit',
});

/** The holder of `target`'s slot in rollout `rolloutId`. */
export function leaseHolderFor(rolloutId: string, target: TargetRef): LeaseHolder {
  return {
    rolloutId,
    rolloutWorkflowId: rolloutWorkflowId(rolloutId),
    host: target.name,
    hostWorkflowId: targetWorkflowId(target),
  };
}

/**
 * Takes a slot of `cluster` for `holder`, or queues for one: then the lease signals `leaseGranted`
 * (workflows/lease-messages.ts) to holder.rolloutWorkflowId later. Calling again is safe (it answers
 * where the holder is), e.g. after continue-as-new.
 */
export function acquireLease(
  cluster: string,
  holder: LeaseHolder,
  limit: number,
  settings?: Partial<LeaseSettings>,
): Promise<AcquireResult> {
  return acquireClusterLease({ cluster, request: { holder, limit }, ...(settings ? { settings } : {}) });
}

/** Gives the slot back (or stops waiting); runs to the end even when the caller is being cancelled. */
export async function releaseLease(cluster: string, holder: LeaseHolder): Promise<void> {
  await CancellationScope.nonCancellable(() => releaseClusterLease({ cluster, holderId: holderId(holder) }));
}
