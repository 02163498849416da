import type { RolloutProgress } from '../../common/rollout';
import { doneCount, shownWaitingFor, waitLines } from './render';

// The non-TTY watch (CI logs, pipes): one line per change instead of a redrawn screen.

function stamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function progressChanges(
  prev: RolloutProgress | undefined,
  next: RolloutProgress,
  now: Date,
): string[] {
  const at = stamp(now);
  const lines: string[] = [];
  if (!prev) {
    lines.push(
      `${at} rollout ${next.rolloutId} ${next.procedure}: ${next.phase}, ${doneCount(next)}/${next.total} done`,
    );
    lines.push(...waitLines(next).map((l) => `${at} ${l}`));
  } else {
    if (prev.phase !== next.phase)
      lines.push(`${at} rollout ${next.rolloutId}: ${prev.phase} -> ${next.phase}`);
    // A new reason to wait, once (not each time its countdown moves: "in 3h12m" -> "in 3h11m").
    const waiting = shownWaitingFor(next);
    if (reasonKind(shownWaitingFor(prev)) !== reasonKind(waiting)) {
      if (waiting !== undefined) lines.push(`${at} no new host starts: ${waiting}`);
      else if (next.phase === 'running') lines.push(`${at} hosts start again`);
    }
  }
  const before = new Map((prev?.hosts ?? []).map((h) => [h.name, h]));
  let finished = false;
  for (const h of next.hosts) {
    const old = before.get(h.name);
    if (old && old.phase === h.phase && old.step === h.step) continue;
    if (!old && h.phase === 'pending') continue;
    if (h.phase === 'running') {
      lines.push(`${at} ${h.name} running${h.step ? ` ${h.step}` : ''}`);
    } else if (h.phase !== 'pending') {
      finished = true;
      lines.push(`${at} ${h.name} ${h.phase}${h.reason ? `: ${h.reason}` : ''}`);
    }
  }
  if (finished && prev) lines.push(`${at} progress ${doneCount(next)}/${next.total} done`);
  if (prev && !prev.budget.exceeded && next.budget.exceeded)
    lines.push(
      `${at} failure budget exceeded (${next.budget.used} of ${next.budget.allowed}): no new hosts start`,
    );
  return lines;
}

/** A waiting reason without its numbers (countdowns, positions in line), for telling a new reason from a ticking one. */
function reasonKind(reason: string | undefined): string | undefined {
  return reason?.replace(/\d+/g, '#');
}
