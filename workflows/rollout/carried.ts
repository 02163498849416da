import type { HostProgress, RolloutEvent, RolloutInput, RolloutOptions } from '../../common/rollout';
import type { GateState } from '../../common/gates';
import type { EndedHost } from '../../common/rollout-shards';
import { isProblem, isTerminal } from './budget';
import { HostLedger, type CarriedLedger } from './ledger';

// What a rollout carries across continue-as-new, as it starts, and as earlier code carried it.

/** Failed, needs-attention and cancelled hosts listed with their reason; more are only counted. */
export const MAX_LISTED_PROBLEMS = 500;
/** Hosts that ended lately, kept for the live view. */
export const RECENT_ENDS = 100;

/** What a rollout carries across continue-as-new (the input itself is passed again unchanged). */
export interface RolloutCarried {
  startedAtMs: number;
  approved: boolean;
  paused: boolean;
  cancelReason?: string;
  events: RolloutEvent[];
  continueAsNewCount: number;
  /** Hosts that ended after running, and their total time, for the ETA. */
  finished: { count: number; totalMs: number };
  ledger: CarriedLedger;
  /** Hosts in flight, by index: the name (once its starter said) and the start. */
  running: Record<number, { name?: string; startedAt: string }>;
  /** The first MAX_LISTED_PROBLEMS hosts that failed, need attention or were cancelled, with why. */
  problems: EndedHost[];
  problemsOmitted: number;
  /** The hosts that ended last, oldest first. */
  recent: EndedHost[];
  /** Hosts wait for a maintenance window to open (--window): its opening is in the events once. */
  windowWaiting?: boolean;
  /** The canary-awaiting-approval notification was queued (--notify). */
  canaryNotified?: boolean;
  /** Health gates (--gate): the controller's state, carried so failing time counts across runs. */
  gate?: GateState;
  /** The last check passed and no host started since: the next pass of starts may go. */
  gateOpen?: boolean;
  /** Why hosts wait for the gates (the last failing check), and when they are checked again. */
  gateWaitReason?: string;
  gateRecheckAtMs?: number;
  /** The rollout paused itself: a gate failed longer than --gate-timeout. */
  gatePaused?: boolean;
  /** Hosts asked to stop when their maintenance window closed (--window-end stop), by index. */
  windowStopped?: number[];
}

/**
 * A rollout that has not started a host yet: `hosts` pending, with their clusters once known (and the
 * clusters that run vSAN).
 */
export function initialRolloutCarried(
  options: RolloutOptions,
  hosts: number | readonly string[],
  startedBy: string,
  now: Date,
  vsanClusters: readonly string[] = [],
): RolloutCarried {
  return {
    startedAtMs: now.getTime(),
    approved: options.canary === 0,
    paused: false,
    events: [{ at: now.toISOString(), action: 'started', reason: startedBy }],
    continueAsNewCount: 0,
    finished: { count: 0, totalMs: 0 },
    ledger:
      typeof hosts === 'number'
        ? HostLedger.sized(hosts, options.canary)
        : HostLedger.of(hosts, options.canary, vsanClusters),
    running: {},
    problems: [],
    problemsOmitted: 0,
    recent: [],
  };
}

/** What rollouts carried across continue-as-new before the rollout kept a compact ledger (still read). */
export interface LegacyCarried {
  startedAtMs: number;
  hosts: HostProgress[];
  approved: boolean;
  paused: boolean;
  cancelReason?: string;
  events: RolloutEvent[];
  continueAsNewCount: number;
  finishedDurationsMs: number[];
}

/** A rollout that continued-as-new from the earlier code goes on from the same state. */
export function fromLegacyCarried(
  old: LegacyCarried,
  input: RolloutInput,
): { rollout: RolloutCarried; hosts: HostProgress[] } {
  const index = new Map(input.targets.map((t, i) => [t.name, i]));
  const byIndex: HostProgress[] = [];
  for (const h of old.hosts) {
    const i = index.get(h.name);
    if (i !== undefined) byIndex[i] = h;
  }
  const ledger = new HostLedger(
    HostLedger.of(
      byIndex.map((h) => h.cluster),
      input.options.canary,
    ),
  );
  const running: RolloutCarried['running'] = {};
  const problems: EndedHost[] = [];
  byIndex.forEach((h, i) => {
    ledger.set(i, h.phase);
    if (h.phase === 'running') running[i] = { name: h.name, startedAt: h.startedAt ?? '' };
    if (isTerminal(h.phase) && (isProblem(h.phase) || h.phase === 'cancelled'))
      problems.push({
        index: i,
        name: h.name,
        phase: h.phase as EndedHost['phase'],
        ...(h.reason ? { reason: h.reason } : {}),
        finishedAt: h.finishedAt ?? '',
      });
  });
  ledger.reorder(old.hosts.map((h) => index.get(h.name) ?? 0));
  return {
    rollout: {
      startedAtMs: old.startedAtMs,
      approved: old.approved,
      paused: old.paused,
      ...(old.cancelReason !== undefined ? { cancelReason: old.cancelReason } : {}),
      events: old.events,
      continueAsNewCount: old.continueAsNewCount,
      finished: {
        count: old.finishedDurationsMs.length,
        totalMs: old.finishedDurationsMs.reduce((a, b) => a + b, 0),
      },
      ledger: ledger.toCarried(),
      running,
      problems,
      problemsOmitted: 0,
      recent: [],
    },
    hosts: byIndex,
  };
}
