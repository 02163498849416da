import type { HostPhase, HostProgress, RolloutProgress } from '../../common/rollout';
import { formatClock } from '../options/duration';

// The live view of a rollout (pure: progress in, lines out). Redrawn about once a second on a TTY.

export const HOST_PHASES: readonly HostPhase[] = [
  'succeeded',
  'running',
  'pending',
  'failed',
  'needs-attention',
  'skipped',
  'cancelled',
];

export function doneCount(p: Pick<RolloutProgress, 'counts' | 'total'>): number {
  return p.total - (p.counts.pending ?? 0) - (p.counts.running ?? 0);
}

export function progressBar(done: number, total: number, width: number): string {
  const w = Math.max(10, width);
  const filled = total > 0 ? Math.round((done / total) * w) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(w - filled)}]`;
}

export function countsLine(counts: Partial<Record<HostPhase, number>>): string {
  // Always show the three main phases; the others only when they occurred.
  return HOST_PHASES.filter((ph) => ['succeeded', 'running', 'pending'].includes(ph) || (counts[ph] ?? 0) > 0)
    .map((ph) => `${ph} ${counts[ph] ?? 0}`)
    .join('  ');
}

function pad(text: string, n: number): string {
  return text.length >= n ? text : text + ' '.repeat(n - text.length);
}

export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 3))}...`;
}

export function sinceMs(iso: string | undefined, now: Date): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : now.getTime() - t;
}

export function phaseHint(p: RolloutProgress): string {
  switch (p.phase) {
    case 'awaiting-approval':
      return `  -> canary done; continue with: ibfleet rollout approve ${p.rolloutId}`;
    case 'paused':
      return `  -> paused; continue with: ibfleet rollout resume ${p.rolloutId}`;
    case 'cancelling':
      return '  -> cancelling: hosts in flight finish at a safe point';
    default:
      return '';
  }
}

/** Why no new host starts now, unless the phase line's hint already says it (approval, an operator's pause). */
export function shownWaitingFor(p: Pick<RolloutProgress, 'phase' | 'waitingFor'>): string | undefined {
  const said = p.phase === 'awaiting-approval' || p.waitingFor === 'paused by the operator';
  return said ? undefined : p.waitingFor;
}

/**
 * Why no new host starts now (a window, a gate, a pause, ...) and what the operations features say
 * (--window, --ramp, --gate, the fleet-wide limit): one short line each.
 */
export function waitLines(p: Pick<RolloutProgress, 'phase' | 'waitingFor' | 'operations'>): string[] {
  const waiting = shownWaitingFor(p);
  const lines = waiting !== undefined ? [`no new host starts: ${waiting}`] : [];
  for (const op of p.operations ?? []) if (op !== p.waitingFor) lines.push(`ops: ${op}`);
  return lines;
}

export interface FrameOptions {
  width: number;
  /** Lines for running hosts before "... and N more". */
  maxHostLines: number;
  now: Date;
}

export function renderProgressFrame(p: RolloutProgress, opts: FrameOptions): string[] {
  const width = Math.max(40, opts.width);
  const done = doneCount(p);
  const pct = p.total > 0 ? Math.floor((done / p.total) * 100) : 0;
  const eta = p.etaMs !== undefined ? `  ETA ${formatClock(p.etaMs)}` : '';
  const lines: string[] = [];
  lines.push(clip(`Rollout ${p.rolloutId}  ${p.procedure}  ${p.phase.toUpperCase()}${phaseHint(p)}`, width));
  const bar = progressBar(done, p.total, Math.min(40, width - 45));
  lines.push(
    clip(`${bar} ${done}/${p.total} done (${pct}%)  elapsed ${formatClock(p.elapsedMs)}${eta}`, width),
  );
  lines.push(clip(countsLine(p.counts), width));
  const budget = p.budget;
  lines.push(
    clip(
      `failure budget: ${budget.used} of ${budget.allowed} used${budget.exceeded ? '  EXCEEDED: no new hosts start' : ''}`,
      width,
    ),
  );
  for (const line of waitLines(p)) lines.push(clip(line, width));

  const running = p.hosts.filter((h) => h.phase === 'running');
  if (running.length > 0) {
    lines.push('');
    const nameW = Math.min(24, Math.max(...running.map((h) => h.name.length)));
    const clusterW = Math.min(16, Math.max(...running.map((h) => h.cluster.length)));
    for (const h of running.slice(0, opts.maxHostLines))
      lines.push(clip(hostLine(h, nameW, clusterW, opts.now), width));
    if (running.length > opts.maxHostLines)
      lines.push(`  ... and ${running.length - opts.maxHostLines} more running`);
  }
  const problems = p.hosts.filter((h) => h.phase === 'failed' || h.phase === 'needs-attention');
  if (problems.length > 0) {
    lines.push('');
    for (const h of problems.slice(-5))
      lines.push(clip(`  ! ${h.name} ${h.phase}: ${h.reason ?? 'no reason given'}`, width));
    if (problems.length > 5)
      lines.push(`  (${problems.length} problems; the first ${problems.length - 5} not shown)`);
  }
  return lines;
}

function hostLine(h: HostProgress, nameW: number, clusterW: number, now: Date): string {
  const elapsed = sinceMs(h.startedAt, now);
  return `  ${pad(h.name, nameW)}  ${pad(h.cluster, clusterW)}  ${pad(h.step ?? 'starting', 22)}  ${elapsed !== undefined ? formatClock(elapsed) : ''}`;
}
