import type { RolloutOptions } from '../../common/rollout';
import type { StartAllowance } from '../../common/rollout-ops';

// "May a host start now?" — every rule in one list, evaluated in order by Rollout.hostsToStart().
// A rule either holds every host back (with the reason the rollout shows), or judges one host at a
// time against the hosts already in flight and those admitted earlier in the same pass. A new kind of
// gate (a maintenance window, a health check, a ramp, a fleet-wide lease) is one more entry here.

/** What the rules see of the rollout (read-only). */
export interface StartView {
  readonly options: RolloutOptions;
  readonly approved: boolean;
  readonly paused: boolean;
  /** Why the rollout paused itself (a health gate), when it did. */
  readonly pausedFor?: string;
  readonly cancelReason?: string;
  readonly budgetExceeded: boolean;
  /** Every canary host has ended. */
  readonly canaryDone: boolean;
  /** The procedure takes hosts out (it reboots): vSAN clusters then allow one host at a time. */
  readonly vsanLimited: boolean;
  /** The maintenance windows and the ramp now (startAllowance). */
  readonly allowance: StartAllowance;
  /** Health gates (--gate) are set; the last check passed for this pass of starts; why they hold. */
  readonly gates: boolean;
  readonly gateOpen: boolean;
  readonly gateWaitReason?: string;
}

/** Hosts in flight, counting those admitted so far in this pass. */
export interface StartPass {
  inFlight: number;
  readonly inFlightByCluster: Map<string, number>;
}

/** What a rule needs to know about a host that waits to start. */
export interface StartCandidate {
  readonly cluster: string;
  readonly canary?: boolean;
  /** The host's cluster runs vSAN. */
  readonly vsan?: boolean;
}

/** `start`: this host may start; `wait`: this one waits, others may not; `full`: no host starts in this pass. */
export type Admission = 'start' | 'wait' | 'full';

export interface StartRule {
  readonly name: string;
  /** Why no host may start now; undefined when this rule lets hosts start. */
  holdsAll?(view: StartView): string | undefined;
  admits?(host: StartCandidate, view: StartView, pass: StartPass): Admission;
}

/** Cancelled, or the failure budget is spent: nothing new starts, ever. */
export const stopped: StartRule = {
  name: 'stopped',
  holdsAll: (v) =>
    v.cancelReason !== undefined
      ? `cancelling (${v.cancelReason})`
      : v.budgetExceeded
        ? 'the failure budget is exceeded'
        : undefined,
};

export const paused: StartRule = {
  name: 'paused',
  holdsAll: (v) => (v.paused ? (v.pausedFor ?? 'paused by the operator') : undefined),
};

/** Before approval only the canaries start; once they have all ended, nothing starts until approval. */
export const canaryGate: StartRule = {
  name: 'canary',
  holdsAll: (v) => (!v.approved && v.canaryDone ? 'the canary is done: waiting for approval' : undefined),
  admits: (h, v) => (v.approved || h.canary ? 'start' : 'wait'),
};

/** Outside every maintenance window (--window) no host starts; the reason says when the next opens. */
export const maintenanceWindow: StartRule = {
  name: 'maintenance-window',
  holdsAll: (v) => v.allowance.hold?.reason,
};

/** Health gates (--gate): hosts start only after a passing check (the workflow checks when gatesDue). */
export const healthGate: StartRule = {
  name: 'health-gate',
  holdsAll: (v) => (v.gates && !v.gateOpen ? (v.gateWaitReason ?? 'checking the health gates') : undefined),
};

/** The sliding window: a host starts as soon as one of the rollout's maxParallel slots frees. */
export const slidingWindow: StartRule = {
  name: 'window',
  admits: (_h, v, pass) => (pass.inFlight >= v.options.maxParallel ? 'full' : 'start'),
};

/** The ramp (--ramp): after the canary, the window grows step by step as hosts succeed. */
export const ramp: StartRule = {
  name: 'ramp',
  admits: (_h, v, pass) => (pass.inFlight >= v.allowance.width ? 'full' : 'start'),
};

/** At most perCluster hosts of one cluster in flight (0: unlimited). */
export const perClusterPermits: StartRule = {
  name: 'per-cluster',
  admits: (h, v, pass) =>
    v.options.perCluster > 0 && (pass.inFlightByCluster.get(h.cluster) ?? 0) >= v.options.perCluster
      ? 'wait'
      : 'start',
};

/** A vSAN cluster has one host out at a time whatever --per-cluster says (issue #13). */
export const vsanOnePerCluster: StartRule = {
  name: 'vsan',
  admits: (h, v, pass) =>
    v.vsanLimited && h.vsan && (pass.inFlightByCluster.get(h.cluster) ?? 0) >= 1 ? 'wait' : 'start',
};

export const startRules: readonly StartRule[] = [
  stopped,
  paused,
  canaryGate,
  maintenanceWindow,
  healthGate,
  slidingWindow,
  ramp,
  perClusterPermits,
  vsanOnePerCluster,
];

/** The first rule holding every host back, with its reason. */
export function heldBy(
  view: StartView,
  rules: readonly StartRule[] = startRules,
): { rule: string; reason: string } | undefined {
  for (const rule of rules) {
    const reason = rule.holdsAll?.(view);
    if (reason !== undefined) return { rule: rule.name, reason };
  }
  return undefined;
}

/**
 * The candidates that may start now, in the order given (the start order), counting each admitted
 * host into the pass so that later ones see it.
 */
export function admitted<H extends StartCandidate>(
  candidates: Iterable<H>,
  view: StartView,
  pass: StartPass,
  rules: readonly StartRule[] = startRules,
): H[] {
  const out: H[] = [];
  for (const h of candidates) {
    let verdict: Admission = 'start';
    for (const rule of rules) {
      verdict = rule.admits?.(h, view, pass) ?? 'start';
      if (verdict !== 'start') break;
    }
    if (verdict === 'full') break;
    if (verdict === 'wait') continue;
    out.push(h);
    pass.inFlight += 1;
    pass.inFlightByCluster.set(h.cluster, (pass.inFlightByCluster.get(h.cluster) ?? 0) + 1);
  }
  return out;
}
