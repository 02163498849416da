// How the rollout's sliding window would schedule targets, for --dry-run: a first-fit simulation
// assuming every target takes the same time, so targets start in waves. The canaries (the first N
// targets) run alone first; the rest starts after approval.

export interface ScheduleTarget {
  name: string;
  /** The per-cluster grouping (targetCluster()). */
  cluster: string;
}

export interface ScheduleLimits {
  maxParallel: number;
  /** 0 = unlimited. */
  perCluster: number;
  canary: number;
}

export interface Schedule {
  canaryWaves: ScheduleTarget[][];
  waves: ScheduleTarget[][];
}

/** Waves of a window of `maxParallel` with at most `perCluster` per cluster, taking targets first-fit in order. */
export function firstFitWaves(
  targets: readonly ScheduleTarget[],
  maxParallel: number,
  perCluster: number,
): ScheduleTarget[][] {
  const pending = [...targets];
  const waves: ScheduleTarget[][] = [];
  while (pending.length > 0) {
    const wave: ScheduleTarget[] = [];
    const perClusterCount = new Map<string, number>();
    for (let i = 0; i < pending.length && wave.length < maxParallel;) {
      const t = pending[i];
      const n = perClusterCount.get(t.cluster) ?? 0;
      if (perCluster === 0 || n < perCluster) {
        wave.push(t);
        perClusterCount.set(t.cluster, n + 1);
        pending.splice(i, 1);
      } else i++;
    }
    waves.push(wave);
  }
  return waves;
}

export function simulateSchedule(targets: readonly ScheduleTarget[], limits: ScheduleLimits): Schedule {
  const canaries = targets.slice(0, limits.canary);
  const rest = targets.slice(limits.canary);
  return {
    canaryWaves: firstFitWaves(canaries, limits.maxParallel, limits.perCluster),
    waves: firstFitWaves(rest, limits.maxParallel, limits.perCluster),
  };
}
