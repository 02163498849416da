import type { ProcedureName } from '../../common/procedures';
import { rampWidth, type Ramp } from '../../common/ramp';
import { isVsanHost, vsanLimitApplies } from '../../common/rollout-vsan';
import { targetCluster, type TargetRef } from '../../common/targets';

// How the rollout's sliding window would schedule targets, for --dry-run: a first-fit simulation
// assuming every target takes the same time, so targets start in waves. The canaries (the first N
// targets) run alone first; the rest starts after approval, growing by the ramp's steps if one is set.
// The limits are the rollout's (workflows/rollout/start-rules.ts): the window, per cluster, and one
// host at a time of a vSAN cluster.

export interface ScheduleTarget {
  name: string;
  /** The per-cluster grouping (targetCluster()). */
  cluster: string;
  /** One host of its cluster at a time (a vSAN cluster, for a procedure that reboots). */
  vsan?: boolean;
}

export interface ScheduleLimits {
  maxParallel: number;
  /** 0 = unlimited. */
  perCluster: number;
  canary: number;
  /** After the canary: the window's widths step by step (options.ops.ramp). */
  ramp?: Ramp;
}

export interface Schedule {
  canaryWaves: ScheduleTarget[][];
  waves: ScheduleTarget[][];
}

/** The rollout's targets as the schedule sees them. */
export function scheduleTargets(procedure: ProcedureName, targets: readonly TargetRef[]): ScheduleTarget[] {
  const vsanLimited = vsanLimitApplies(procedure);
  return targets.map((t) => ({
    name: t.name,
    cluster: targetCluster(t),
    ...(vsanLimited && isVsanHost(t) ? { vsan: true } : {}),
  }));
}

/**
 * Waves of a window of `maxParallel` (or, given `widthAfter`, of the width after as many targets as the
 * waves before held) with at most `perCluster` per cluster (one of a vSAN cluster), first-fit in order.
 */
export function firstFitWaves(
  targets: readonly ScheduleTarget[],
  maxParallel: number,
  perCluster: number,
  widthAfter: (done: number) => number = () => maxParallel,
): ScheduleTarget[][] {
  const pending = [...targets];
  const waves: ScheduleTarget[][] = [];
  let done = 0;
  while (pending.length > 0) {
    const width = widthAfter(done);
    const wave: ScheduleTarget[] = [];
    const perClusterCount = new Map<string, number>();
    for (let i = 0; i < pending.length && wave.length < width;) {
      const t = pending[i];
      const n = perClusterCount.get(t.cluster) ?? 0;
      const limit = t.vsan ? 1 : perCluster;
      if (limit === 0 || n < limit) {
        wave.push(t);
        perClusterCount.set(t.cluster, n + 1);
        pending.splice(i, 1);
      } else i++;
    }
    waves.push(wave);
    done += wave.length;
  }
  return waves;
}

export function simulateSchedule(targets: readonly ScheduleTarget[], limits: ScheduleLimits): Schedule {
  const canaries = targets.slice(0, limits.canary);
  const rest = targets.slice(limits.canary);
  return {
    canaryWaves: firstFitWaves(canaries, limits.maxParallel, limits.perCluster),
    waves: firstFitWaves(rest, limits.maxParallel, limits.perCluster, (done) =>
      rampWidth(limits.ramp, done, limits.maxParallel),
    ),
  };
}
