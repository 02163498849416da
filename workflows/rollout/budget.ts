import type { FailureBudget, HostPhase } from '../../common/rollout';

// Which host phases are final, which count against the failure budget, and how large the budget is.

export const terminalPhases: readonly HostPhase[] = [
  'succeeded',
  'failed',
  'needs-attention',
  'skipped',
  'cancelled',
];

/** Phases that use up the failure budget. */
export const problemPhases: readonly HostPhase[] = ['failed', 'needs-attention'];

export function isTerminal(phase: HostPhase): boolean {
  return terminalPhases.includes(phase);
}

export function isProblem(phase: HostPhase): boolean {
  return problemPhases.includes(phase);
}

/** Failures allowed before the rollout stops starting hosts: a count, or a percentage of every target. */
export function allowedFailures(budget: FailureBudget, total: number): number {
  return 'count' in budget ? budget.count : Math.floor((budget.percent * total) / 100);
}
