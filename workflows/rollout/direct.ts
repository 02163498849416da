import { condition } from '@temporalio/workflow';
import type { HostProgress, ProgressRequest, RolloutInput } from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import type { LeaseGrant } from '../../common/lease';
import { leaseLimits } from '../../common/rollout-ops';
import { MAX_INLINE_TARGETS } from '../../common/rollout-shards';
import { vsanHostsByCluster, vsanLimitApplies } from '../../common/rollout-vsan';
import { refuseUnusableCredentials } from '../credential-check';
import type { HostFinished } from '../messages';
import { awaitHostResults, launchHost, stopHosts, type HostLaunch } from './hosts';
import { ClusterLeases } from './leases';
import { readRebootDurations } from './order';
import { activeHosts } from './progress';
import { ShardHosts } from './shard-hosts';
import type { HostStarter } from './starter';
import type { Rollout } from './state';

/** A rollout that starts its hosts itself: its input carries every target (up to MAX_INLINE_TARGETS). */
export class DirectHosts implements HostStarter {
  private readonly hosts: ShardHosts;
  private readonly launch: HostLaunch;

  constructor(
    private readonly input: RolloutInput,
    private readonly rollout: Rollout,
    carried?: HostProgress[],
  ) {
    this.hosts = new ShardHosts(
      0,
      input.targets,
      carried ?? ShardHosts.initial(0, input.targets, input.options.canary),
    );
    this.launch = {
      rolloutId: input.rolloutId,
      procedure: input.procedure,
      params: input.params,
      hostOptions: input.options.host,
      openChildren: 0,
      ...(vsanLimitApplies(input.procedure) ? { vsanHosts: vsanHostsByCluster(input.targets) } : {}),
    };
    const limits = leaseLimits(input.options.ops, input.options.perCluster, input.targets);
    if (Object.keys(limits).length > 0)
      this.launch.leases = new ClusterLeases(
        input.rolloutId,
        rolloutWorkflowId(input.rolloutId),
        limits,
        () => rollout.touch(),
      );
  }

  async prepare(): Promise<void> {
    await refuseUnusableCredentials(this.input.targets);
  }

  async orderSlowestFirst(): Promise<void> {
    const read = await readRebootDurations(this.input.targets, this.input.options.host.timing);
    if (!read) return;
    if ('error' in read) return this.rollout.keepInventoryOrder(read.error);
    this.hosts.setRebootDurations(read.durationsMs);
    const byIndex: Record<number, number> = {};
    for (const [name, ms] of Object.entries(read.durationsMs)) {
      const i = this.hosts.indexOf(name);
      if (i !== undefined) byIndex[i] = ms;
    }
    this.rollout.orderSlowestFirst(byIndex, read.unknown);
  }

  start(indices: readonly number[]): void {
    for (const i of indices) {
      const started = this.hosts.markStarted(i, this.rollout.state.running[i]?.startedAt ?? '');
      this.rollout.hostsStarted([started]);
      launchHost(this.launch, this.hosts.target(i), this.hosts.host(i), {
        started: (runId) => {
          this.hosts.acknowledged(i, runId);
          this.rollout.touch();
        },
        finished: (f) => this.hostFinished(f),
      });
    }
  }

  stop(indices: readonly number[], reason: string): void {
    const targets = indices.map((i) => this.hosts.target(i));
    for (const t of targets) this.launch.leases?.abandon(t, `not started: ${reason}`);
    stopHosts(targets, reason);
  }

  stopUntilLater(indices: readonly number[], reason: string): void {
    this.stop(indices, reason);
  }

  hostFinished(f: HostFinished): void {
    const ended = this.hosts.recordEnd(f);
    if (!ended) return;
    this.launch.leases?.release(this.hosts.target(ended.index));
    this.rollout.hostEnded(ended);
  }

  leaseGranted(g: LeaseGrant): void {
    this.launch.leases?.grant(g);
  }

  settled(): boolean {
    return this.hosts.allAcknowledged() && (this.launch.leases?.settled() ?? true);
  }

  async settle(): Promise<void> {
    await condition(() => this.settled());
  }

  listHosts(request?: ProgressRequest): { hosts: HostProgress[]; listed: 'all' | 'active' } {
    for (const [name, waiting] of this.launch.leases?.waiting ?? []) {
      const i = this.hosts.indexOf(name);
      if (i !== undefined) this.hosts.host(i).step = waiting;
    }
    const all = (request?.hosts ?? 'all') === 'all' && this.hosts.hosts.length <= MAX_INLINE_TARGETS;
    return all
      ? { hosts: this.hosts.hosts, listed: 'all' }
      : { hosts: activeHosts(this.rollout), listed: 'active' };
  }

  async close(skipReason: string): Promise<void> {
    this.hosts.skipPending(skipReason);
    const leases = this.launch.leases;
    if (leases) await condition(() => leases.settled());
    await awaitHostResults(this.launch);
  }

  reportHosts(): HostProgress[] {
    return this.hosts.hosts;
  }

  carried(): HostProgress[] {
    return this.hosts.hosts;
  }
}
