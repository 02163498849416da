import type {
  HostPhase,
  RolloutEvent,
  RolloutOptions,
  RolloutPhase,
  RolloutProgress,
} from '../../common/rollout';
import { slowestFirst } from '../../common/rollout';
import type { EndedHost, StartedHost } from '../../common/rollout-shards';
import type { ProcedureName } from '../../common/procedures';
import { vsanLimitApplies } from '../../common/rollout-vsan';
import { allowedFailures, isTerminal } from './budget';
import { initialRolloutCarried, MAX_LISTED_PROBLEMS, RECENT_ENDS, type RolloutCarried } from './carried';
import { HostLedger } from './ledger';
import { RolloutOperations } from './operations';
import { activeHosts, rolloutProgress } from './progress';
import { admitted, healthGate, heldBy, startRules, type StartRule, type StartView } from './start-rules';

// The rollout's state and its rules, apart from Temporal: what the workflow carries across
// continue-as-new, what each message does to it, which hosts may start, and what it shows. Plain code
// (no workflow APIs; the clock is given), unit-tested without a server (test/rollout/state.test.ts).
// Hosts are known by index (their place in the inventory); the workflow (workflow.ts) wires this to
// the messages, to the hosts (started by the rollout itself or by its shards) and to continue-as-new.

export { MAX_LISTED_PROBLEMS, RECENT_ENDS, type RolloutCarried } from './carried';

/** What the rules and the progress need of the rollout's input. */
export interface RolloutConfig {
  rolloutId: string;
  procedure: ProcedureName;
  options: RolloutOptions;
}

export class Rollout {
  readonly allowedFailures: number;
  readonly ledger: HostLedger;
  /** Bumped by every change the main loop must react to (it waits for the next one). */
  changes = 0;
  private closedAs?: RolloutPhase;
  /** Windows, ramp, gates and notifications (--window, --ramp, --gate, --notify). */
  readonly ops: RolloutOperations;

  /** What a rollout that has not started a host yet carries (carried.ts). */
  static initialCarried = initialRolloutCarried;

  constructor(
    readonly config: RolloutConfig,
    readonly state: RolloutCarried,
    readonly now: () => Date,
    private readonly rules: readonly StartRule[] = startRules,
  ) {
    this.ledger = new HostLedger(state.ledger);
    this.ops = new RolloutOperations(this);
    this.allowedFailures = allowedFailures(config.options.maxFailures, this.ledger.total);
  }

  // --- reading ---------------------------------------------------------------------------------

  get closed(): boolean {
    return this.closedAs !== undefined;
  }

  count(phase: HostPhase): number {
    return this.ledger.counts[phase];
  }

  failuresUsed(): number {
    return this.count('failed') + this.count('needs-attention');
  }

  budgetExceeded(): boolean {
    return this.failuresUsed() > this.allowedFailures;
  }

  /** Hosts in flight (indices), in start order. */
  running(): number[] {
    return this.ledger.runningHosts();
  }

  /** Every host has ended. */
  finished(): boolean {
    return this.count('pending') === 0 && this.count('running') === 0;
  }

  /** No new host will ever start (cancelled, or the failure budget is spent). */
  stopStarting(): boolean {
    return this.state.cancelReason !== undefined || this.budgetExceeded();
  }

  /** Nothing more will happen: every host ended, or none runs and none may start again. */
  done(): boolean {
    return this.finished() || (this.count('running') === 0 && this.stopStarting());
  }

  /** The rollout's side of a safe continue-as-new: not stopping (the hosts' side is the starter's). */
  canContinueAsNew(): boolean {
    return this.state.cancelReason === undefined && !this.budgetExceeded();
  }

  phase(): RolloutPhase {
    if (this.closedAs) return this.closedAs;
    const s = this.state;
    if (s.cancelReason !== undefined) return 'cancelling';
    if (s.paused) return 'paused';
    if (!s.approved && this.ledger.canaryDone() && !this.config.options.autoApprove && !this.budgetExceeded())
      return 'awaiting-approval';
    return 'running';
  }

  /** Why no host may start now (undefined: hosts start as slots free). */
  heldBy(): string | undefined {
    return this.closed ? undefined : heldBy(this.view(), this.rules)?.reason;
  }

  // --- operator messages (each refusal says why the message is refused) -------------------------

  approveRefusal(): string | undefined {
    if (this.closed || this.state.cancelReason !== undefined)
      return `the rollout is ${this.phase()}: nothing to approve`;
    return this.state.approved ? 'the rollout is already approved' : undefined;
  }

  approve(reason: string): RolloutPhase {
    this.state.approved = true;
    this.note('approved', reason);
    return this.changed();
  }

  pauseRefusal(): string | undefined {
    if (this.closed || this.state.cancelReason !== undefined)
      return `the rollout is ${this.phase()}: it cannot be paused`;
    return this.state.paused ? 'the rollout is already paused' : undefined;
  }

  pause(reason: string): RolloutPhase {
    this.state.paused = true;
    this.note('paused', reason);
    return this.changed();
  }

  resumeRefusal(): string | undefined {
    return this.state.paused ? undefined : `the rollout is not paused (it is ${this.phase()})`;
  }

  resume(reason: string): RolloutPhase {
    this.state.paused = false;
    this.ops.gatesReset();
    this.note('resumed', reason);
    return this.changed();
  }

  cancelRefusal(): string | undefined {
    return this.endedRefusal();
  }

  /** Every operator message is refused once the rollout has closed (it is only finishing its last work). */
  endedRefusal(): string | undefined {
    return this.closed ? `the rollout already ended (${this.phase()})` : undefined;
  }

  /**
   * Start no new host. Returns the hosts in flight, which the caller asks to stop at their next safe
   * point (before changing anything) or to finish their procedure; empty when already cancelling.
   */
  requestCancel(reason: string): number[] {
    if (this.state.cancelReason !== undefined) return [];
    this.state.cancelReason = reason;
    this.note('cancel-requested', reason);
    this.changed();
    return this.running();
  }

  // --- hosts -----------------------------------------------------------------------------------

  /** The hosts that may start now, in start order, marked running. Approves itself after the canary with autoApprove. */
  hostsToStart(): number[] {
    this.ops.noteWindow();
    this.approveAfterCanary();
    if (heldBy(this.view(), this.rules)) return [];
    const starting = this.admittedNow(this.rules);
    const startedAt = this.now().toISOString();
    for (const i of starting) {
      this.ledger.set(i, 'running');
      this.state.running[i] = { startedAt };
    }
    // A gate check lets one pass of starts through: the next start is checked again.
    if (starting.length > 0) this.ops.gatesUsed();
    return starting;
  }

  /** With autoApprove, the rollout approves itself once the canary is done. */
  private approveAfterCanary(): void {
    if (!this.config.options.autoApprove || heldBy(this.view(), this.rules)?.rule !== 'canary') return;
    this.state.approved = true;
    this.note('auto-approved', 'canary finished');
  }

  /** The pending hosts `rules` admit now, in start order (nothing is marked). */
  private admittedNow(rules: readonly StartRule[]): number[] {
    const ledger = this.ledger;
    const inFlightByCluster = new Map<string, number>();
    for (const i of this.running()) {
      const c = ledger.cluster(i);
      inFlightByCluster.set(c, (inFlightByCluster.get(c) ?? 0) + 1);
    }
    const candidates = (function* () {
      for (const index of ledger.pending())
        yield {
          index,
          cluster: ledger.cluster(index),
          canary: ledger.isCanary(index),
          vsan: ledger.isVsan(index),
        };
    })();
    const pass = { inFlight: ledger.runningCount(), inFlightByCluster };
    return admitted(candidates, this.view(), pass, rules).map((c) => c.index);
  }

  /** Hosts would start now if the health gate did not hold them (the gates are to be checked). */
  wouldStartButForGates(): boolean {
    this.approveAfterCanary();
    const others = this.rules.filter((r) => r.name !== healthGate.name);
    return heldBy(this.view(), others) === undefined && this.admittedNow(others).length > 0;
  }

  /** The names of hosts that started (their starter knows the names; the rollout keeps them while they run). */
  hostsStarted(started: readonly StartedHost[]): void {
    for (const s of started) {
      const note = this.state.running[s.index];
      if (note) note.name = s.name;
    }
  }

  /** Records how a host ended; false when it had ended already (a host's end may arrive twice). */
  hostEnded(end: EndedHost): boolean {
    const s = this.state;
    if (end.index < 0 || end.index >= this.ledger.total || isTerminal(this.ledger.phaseOf(end.index)))
      return false;
    if (this.ops.backToPending(end)) {
      // Stopped when its maintenance window closed: it starts again in the next one.
      this.ledger.set(end.index, 'pending');
      delete s.running[end.index];
      this.changed();
      return true;
    }
    const startedAt = end.startedAt ?? s.running[end.index]?.startedAt;
    this.ledger.set(end.index, end.phase);
    delete s.running[end.index];
    if (startedAt) {
      s.finished.count += 1;
      s.finished.totalMs += Date.parse(end.finishedAt) - Date.parse(startedAt);
    }
    if (end.phase !== 'succeeded') {
      if (s.problems.length < MAX_LISTED_PROBLEMS) s.problems.push(end);
      else s.problemsOmitted += 1;
    }
    s.recent.push(end);
    if (s.recent.length > RECENT_ENDS) s.recent.splice(0, s.recent.length - RECENT_ENDS);
    const budgetJustExceeded = this.budgetExceeded() && !s.events.some((e) => e.action === 'budget-exceeded');
    if (budgetJustExceeded)
      this.note(
        'budget-exceeded',
        `${this.failuresUsed()} host(s) failed or need attention; ${this.allowedFailures} allowed`,
      );
    this.ops.hostEnded(end, budgetJustExceeded);
    this.changed();
    return true;
  }

  /** --order slowest-first: the pending hosts reordered by each host's last reboot duration (ms, by index). */
  orderSlowestFirst(durationsMs: Readonly<Record<number, number>>, unknown: number): void {
    const hosts = Array.from({ length: this.ledger.total }, (_, index) => ({
      index,
      canary: this.ledger.isCanary(index),
      lastRebootMs: durationsMs[index],
    }));
    this.ledger.reorder(slowestFirst(hosts).map((h) => h.index));
    const known = Object.keys(durationsMs).length;
    this.note('ordered', `slowest first: ${known} host(s) with a reboot on record, ${unknown} without`);
  }

  keepInventoryOrder(why: string): void {
    this.note('ordered', `inventory order: could not read reboot durations (${why})`);
  }

  continuedAsNew(historyLength: number): RolloutCarried {
    this.note('continued-as-new', `history ${historyLength} events`);
    this.state.continueAsNewCount += 1;
    return { ...this.state, ledger: this.ledger.toCarried() };
  }

  /** Why hosts never started were not (they are listed as skipped with it). */
  skipReason(): string {
    return this.state.cancelReason !== undefined
      ? `not started: rollout cancelled (${this.state.cancelReason})`
      : `not started: failure budget exceeded (${this.failuresUsed()} > ${this.allowedFailures})`;
  }

  /** The end: hosts never started are skipped (nothing is skipped silently); the final phase. */
  close(): RolloutPhase {
    this.ledger.skipPending();
    this.closedAs =
      this.state.cancelReason !== undefined
        ? 'cancelled'
        : this.count('succeeded') === this.ledger.total
          ? 'succeeded'
          : 'failed';
    this.ops.closed();
    return this.closedAs;
  }

  view(): StartView {
    const s = this.state;
    return {
      options: this.config.options,
      approved: s.approved,
      paused: s.paused,
      cancelReason: s.cancelReason,
      budgetExceeded: this.budgetExceeded(),
      canaryDone: this.ledger.canaryDone(),
      vsanLimited: vsanLimitApplies(this.config.procedure),
      ...this.ops.view(),
    };
  }

  /** Something the main loop waits for happened outside the rollout's state (e.g. a host's run ID arrived). */
  touch(): void {
    this.changes += 1;
  }

  /** The progress from the rollout's own notes (the active hosts). */
  progress(): RolloutProgress {
    return rolloutProgress(this, activeHosts(this), 'active');
  }

  /** Records an event for the audit trail. */
  note(action: RolloutEvent['action'], reason?: string): void {
    this.state.events.push({ at: this.now().toISOString(), action, ...(reason ? { reason } : {}) });
  }

  private changed(): RolloutPhase {
    this.changes += 1;
    return this.phase();
  }
}
