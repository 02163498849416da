import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AcquireRequest, AcquireResult, LeaseGrant, LeaseState } from '../common/lease';

// Messages of the per-cluster lease workflow (workflows/lease.ts). Activities send the updates (with
// update-with-start for acquire); the lease signals a waiting rollout when its slot is granted.

/** Take a slot now, or queue for one (then `leaseGranted` arrives later). Idempotent per holder. */
export const acquireUpdate = defineUpdate<AcquireResult, [AcquireRequest]>('acquire');
/** Give a slot back (or stop waiting for one). Idempotent: releasing what is not held is a no-op. */
export const releaseUpdate = defineUpdate<{ released: boolean }, [holderId: string]>('release');
export const leaseStateQuery = defineQuery<LeaseState>('leaseState');
/** Sent by the lease to the rollout workflow (by ID, so it reaches its current run) of a granted waiter. */
export const leaseGrantedSignal = defineSignal<[LeaseGrant]>('leaseGranted');
