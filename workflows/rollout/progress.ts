import type { HostProgress, RolloutProgress } from '../../common/rollout';
import type { EndedHost } from '../../common/rollout-shards';
import type { Rollout } from './state';

// What the progress query, the Temporal UI and the report show of a rollout: counts and budget over
// every host, and a list of hosts — every one when the caller has them (a rollout that starts its
// hosts itself), else the active ones from the rollout's own notes (bounded, whatever the size).

/** The rollout's progress with `hosts` as the list of hosts. */
export function rolloutProgress(
  rollout: Rollout,
  hosts: HostProgress[],
  listed: 'all' | 'active',
  shards?: number,
): RolloutProgress {
  const { state, ledger, config } = rollout;
  const counts = { ...ledger.counts };
  let etaMs: number | undefined;
  if (state.finished.count > 0 && !rollout.closed) {
    const mean = state.finished.totalMs / state.finished.count;
    const width = Math.max(1, Math.min(config.options.maxParallel, counts.pending + counts.running));
    etaMs = Math.round(((counts.pending + counts.running / 2) * mean) / width);
  }
  const waitingFor = rollout.heldBy();
  const operations = rollout.ops.lines();
  return {
    rolloutId: config.rolloutId,
    procedure: config.procedure,
    phase: rollout.phase(),
    counts,
    total: ledger.total,
    hosts,
    startedAt: new Date(state.startedAtMs).toISOString(),
    elapsedMs: rollout.now().getTime() - state.startedAtMs,
    ...(etaMs !== undefined ? { etaMs } : {}),
    continueAsNewCount: state.continueAsNewCount,
    budget: {
      allowed: rollout.allowedFailures,
      used: rollout.failuresUsed(),
      exceeded: rollout.budgetExceeded(),
    },
    ...(listed === 'active' ? { hostsListed: 'active' as const } : {}),
    ...(waitingFor !== undefined ? { waitingFor } : {}),
    ...(operations.length > 0 ? { operations } : {}),
    ...(shards !== undefined ? { shards } : {}),
  };
}

function fromEnd(rollout: Rollout, e: EndedHost): HostProgress {
  return {
    name: e.name,
    cluster: rollout.ledger.cluster(e.index),
    phase: e.phase,
    ...(rollout.ledger.isCanary(e.index) ? { canary: true } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.failureType ? { failureType: e.failureType } : {}),
    ...(e.stoppedInStep ? { stoppedInStep: e.stoppedInStep } : {}),
    ...(e.leftMidCycle ? { leftMidCycle: true } : {}),
    ...(e.startedAt ? { startedAt: e.startedAt } : {}),
    finishedAt: e.finishedAt,
  };
}

/** The hosts in flight, those that ended lately, and the listed problems: each once, bounded. */
export function activeHosts(rollout: Rollout): HostProgress[] {
  const { state, ledger } = rollout;
  const out: HostProgress[] = [];
  for (const i of rollout.running()) {
    const note = state.running[i];
    out.push({
      name: note?.name ?? `#${i}`,
      cluster: ledger.cluster(i),
      phase: 'running',
      ...(ledger.isCanary(i) ? { canary: true } : {}),
      ...(note ? { startedAt: note.startedAt } : {}),
    });
  }
  const seen = new Set<number>();
  for (const e of [...state.problems, ...state.recent]) {
    if (seen.has(e.index)) continue;
    seen.add(e.index);
    out.push(fromEnd(rollout, e));
  }
  return out;
}
