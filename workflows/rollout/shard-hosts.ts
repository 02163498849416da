import type { HostProgress } from '../../common/rollout';
import { hostEndDetail, type EndedHost, type StartedHost } from '../../common/rollout-shards';
import { targetCluster, type TargetRef } from '../../common/targets';
import type { HostFinished } from '../messages';
import { isTerminal } from './budget';

// The hosts one starter holds — a rollout that starts its hosts itself, or one shard of a large
// rollout: their targets, and each host's detail (run, times, reboots, reason) for the report and the
// audit trail. Plain code: the workflow starts the host workflows and feeds their ends in here.

export class ShardHosts {
  private readonly byName = new Map<string, number>();

  /** Every host pending; those with a rollout index below `canaries` are canaries. */
  static initial(offset: number, targets: readonly TargetRef[], canaries: number): HostProgress[] {
    return targets.map((t, i) => ({
      name: t.name,
      cluster: targetCluster(t),
      phase: 'pending',
      ...(offset + i < canaries ? { canary: true } : {}),
    }));
  }

  constructor(
    /** The rollout index of the first host. */
    readonly offset: number,
    readonly targets: readonly TargetRef[],
    /** In target order, carried across continue-as-new. */
    readonly hosts: HostProgress[],
  ) {
    hosts.forEach((h, i) => this.byName.set(h.name, offset + i));
  }

  has(index: number): boolean {
    return index >= this.offset && index < this.offset + this.hosts.length;
  }

  host(index: number): HostProgress {
    return this.hosts[index - this.offset];
  }

  target(index: number): TargetRef {
    return this.targets[index - this.offset];
  }

  indexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** The host is being started now; what the rollout learns of it. */
  markStarted(index: number, at: string): StartedHost {
    const h = this.host(index);
    // A host stopped when a maintenance window closed starts again: nothing of its last run stays.
    for (const key of [
      'runId',
      'finishedAt',
      'reason',
      'failureType',
      'stoppedInStep',
      'leftMidCycle',
    ] as const)
      delete h[key];
    h.phase = 'running';
    h.startedAt = at;
    return { index, name: h.name, startedAt: at };
  }

  /** The host's workflow started: its run ID (continue-as-new waits until every host in flight has one). */
  acknowledged(index: number, runId: string): void {
    this.host(index).runId = runId;
  }

  running(): number[] {
    const out: number[] = [];
    this.hosts.forEach((h, i) => {
      if (h.phase === 'running') out.push(this.offset + i);
    });
    return out;
  }

  /** Every host in flight has its run ID. */
  allAcknowledged(): boolean {
    return this.hosts.every((h) => h.phase !== 'running' || h.runId);
  }

  /**
   * Records how a host ended and returns it for the rollout; undefined when it had ended already (its
   * end arrives twice: its signal, and its result when this run started it) or comes from another run.
   */
  recordEnd(f: HostFinished): EndedHost | undefined {
    const index = this.byName.get(f.name);
    if (index === undefined) return undefined;
    const h = this.host(index);
    if (isTerminal(h.phase) || (h.runId && f.runId && h.runId !== f.runId)) return undefined;
    const detail = hostEndDetail(f);
    Object.assign(h, detail);
    h.phase = f.outcome;
    h.runId = f.runId || h.runId;
    h.finishedAt = f.finishedAt;
    h.reboots = f.reboots;
    return {
      index,
      name: h.name,
      phase: f.outcome,
      ...detail,
      ...(h.startedAt ? { startedAt: h.startedAt } : {}),
      finishedAt: f.finishedAt,
    };
  }

  /** Each host's last reboot duration (--order slowest-first), by name. */
  setRebootDurations(durationsMs: Readonly<Record<string, number>>): void {
    for (const h of this.hosts) {
      const ms = durationsMs[h.name];
      if (ms !== undefined) h.lastRebootMs = ms;
    }
  }

  /** Hosts never started are listed as skipped, with why. */
  skipPending(reason: string): void {
    for (const h of this.hosts) {
      if (h.phase !== 'pending') continue;
      h.phase = 'skipped';
      h.reason = reason;
    }
  }
}
