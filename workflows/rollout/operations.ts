import { decideAfterCheck, gateTimingSchema, resetGateState, type GateCheck } from '../../common/gates';
import {
  budgetExceededEvent,
  canaryAwaitingApprovalEvent,
  gatePausedEvent,
  hostNeedsAttentionEvent,
  rolloutClosedEvent,
  type NotifyEventInput,
} from '../../common/notify';
import type { HostPhase, RolloutEvent, RolloutPhase, RolloutProgress } from '../../common/rollout';
import { startAllowance, type StartAllowance } from '../../common/rollout-ops';
import type { EndedHost } from '../../common/rollout-shards';
import type { RolloutCarried } from './carried';
import type { HostLedger } from './ledger';
import type { StartView } from './start-rules';
import type { RolloutConfig } from './state';

// The rollout's side of the operations features (issue #16; common/rollout-ops.ts), as plain state
// like the Rollout they belong to: maintenance windows (the wait, its events, the stop at a window's
// end), the ramp, health gates (when to check, what a check decides) and the notifications queued for
// the workflow to send. The start rules (start-rules.ts) read them through the rollout's view.

/** What the operations need of their rollout. */
export interface OperationsOwner {
  readonly config: RolloutConfig;
  readonly state: RolloutCarried;
  readonly now: () => Date;
  readonly ledger: HostLedger;
  readonly closed: boolean;
  count(phase: HostPhase): number;
  running(): number[];
  stopStarting(): boolean;
  phase(): RolloutPhase;
  note(action: RolloutEvent['action'], reason?: string): void;
  progress(): RolloutProgress;
  /** Hosts would start now if the health gate did not hold them. */
  wouldStartButForGates(): boolean;
}

export class RolloutOperations {
  /** Notifications (--notify) not yet taken by the workflow. */
  private outbox: NotifyEventInput[] = [];

  constructor(private readonly rollout: OperationsOwner) {}

  private get ops() {
    return this.rollout.config.options.ops;
  }

  /** The test clock's offset (ops.testClockOffsetMs): windows are judged at now + it. */
  private get offsetMs(): number {
    return this.ops?.testClockOffsetMs ?? 0;
  }

  /** The maintenance windows and the ramp now (common/rollout-ops.ts). */
  allowance(): StartAllowance {
    const r = this.rollout;
    return startAllowance(this.ops, {
      nowMs: r.now().getTime() + this.offsetMs,
      maxParallel: r.config.options.maxParallel,
      succeededSinceCanary: r.count('succeeded') - r.ledger.canariesSucceeded(),
      afterCanary: r.state.approved,
    });
  }

  /** What the start rules see of the operations. */
  view(): Pick<StartView, 'allowance' | 'gates' | 'gateOpen' | 'gateWaitReason' | 'pausedFor'> {
    const s = this.rollout.state;
    return {
      allowance: this.allowance(),
      gates: this.ops?.gates !== undefined,
      gateOpen: s.gateOpen === true,
      ...(s.gateWaitReason !== undefined ? { gateWaitReason: s.gateWaitReason } : {}),
      ...(s.paused && s.gatePaused ? { pausedFor: `paused: ${s.gateWaitReason ?? 'health gate'}` } : {}),
    };
  }

  /** Lines for the live view: the window, the ramp, the gates. */
  lines(): string[] {
    if (this.rollout.closed) return [];
    const gates = this.ops?.gates;
    const gateLine = gates
      ? [this.rollout.state.gateWaitReason ?? `${gates.length} health gate(s), checked before each start`]
      : [];
    return [...this.allowance().notes, ...gateLine];
  }

  /**
   * When the main loop must look again though no message came (workflow time): a window opens while
   * hosts wait for it, a window closes on hosts that are to stop then, failing gates are re-checked.
   */
  wakeAtMs(): number | undefined {
    const r = this.rollout;
    if (r.closed || r.stopStarting() || !this.ops) return undefined;
    const a = this.allowance();
    const times: number[] = [];
    if (r.count('pending') > 0 && a.hold?.untilMs !== undefined) times.push(a.hold.untilMs - this.offsetMs);
    if (this.ops.windowEnd === 'stop' && r.count('running') > 0 && a.closesAtMs !== undefined)
      times.push(a.closesAtMs - this.offsetMs);
    if (r.count('pending') > 0 && r.state.gateRecheckAtMs !== undefined) times.push(r.state.gateRecheckAtMs);
    // Only times ahead: one already past (e.g. a re-check while the window is full) waits for a change.
    const ahead = times.filter((t) => t > r.now().getTime());
    return ahead.length > 0 ? Math.min(...ahead) : undefined;
  }

  // --- maintenance windows ------------------------------------------------------------------------

  /** The events say once when hosts begin to wait for a maintenance window, and when it opens. */
  noteWindow(): void {
    const r = this.rollout;
    if (!this.ops?.windows || r.count('pending') === 0) return;
    const { hold, notes } = this.allowance();
    const waiting = hold !== undefined;
    if (waiting === (r.state.windowWaiting ?? false)) return;
    r.state.windowWaiting = waiting;
    r.note(waiting ? 'window-wait' : 'window-open', hold?.reason ?? notes[0]);
  }

  /**
   * --window-end stop: once the window closed, the hosts in flight to ask to stop at their next safe
   * point (each once); they go back to pending when they stopped (hostEndedAfterWindow).
   */
  windowClosedStops(): number[] {
    const r = this.rollout;
    if (this.ops?.windowEnd !== 'stop' || !this.ops.windows || r.closed || r.stopStarting()) return [];
    if (!this.allowance().hold) return [];
    const asked = new Set(r.state.windowStopped ?? []);
    const stop = r.running().filter((i) => !asked.has(i));
    if (stop.length === 0) return [];
    r.state.windowStopped = [...asked, ...stop];
    r.note(
      'window-closed',
      `${stop.length} host(s) in flight asked to stop at their next safe point (--window-end stop); they start again in the next window`,
    );
    return stop;
  }

  /** A host asked to stop when its window closed that stopped: true when it goes back to pending. */
  backToPending(end: EndedHost): boolean {
    const s = this.rollout.state;
    if (!s.windowStopped?.includes(end.index)) return false;
    s.windowStopped = s.windowStopped.filter((i) => i !== end.index);
    return end.phase === 'cancelled' && s.cancelReason === undefined;
  }

  // --- health gates (--gate) ----------------------------------------------------------------------

  /** The gates are to be checked now: hosts would start but for them, and no re-check is pending. */
  gatesDue(): boolean {
    const r = this.rollout;
    const s = r.state;
    if (!this.ops?.gates || s.gateOpen || r.closed) return false;
    if (s.gateRecheckAtMs !== undefined && r.now().getTime() < s.gateRecheckAtMs) return false;
    return r.wouldStartButForGates();
  }

  /** What a gate check found: hosts may start, wait for a re-check, or the rollout pauses. */
  gatesChecked(check: GateCheck): void {
    const r = this.rollout;
    const s = r.state;
    const timing = this.ops?.gateTiming ?? gateTimingSchema.parse({});
    const { state, decision } = decideAfterCheck(s.gate ?? {}, check, timing);
    s.gate = state;
    if (decision.action === 'start') {
      if (s.gateWaitReason !== undefined) r.note('gate-passed', 'the health gates pass');
      s.gateOpen = true;
      delete s.gateWaitReason;
      delete s.gateRecheckAtMs;
    } else if (decision.action === 'wait') {
      if (s.gateWaitReason === undefined) r.note('gate-failing', decision.reason);
      s.gateWaitReason = decision.reason;
      s.gateRecheckAtMs = decision.recheckAtMs;
    } else {
      s.paused = true;
      s.gatePaused = true;
      s.gateWaitReason = decision.reason;
      delete s.gateRecheckAtMs;
      r.note('gate-paused', decision.reason);
      const occurrence = String(s.events.filter((e) => e.action === 'gate-paused').length);
      this.notify(() => gatePausedEvent(r.config, decision.reason, this.at(), occurrence));
    }
  }

  /** Hosts started: the next start is checked again. */
  gatesUsed(): void {
    if (this.ops?.gates) this.rollout.state.gateOpen = false;
  }

  /** The operator resumed: gates failing since before the pause count again from now. */
  gatesReset(): void {
    if (!this.ops?.gates) return;
    const s = this.rollout.state;
    s.gate = resetGateState();
    for (const key of ['gatePaused', 'gateWaitReason', 'gateRecheckAtMs', 'gateOpen'] as const) delete s[key];
  }

  // --- notifications (--notify) -------------------------------------------------------------------

  /** A host ended (after the rollout recorded it): host needs attention, budget exceeded, canary done. */
  hostEnded(end: EndedHost, budgetJustExceeded: boolean): void {
    const r = this.rollout;
    if (end.phase === 'needs-attention')
      this.notify(() =>
        hostNeedsAttentionEvent(r.config, { ...end, cluster: r.ledger.cluster(end.index) }, this.at()),
      );
    if (budgetJustExceeded) this.notify(() => budgetExceededEvent(r.progress(), this.at()));
    if (r.phase() === 'awaiting-approval' && !r.state.canaryNotified) {
      r.state.canaryNotified = true;
      this.notify(() => canaryAwaitingApprovalEvent(r.progress(), this.at()));
    }
  }

  closed(): void {
    this.notify(() => rolloutClosedEvent(this.rollout.progress(), this.at()));
  }

  /** The notifications to send now; each is queued once. */
  takeNotifications(): NotifyEventInput[] {
    return this.outbox.splice(0);
  }

  /** Queues a notification, built only when the rollout has --notify targets. */
  private notify(event: () => NotifyEventInput): void {
    if (this.ops?.notify) this.outbox.push(event());
  }

  private at(): string {
    return this.rollout.now().toISOString();
  }
}
