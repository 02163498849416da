import { condition, log } from '@temporalio/workflow';
import { holderId, type LeaseGrant, type LeaseHolder } from '../../common/lease';
import { targetCluster, targetWorkflowId, type TargetRef } from '../../common/targets';
import { classify } from '../host/failures';
import { acquireLease, releaseLease } from '../lease-holder';

// The fleet-wide limit (--fleet-wide, or the inventory's maxUnavailable; common/lease.ts) as a starter
// of hosts (the rollout itself, or one of its shards) keeps it: a slot of the host's cluster lease is
// acquired before the host's workflow starts (waiting, in request order, for the lease's leaseGranted
// signal), and released when the host ended or will not start. The starter's own workflow is the
// holder the lease signals and watches; the host workflow keeps the slot alive if the starter dies.

export type LeaseOutcome =
  { held: true } | { held: false; outcome: 'cancelled' | 'needs-attention'; reason: string };

export class ClusterLeases {
  private readonly granted = new Set<string>();
  private readonly abandoned = new Map<string, string>();
  /** Hosts waiting for a slot, by name: the cluster and the place in the lease's queue. */
  readonly waiting = new Map<string, string>();
  private releasing = 0;

  constructor(
    private readonly rolloutId: string,
    /** The workflow the lease signals: the rollout, or the shard that starts the hosts. */
    private readonly holderWorkflowId: string,
    private readonly limits: Readonly<Record<string, number>>,
    /** Wakes the starter's loop (a release finished: it may end or continue as new). */
    private readonly changed: () => void,
  ) {}

  /** The lease's leaseGranted signal. */
  grant(g: LeaseGrant): void {
    this.granted.add(g.holderId);
  }

  /** Takes a slot of the target's cluster (waiting for it); a host that will not start is told why. */
  async acquire(target: TargetRef): Promise<LeaseOutcome> {
    const cluster = targetCluster(target);
    const limit = this.limits[cluster];
    if (limit === undefined) return { held: true };
    const holder = this.holder(target);
    const id = holderId(holder);
    try {
      const first = await acquireLease(cluster, holder, limit);
      if (!first.granted) {
        this.waiting.set(
          target.name,
          `waiting for the fleet-wide limit of ${cluster} (${limit}): #${first.position} in line`,
        );
        await condition(() => this.granted.has(id) || this.abandoned.has(target.name));
      }
    } catch (err) {
      return {
        held: false,
        outcome: 'needs-attention',
        reason: `not started: the fleet-wide lease of ${cluster} failed (${classify(err).message})`,
      };
    } finally {
      this.waiting.delete(target.name);
    }
    const why = this.abandoned.get(target.name);
    if (why !== undefined) {
      this.release(target);
      return { held: false, outcome: 'cancelled', reason: why };
    }
    return { held: true };
  }

  /** A host waiting for its slot will not start (the rollout stops): `reason` is why. */
  abandon(target: TargetRef, reason: string): void {
    if (this.waiting.has(target.name)) this.abandoned.set(target.name, reason);
  }

  /** Gives the host's slot back (idempotent; runs even when the workflow is being cancelled). */
  release(target: TargetRef): void {
    const cluster = targetCluster(target);
    if (this.limits[cluster] === undefined) return;
    this.releasing += 1;
    releaseLease(cluster, this.holder(target))
      .catch((err: unknown) =>
        // Refused (the lease's input): the liveness check frees the slot once the host ended.
        log.warn('could not release a fleet-wide lease slot', {
          cluster,
          host: target.name,
          error: classify(err).message,
        }),
      )
      .finally(() => {
        this.releasing -= 1;
        this.changed();
      });
  }

  /** No release on its way (before continue-as-new or the end). */
  settled(): boolean {
    return this.releasing === 0;
  }

  private holder(target: TargetRef): LeaseHolder {
    return {
      rolloutId: this.rolloutId,
      rolloutWorkflowId: this.holderWorkflowId,
      host: target.name,
      hostWorkflowId: targetWorkflowId(target),
    };
  }
}
