import type { HostProgress, RolloutInput, RolloutReport } from '../../common/rollout';
import { rolloutProgress } from './progress';
import type { Rollout } from './state';

/**
 * The rollout's result: its final progress, every host that did not succeed with why (a sharded
 * rollout: the listed ones, the count of the rest, and each host's detail in its shards' results),
 * and the audit trail.
 */
export function rolloutReport(
  rollout: Rollout,
  input: RolloutInput,
  hosts: HostProgress[],
  shards?: number,
): RolloutReport {
  const listed = shards === undefined ? 'all' : 'active';
  const notSucceeded = hosts.filter((h) => h.phase !== 'succeeded');
  const omitted =
    shards === undefined ? 0 : rollout.ledger.total - rollout.count('succeeded') - notSucceeded.length;
  return {
    ...rolloutProgress(rollout, hosts, listed, shards),
    problems: notSucceeded.map((h) => ({
      name: h.name,
      outcome:
        h.phase === 'skipped'
          ? ('skipped' as const)
          : (h.phase as 'failed' | 'needs-attention' | 'cancelled'),
      reason: h.reason ?? h.phase,
      ...(h.stoppedInStep ? { stoppedInStep: h.stoppedInStep } : {}),
    })),
    finishedAt: new Date().toISOString(),
    startedBy: input.startedBy,
    params: input.params,
    options: input.options,
    events: rollout.state.events,
    ...(input.retryOf ? { retryOf: input.retryOf } : {}),
    ...(omitted > 0 ? { problemsOmitted: omitted } : {}),
  };
}
