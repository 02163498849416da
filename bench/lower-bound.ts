// The best possible makespan of a scenario, from each host's intrinsic work and the rollout's limits.
// Pure functions: the benchmark feeds them the per-host boot times and command latencies the
// simulator recorded, and compares measured makespans against the result.

/** The least a controller must spend on one host, whatever the tool. */
export interface HostWork {
  name: string;
  cluster: string;
  workMs: number;
}

export interface Limits {
  maxParallel: number;
  /** Hosts of one cluster at once; 0 = unlimited. */
  perCluster: number;
}

/**
 * Dependent command round trips of one recovery cycle that no controller can avoid: read options, set
 * mst_recovery=1, maintenance on, reboot, one boot-marker read proving the return, verify mst status,
 * restore options, reboot, one marker read, verify, maintenance off. (A marker read before each reboot
 * is not counted: it can share a round trip with the command before it.)
 */
export const RECOVERY_CYCLE_COMMAND_ROUNDS = 11;

/**
 * Per procedure: its dependent command round trips and reboots on a host the benchmark prepared for it.
 * sriov-enable: read state, write mlxconfig, set max_vfs, maintenance on, reboot, marker read, verify,
 * maintenance off. converge on hidden cards: the recovery cycle's 11 plus the mlxconfig writes in the
 * recovery boot (max_vfs goes with the restore of the options). preflight: every read in one round.
 */
export const PROCEDURE_WORK: Record<string, { commandRounds: number; reboots: number }> = {
  'recovery-cycle': { commandRounds: RECOVERY_CYCLE_COMMAND_ROUNDS, reboots: 2 },
  'sriov-enable': { commandRounds: 8, reboots: 1 },
  converge: { commandRounds: RECOVERY_CYCLE_COMMAND_ROUNDS + 1, reboots: 2 },
  preflight: { commandRounds: 1, reboots: 0 },
};

/**
 * Commands at the host's latency, plus for each reboot the shutdown delay and the time it was down,
 * plus (VMs to stop) the longest guest shutdown of the host's running VMs — they can all shut down at
 * once, and maintenance mode cannot be entered before the last is off — and one more round trip to
 * power them on again after maintenance mode.
 */
export function hostWorkMs(o: {
  commandLatencyMs: number;
  downMs: number[];
  shutdownDelayMs: number;
  commandRounds?: number;
  vmShutdownMs?: number;
}): number {
  const vms = o.vmShutdownMs ?? 0;
  const rounds = (o.commandRounds ?? RECOVERY_CYCLE_COMMAND_ROUNDS) + (vms > 0 ? 1 : 0);
  return rounds * o.commandLatencyMs + vms + o.downMs.reduce((sum, d) => sum + o.shutdownDelayMs + d, 0);
}

export interface Bound {
  /** max of the terms below: no schedule can be shorter. */
  lowerBoundMs: number;
  binding: 'longest-host' | 'total-over-parallel' | 'two-largest-sharing' | 'cluster';
  longestHostMs: number;
  /** Total work over the hosts that can run at once (min of maxParallel and the per-cluster capacity). */
  totalOverParallelMs: number;
  /** With more hosts than slots, two of the slots+1 longest hosts share a slot. */
  twoLargestSharingMs: number;
  /** Largest per-cluster bound (its work over its own limit, or its longest host); 0 without a per-cluster limit. */
  clusterMs: number;
  effectiveParallelism: number;
  /** Zero-overhead run of the rollout's own policy: hosts in inventory order, each started as soon as a slot frees. */
  inOrderScheduleMs: number;
  /** Zero-overhead run of longest-first order: an achievable schedule, so the optimum lies in [lowerBound, min(inOrder, lpt)]. */
  lptScheduleMs: number;
}

function sortedDesc(values: number[]): number[] {
  return [...values].sort((a, b) => b - a);
}

/** Max of the classic P||Cmax bounds, extended to per-cluster limits. */
export function lowerBound(hosts: readonly HostWork[], limits: Limits): Bound {
  const byCluster = new Map<string, number[]>();
  for (const h of hosts) byCluster.set(h.cluster, [...(byCluster.get(h.cluster) ?? []), h.workMs]);
  const capacity =
    limits.perCluster > 0
      ? [...byCluster.values()].reduce((sum, ws) => sum + Math.min(limits.perCluster, ws.length), 0)
      : hosts.length;
  const slots = Math.max(1, Math.min(limits.maxParallel, capacity));
  const all = sortedDesc(hosts.map((h) => h.workMs));
  const total = all.reduce((a, b) => a + b, 0);

  const longestHostMs = all[0] ?? 0;
  const totalOverParallelMs = total / slots;
  const twoLargestSharingMs = all.length > slots ? all[slots - 1] + all[slots] : 0;
  let clusterMs = 0;
  if (limits.perCluster > 0) {
    const c = Math.min(limits.perCluster, limits.maxParallel);
    for (const ws of byCluster.values()) {
      const s = sortedDesc(ws);
      const sum = s.reduce((a, b) => a + b, 0);
      const pair = s.length > c ? s[c - 1] + s[c] : 0;
      clusterMs = Math.max(clusterMs, sum / c, pair, s[0] ?? 0);
    }
  }
  const terms: [Bound['binding'], number][] = [
    ['longest-host', longestHostMs],
    ['total-over-parallel', totalOverParallelMs],
    ['two-largest-sharing', twoLargestSharingMs],
    ['cluster', clusterMs],
  ];
  const [binding, lowerBoundMs] = terms.reduce((best, t) => (t[1] > best[1] ? t : best));
  return {
    lowerBoundMs,
    binding,
    longestHostMs,
    totalOverParallelMs,
    twoLargestSharingMs,
    clusterMs,
    effectiveParallelism: slots,
    inOrderScheduleMs: listSchedule(hosts, limits),
    lptScheduleMs: listSchedule(
      [...hosts].sort((a, b) => b.workMs - a.workMs),
      limits,
    ),
  };
}

/**
 * Makespan of the rollout window with zero overhead: whenever hosts finish, start the pending hosts in
 * the given order that fit the global and per-cluster limits (as rolloutWorkflow's startEligible does).
 */
export function listSchedule(hosts: readonly HostWork[], limits: Limits): number {
  const pending = [...hosts];
  const running: { end: number; cluster: string }[] = [];
  let now = 0;
  let makespan = 0;
  while (pending.length > 0 || running.length > 0) {
    const perCluster = new Map<string, number>();
    for (const r of running) perCluster.set(r.cluster, (perCluster.get(r.cluster) ?? 0) + 1);
    for (let i = 0; i < pending.length && running.length < limits.maxParallel;) {
      const h = pending[i];
      const inCluster = perCluster.get(h.cluster) ?? 0;
      if (limits.perCluster > 0 && inCluster >= limits.perCluster) {
        i++;
        continue;
      }
      perCluster.set(h.cluster, inCluster + 1);
      running.push({ end: now + h.workMs, cluster: h.cluster });
      makespan = Math.max(makespan, now + h.workMs);
      pending.splice(i, 1);
    }
    if (running.length === 0) break; // nothing can ever start (cannot happen with limits >= 1)
    now = Math.min(...running.map((r) => r.end));
    for (let i = running.length - 1; i >= 0; i--) if (running[i].end <= now) running.splice(i, 1);
  }
  return makespan;
}
