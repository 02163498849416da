import { defineSignal } from '@temporalio/workflow';
import type { ShardNews, ShardReady } from '../../common/rollout-shards';

// Between a large rollout and its shard workflows (rollout-shards.ts). Signals both ways: each side
// reaches the other's current run by workflow ID, whatever continue-as-new did.

/** Rollout → shard: start these hosts (rollout indices) now. */
export const shardStartSignal = defineSignal<[indices: number[]]>('shardStart');
/** Rollout → shard: ask the hosts in flight to stop at their next safe point (cancel). */
export const shardStopSignal = defineSignal<[reason: string]>('shardStop');
/** Rollout → shard: ask these hosts (rollout indices) to stop at their next safe point; they may start again later (--window-end stop). */
export const shardStopHostsSignal = defineSignal<[{ indices: number[]; reason: string }]>('shardStopHosts');
/** Rollout → shard: the rollout ends; hosts never started are skipped for this reason. */
export const shardCloseSignal = defineSignal<[skipReason: string]>('shardClose');

/** Shard → rollout: credentials checked (and reboot durations read); may the hosts start. */
export const shardReadySignal = defineSignal<[ShardReady]>('shardReady');
/** Shard → rollout: hosts that started and hosts that ended. */
export const shardNewsSignal = defineSignal<[ShardNews]>('shardNews');
