import type { HostProgress, ProgressRequest } from '../../common/rollout';
import type { LeaseGrant } from '../../common/lease';
import type { HostFinished } from '../messages';

// Who starts a rollout's hosts: the rollout itself (DirectHosts, up to MAX_INLINE_TARGETS targets in
// its input) or its shard workflows (ShardedHosts). The rules (Rollout) decide which hosts start and
// when; a starter only carries that out and reports back (Rollout.hostsStarted / hostEnded).

export interface HostStarter {
  /** First run, before any host starts: the credentials (and, sharded, the targets) are in and usable. */
  prepare(): Promise<void>;
  /** --order slowest-first (first run): the hosts' last reboot durations, into Rollout.orderSlowestFirst. */
  orderSlowestFirst(): Promise<void>;
  start(indices: readonly number[]): void;
  /** Ask hosts in flight to stop at their next safe point (before changing anything) or finish. */
  stop(indices: readonly number[], reason: string): void;
  /** The same for a maintenance window that closed (--window-end stop): these hosts may start again later. */
  stopUntilLater(indices: readonly number[], reason: string): void;
  /** A host workflow (a child of this run) reports its end. */
  hostFinished(f: HostFinished): void;
  /** A fleet-wide lease granted a slot this starter waits for (a sharded rollout's shards hold theirs). */
  leaseGranted?(g: LeaseGrant): void;
  /** Nothing in transit (every start acknowledged, every message delivered): continue-as-new may go. */
  settled(): boolean;
  /** Waits until settled(). */
  settle(): Promise<void>;
  /** The hosts the progress lists. */
  listHosts(request?: ProgressRequest): { hosts: HostProgress[]; listed: 'all' | 'active' };
  /** The rollout ends: hosts never started are skipped with `skipReason`. */
  close(skipReason: string): Promise<void>;
  /** The hosts the report lists (every one, or a sharded rollout's problems: its shards hold the rest). */
  reportHosts(): HostProgress[];
  /** What this starter carries across continue-as-new. */
  carried(): HostProgress[] | undefined;
  readonly shards?: number;
}
