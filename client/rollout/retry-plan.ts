import type { RolloutInput, RolloutReport } from '../../common/rollout';
import type { TargetRef } from '../../common/targets';
import { ROLLOUT_ID_PATTERN } from './rollout-id';

// `rollout retry`: a new rollout of the same procedure, params and options over the targets of the old
// one that did not succeed (failed, needs-attention, cancelled, skipped or never started). Targets that
// succeeded are never touched again.

export interface RetriedTarget {
  name: string;
  /** What happened to it in the old rollout. */
  previously: string;
  reason?: string;
}

export interface RetryPlan {
  targets: TargetRef[];
  retried: RetriedTarget[];
  succeeded: number;
}

export function planRetry(input: RolloutInput, report: RolloutReport): RetryPlan {
  const phase = new Map(report.hosts.map((h) => [h.name, h]));
  const problems = new Map(report.problems.map((p) => [p.name, p]));
  const targets: TargetRef[] = [];
  const retried: RetriedTarget[] = [];
  let succeeded = 0;
  for (const t of input.targets) {
    const host = phase.get(t.name);
    if (host?.phase === 'succeeded') {
      succeeded++;
      continue;
    }
    targets.push(t);
    const problem = problems.get(t.name);
    retried.push({
      name: t.name,
      previously: host?.phase ?? 'not started',
      reason: problem?.reason ?? host?.reason,
    });
  }
  return { targets, retried, succeeded };
}

/** "<base>-retry-<n>": the base is the original rollout's ID, so retries of retries count on. */
export function retryId(oldId: string, attempt: number): string {
  const m = /^(.*)-retry-(\d+)$/.exec(oldId);
  const base = m ? m[1] : oldId;
  const first = m ? Number(m[2]) + 1 : 1;
  return `${base}-retry-${first + attempt}`;
}

export function isValidRolloutId(id: string): boolean {
  return ROLLOUT_ID_PATTERN.test(id);
}
