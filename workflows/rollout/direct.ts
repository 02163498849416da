import { condition } from '@temporalio/workflow';
import type { HostProgress, ProgressRequest, RolloutInput } from '../../common/rollout';
import { MAX_INLINE_TARGETS } from '../../common/rollout-shards';
import { refuseUnusableCredentials } from '../credential-check';
import type { HostFinished } from '../messages';
import { launchHost, stopHosts, type HostLaunch } from './hosts';
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
    };
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
    stopHosts(
      indices.map((i) => this.hosts.target(i)),
      reason,
    );
  }

  hostFinished(f: HostFinished): void {
    const ended = this.hosts.recordEnd(f);
    if (ended) this.rollout.hostEnded(ended);
  }

  settled(): boolean {
    return this.hosts.allAcknowledged();
  }

  async settle(): Promise<void> {
    await condition(() => this.settled());
  }

  listHosts(request?: ProgressRequest): { hosts: HostProgress[]; listed: 'all' | 'active' } {
    const all = (request?.hosts ?? 'all') === 'all' && this.hosts.hosts.length <= MAX_INLINE_TARGETS;
    return all
      ? { hosts: this.hosts.hosts, listed: 'all' }
      : { hosts: activeHosts(this.rollout), listed: 'active' };
  }

  close(skipReason: string): Promise<void> {
    this.hosts.skipPending(skipReason);
    return Promise.resolve();
  }

  reportHosts(): HostProgress[] {
    return this.hosts.hosts;
  }

  carried(): HostProgress[] {
    return this.hosts.hosts;
  }
}
