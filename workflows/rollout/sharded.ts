import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  upsertSearchAttributes,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { HostProgress, RolloutInput } from '../../common/rollout';
import {
  rolloutShardWorkflowId,
  SHARDS_READY_DEADLINE_MS,
  shardSlice,
  type ShardedInventory,
  type ShardNews,
  type ShardReady,
} from '../../common/rollout-shards';
import { IbPhase } from '../../common/search-attributes';
import { classify, invalidInput } from '../host/failures';
import { activeHosts } from './progress';
import { shardCloseSignal, shardStartSignal, shardStopHostsSignal, shardStopSignal } from './shard-messages';
import type { HostStarter } from './starter';
import type { Rollout } from './state';

/** Since this patch a cancel while the rollout waits for its shards ends the wait (before: it waited out the deadline). */
export const SHARDS_WAIT_CANCELLABLE_PATCH = 'ibfleet-shards-wait-cancellable';

/** The rollout of a sharded rollout waits for its signals in flight to continue as new (workflow.ts `settlesToContinue`). */
export const SHARDED_SETTLES_TO_CONTINUE_PATCH = 'ibfleet-sharded-settles-to-continue';

/**
 * A rollout whose hosts are started by its shard workflows (more than MAX_INLINE_TARGETS targets).
 * The client starts the shards after the rollout, each with its slice of the targets; each reports
 * ready (credentials checked, each host's cluster). The rollout keeps one compact entry per host
 * (Rollout's ledger), tells each shard which hosts to start, and hears back which started and how
 * each ended (shardNews): no target passes through its input or its history.
 */
export class ShardedHosts implements HostStarter {
  readonly shards: number;
  private readonly inventory: ShardedInventory;
  private readonly ready = new Map<number, ShardReady>();
  private readonly refused: string[] = [];
  private inTransit = 0;

  constructor(
    private readonly input: RolloutInput,
    private readonly rollout: Rollout,
    /** A later run (after continue-as-new): every shard reported ready. */
    private allReady: boolean,
  ) {
    if (!input.inventory) throw ApplicationFailure.nonRetryable('internal: not a sharded rollout');
    this.inventory = input.inventory;
    this.shards = input.inventory.shards;
  }

  /** A shard checked its credentials: its hosts' clusters go into the ledger. */
  shardReady(r: ShardReady): void {
    const shard = r?.shard;
    if (
      this.allReady ||
      !Number.isInteger(shard) ||
      shard < 0 ||
      shard >= this.shards ||
      this.ready.has(shard)
    )
      return;
    const { offset, count } = shardSlice(this.inventory, shard);
    if (r.offset !== offset || !Array.isArray(r.clusters) || r.clusters.length !== count) {
      this.refused.push(
        `shard ${shard} (${rolloutShardWorkflowId(this.input.rolloutId, shard)}) holds targets #${r.offset} to ` +
          `#${r.offset + (r.clusters?.length ?? 0) - 1}, not the ${count} from #${offset} this rollout expects`,
      );
    } else
      this.rollout.ledger.setClusters(
        offset,
        r.clusters,
        Array.isArray(r.vsanClusters) ? r.vsanClusters.filter((c) => r.clusters.includes(c)) : [],
      );
    this.ready.set(shard, r);
    this.rollout.touch();
  }

  /** Waits for every shard to report ready; refuses (no host touched) if one is missing or a credential cannot work. */
  async prepare(): Promise<void> {
    try {
      // An operator's cancel ends the wait for shards (a start cut short leaves some missing): nothing started.
      const cancellable = patched(SHARDS_WAIT_CANCELLABLE_PATCH);
      const cancelled = () => cancellable && this.rollout.stopStarting();
      const allIn = await condition(
        () => this.ready.size === this.shards || cancelled(),
        SHARDS_READY_DEADLINE_MS,
      );
      if (cancelled()) return;
      if (!allIn)
        throw invalidInput(
          `the rollout gave up waiting for its shards: ${this.ready.size} of ${this.shards} reported ready within ` +
            `${SHARDS_READY_DEADLINE_MS / 60_000} minutes (the client starts them after the rollout); no host was touched`,
        );
      if (this.refused.length > 0)
        throw invalidInput(
          `shards that do not fit this rollout; no host was touched: ${this.refused.join('; ')}`,
        );
      const problems = [...this.ready.values()].flatMap((r) => r.credentialProblems ?? []);
      if (problems.length > 0) {
        upsertSearchAttributes([{ key: IbPhase, value: 'failed' }]);
        throw invalidInput(
          `credentials that cannot work on the worker; no host was touched: ${problems.slice(0, 50).join('; ')}`,
        );
      }
      this.allReady = true;
    } catch (err) {
      await CancellationScope.nonCancellable(() => this.close(`not started: ${classify(err).message}`));
      throw err;
    }
  }

  shardNews(n: ShardNews): void {
    this.rollout.hostsStarted(n.started);
    for (const e of n.ended) this.rollout.hostEnded(e);
  }

  orderSlowestFirst(): Promise<void> {
    const byIndex: Record<number, number> = {};
    let unknown = 0;
    const errors: string[] = [];
    for (const r of this.ready.values()) {
      Object.assign(byIndex, r.rebootDurationsMs ?? {});
      unknown += r.unknownDurations ?? 0;
      if (r.durationsError) errors.push(`shard ${r.shard}: ${r.durationsError}`);
    }
    if (errors.length === this.shards) this.rollout.keepInventoryOrder(errors[0]);
    else this.rollout.orderSlowestFirst(byIndex, unknown);
    return Promise.resolve();
  }

  // --- hosts ---------------------------------------------------------------------------------

  start(indices: readonly number[]): void {
    for (const [shard, ids] of this.byShard(indices))
      this.send(shard, shardStartSignal, ids, (why) => {
        // The shard is gone (terminated from outside): these hosts never started.
        const finishedAt = new Date().toISOString();
        for (const index of ids)
          this.rollout.hostEnded({
            index,
            name: `#${index}`,
            phase: 'needs-attention',
            reason: `not started: its shard workflow ${rolloutShardWorkflowId(this.input.rolloutId, shard)} could not be reached (${why})`,
            finishedAt,
          });
      });
  }

  stop(indices: readonly number[], reason: string): void {
    for (const shard of this.byShard(indices).keys()) this.send(shard, shardStopSignal, reason);
  }

  stopUntilLater(indices: readonly number[], reason: string): void {
    for (const [shard, ids] of this.byShard(indices))
      this.send(shard, shardStopHostsSignal, { indices: ids, reason });
  }

  hostFinished(): void {
    // Hosts report to their parent: a shard, which tells the rollout (shardNews).
  }

  settled(): boolean {
    return this.inTransit === 0;
  }

  async settle(): Promise<void> {
    await condition(() => this.settled());
  }

  listHosts(): { hosts: HostProgress[]; listed: 'active' } {
    return { hosts: activeHosts(this.rollout), listed: 'active' };
  }

  /** Every shard that reported closes: hosts never started are skipped with `skipReason`. */
  async close(skipReason: string): Promise<void> {
    for (let shard = 0; shard < this.shards; shard++)
      if (this.allReady || this.ready.has(shard)) this.send(shard, shardCloseSignal, skipReason);
    await this.settle();
  }

  /** The problems the rollout lists itself; each host's detail is in its shard's result. */
  reportHosts(): HostProgress[] {
    return activeHosts(this.rollout).filter((h) => h.phase !== 'running' && h.phase !== 'succeeded');
  }

  carried(): undefined {
    return undefined;
  }

  private byShard(indices: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const i of indices) {
      const shard = Math.floor(i / this.inventory.perShard);
      out.set(shard, [...(out.get(shard) ?? []), i]);
    }
    return out;
  }

  private send<T>(
    shard: number,
    signal: SignalDefinition<[T]>,
    arg: T,
    onFailure?: (why: string) => void,
  ): void {
    this.inTransit += 1;
    getExternalWorkflowHandle(rolloutShardWorkflowId(this.input.rolloutId, shard))
      .signal(signal, arg)
      .catch((err: unknown) => {
        const why = classify(err).message;
        log.warn('could not reach a shard of the rollout', { shard, signal: signal.name, error: why });
        onFailure?.(why);
      })
      .finally(() => {
        this.inTransit -= 1;
        this.rollout.touch();
      });
  }
}
