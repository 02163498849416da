import { z } from 'zod';
import type { RolloutProgress } from '../rollout';

// What ibfleet tells the outside world about a rollout. Each event names its rollout and, where one
// rollout has several of a kind (a host needing attention), its subject; together they make the
// idempotency key a receiver deduplicates on (at least once: a retried send repeats the key).

export const NOTIFY_EVENT_KINDS = [
  'canary-awaiting-approval',
  'host-needs-attention',
  'budget-exceeded',
  'gate-paused',
  'rollout-closed',
  'drift-detected',
  'drift-check-failed',
] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENT_KINDS)[number];

export const notifyEventSchema = z.strictObject({
  kind: z.enum(NOTIFY_EVENT_KINDS),
  rolloutId: z.string().min(1).max(64),
  /** Which one of several events of this kind in the rollout (a host name); absent for once-per-rollout events. */
  subject: z.string().min(1).max(128).optional(),
  /** One line for humans (Slack's text, the JSON's `text`). */
  text: z.string().max(2_000),
  /** Further lines (hosts, reasons), at most a few dozen. */
  lines: z.array(z.string().max(500)).max(50).default([]),
  /** Machine-readable detail for JSON receivers (counts, phase, hosts). */
  details: z.record(z.string(), z.unknown()).default({}),
  /** When it happened (the workflow's clock), ISO 8601. */
  at: z.string(),
});
export type NotifyEvent = z.infer<typeof notifyEventSchema>;
export type NotifyEventInput = z.input<typeof notifyEventSchema>;

/** `ibfleet:<rolloutId>:<kind>[:<subject>]`: the same for every retry and replay of one event. */
export function idempotencyKey(event: Pick<NotifyEvent, 'rolloutId' | 'kind' | 'subject'>): string {
  return `ibfleet:${event.rolloutId}:${event.kind}${event.subject ? `:${event.subject}` : ''}`;
}

/** The notify workflow of an event: one per event ever (its ID is never reused), so a replay never sends twice. */
export function notifyWorkflowId(event: Pick<NotifyEvent, 'rolloutId' | 'kind' | 'subject'>): string {
  return `ibfleet/notify/${event.rolloutId}/${event.kind}${event.subject ? `/${event.subject}` : ''}`;
}

// --- the rollout's events, from its progress (pure: the rollout calls these in workflow code) ---

function counts(p: RolloutProgress): Record<string, number> {
  return { ...p.counts, total: p.total };
}

export function canaryAwaitingApprovalEvent(p: RolloutProgress, at: string): NotifyEventInput {
  const canaries = p.hosts.filter((h) => h.canary);
  const ok = canaries.filter((h) => h.phase === 'succeeded').length;
  return {
    kind: 'canary-awaiting-approval',
    rolloutId: p.rolloutId,
    text: `rollout ${p.rolloutId} (${p.procedure}): canary done, ${ok}/${canaries.length} succeeded; awaiting approval: ibfleet rollout approve ${p.rolloutId}`,
    lines: canaries.map((h) => `${h.name}: ${h.phase}${h.reason ? ` (${h.reason})` : ''}`),
    details: {
      procedure: p.procedure,
      phase: p.phase,
      counts: counts(p),
      canaries: canaries.map((h) => ({ name: h.name, phase: h.phase })),
    },
    at,
  };
}

export function hostNeedsAttentionEvent(
  p: Pick<RolloutProgress, 'rolloutId' | 'procedure'>,
  host: { name: string; cluster: string; reason?: string; stoppedInStep?: string; leftMidCycle?: boolean },
  at: string,
): NotifyEventInput {
  const where = host.stoppedInStep ? ` in step ${host.stoppedInStep}` : '';
  return {
    kind: 'host-needs-attention',
    rolloutId: p.rolloutId,
    subject: host.name,
    text: `rollout ${p.rolloutId} (${p.procedure}): host ${host.name} needs attention${where}: ${host.reason ?? 'no reason given'}`,
    lines: host.leftMidCycle ? [`${host.name} was left between the two halves of a change`] : [],
    details: {
      procedure: p.procedure,
      host: host.name,
      cluster: host.cluster,
      stoppedInStep: host.stoppedInStep,
      leftMidCycle: host.leftMidCycle === true,
    },
    at,
  };
}

export function budgetExceededEvent(p: RolloutProgress, at: string): NotifyEventInput {
  const problems = p.hosts.filter((h) => h.phase === 'failed' || h.phase === 'needs-attention');
  return {
    kind: 'budget-exceeded',
    rolloutId: p.rolloutId,
    text: `rollout ${p.rolloutId} (${p.procedure}): failure budget exceeded (${p.budget.used} failed or need attention, ${p.budget.allowed} allowed); no new host starts`,
    lines: problems.slice(0, 50).map((h) => `${h.name}: ${h.phase}${h.reason ? ` (${h.reason})` : ''}`),
    details: { procedure: p.procedure, budget: p.budget, counts: counts(p) },
    at,
  };
}

export function gatePausedEvent(
  p: Pick<RolloutProgress, 'rolloutId' | 'procedure'>,
  reason: string,
  at: string,
  /** Several pauses in one rollout: a counter or the time, so each is its own event. */
  occurrence: string,
): NotifyEventInput {
  return {
    kind: 'gate-paused',
    rolloutId: p.rolloutId,
    subject: occurrence,
    text: `rollout ${p.rolloutId} (${p.procedure}) paused: ${reason}; resume with: ibfleet rollout resume ${p.rolloutId}`,
    details: { procedure: p.procedure, reason },
    at,
  };
}

export function rolloutClosedEvent(p: RolloutProgress, at: string): NotifyEventInput {
  const c = p.counts;
  const problems = p.hosts.filter((h) => h.phase !== 'succeeded');
  return {
    kind: 'rollout-closed',
    rolloutId: p.rolloutId,
    text:
      `rollout ${p.rolloutId} (${p.procedure}) ${p.phase}: ${c.succeeded}/${p.total} succeeded` +
      (problems.length > 0
        ? `, ${c.failed} failed, ${c['needs-attention']} need attention, ${c.cancelled} cancelled, ${c.skipped} skipped`
        : ''),
    lines: problems.slice(0, 50).map((h) => `${h.name}: ${h.phase}${h.reason ? ` (${h.reason})` : ''}`),
    details: { procedure: p.procedure, phase: p.phase, counts: counts(p), budget: p.budget },
    at,
  };
}

// --- the scheduled drift check's events ---

export interface DriftFinding {
  host: string;
  cluster: string;
  issues: string[];
}

export function driftDetectedEvent(
  rolloutId: string,
  schedule: string,
  checked: number,
  drifted: readonly DriftFinding[],
  at: string,
): NotifyEventInput {
  return {
    kind: 'drift-detected',
    rolloutId,
    text: `drift check ${schedule}: ${drifted.length} of ${checked} host(s) drifted (preflight rollout ${rolloutId})`,
    lines: drifted.slice(0, 50).map((d) => `${d.host}: ${d.issues.join('; ')}`.slice(0, 500)),
    details: { schedule, checked, drifted: drifted.slice(0, 200) },
    at,
  };
}

export function driftCheckFailedEvent(
  rolloutId: string,
  schedule: string,
  reason: string,
  at: string,
): NotifyEventInput {
  return {
    kind: 'drift-check-failed',
    rolloutId,
    text: `drift check ${schedule} could not run (preflight rollout ${rolloutId}): ${reason}`.slice(0, 2_000),
    details: { schedule },
    at,
  };
}
