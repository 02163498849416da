import { z } from 'zod';

// Deciding from gate checks whether the next host may start (pure; the rollout calls it in workflow
// code with its own clock and carries the state across continue-as-new). The rollout checks its gates
// before it starts hosts; while one fails it waits (re-checking every poll interval); when gates have
// failed for longer than the timeout, or one cannot be evaluated at all (misconfigured), it pauses for
// the operator, who resumes it (which resets the state).

export interface GateResult {
  /** The gate as written (describeGate). */
  gate: string;
  ok: boolean;
  /** What was found: "HTTP 503", "exit 1: <output>", "cannot deliver (ECONNREFUSED)". */
  detail: string;
  /** The gate cannot work on this worker (refused command, unset reference): pausing beats waiting. */
  misconfigured?: boolean;
}

export interface GateCheck {
  atMs: number;
  results: GateResult[];
}

export const gateTimingSchema = z.strictObject({
  /** How often failing gates are checked again. */
  pollIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Gates failing this long pause the rollout; 0 = never pause, wait for as long as it takes. */
  timeoutMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .default(30 * 60_000),
});
export type GateTiming = z.infer<typeof gateTimingSchema>;

/** What the rollout carries between checks. */
export interface GateState {
  /** Since when the gates have been failing without a pass in between. */
  failingSinceMs?: number;
  last?: GateCheck;
}

export type GateDecision =
  | { action: 'start' }
  | { action: 'wait'; recheckAtMs: number; reason: string }
  | { action: 'pause'; reason: string };

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m}m` : `${Math.round(ms / 1_000)}s`;
}

function failures(results: readonly GateResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `${r.gate}: ${r.detail}`)
    .join('; ');
}

/** The state and the decision after a check at `check.atMs`. */
export function decideAfterCheck(
  state: GateState,
  check: GateCheck,
  timing: GateTiming,
): { state: GateState; decision: GateDecision } {
  const now = check.atMs;
  if (check.results.every((r) => r.ok)) return { state: { last: check }, decision: { action: 'start' } };
  const misconfigured = check.results.filter((r) => !r.ok && r.misconfigured);
  const failingSinceMs = state.failingSinceMs ?? now;
  const next: GateState = { failingSinceMs, last: check };
  if (misconfigured.length > 0)
    return {
      state: next,
      decision: { action: 'pause', reason: `gate cannot be checked: ${failures(misconfigured)}` },
    };
  const failingFor = now - failingSinceMs;
  if (timing.timeoutMs > 0 && failingFor >= timing.timeoutMs)
    return {
      state: next,
      decision: {
        action: 'pause',
        reason: `gate failing for ${minutes(failingFor)} (--gate-timeout ${minutes(timing.timeoutMs)}): ${failures(check.results)}`,
      },
    };
  const limit = timing.timeoutMs > 0 ? `, pauses after ${minutes(timing.timeoutMs)}` : '';
  return {
    state: next,
    decision: {
      action: 'wait',
      recheckAtMs: now + timing.pollIntervalMs,
      reason: `gate failing${failingFor > 0 ? ` for ${minutes(failingFor)}` : ''}${limit}: ${failures(check.results)}`,
    },
  };
}

/** After the operator resumes a paused rollout: failing starts counting again. */
export function resetGateState(): GateState {
  return {};
}
