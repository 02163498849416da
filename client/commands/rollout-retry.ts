import type { RolloutInput } from '../../common/rollout';
import type { TargetRef } from '../../common/targets';
import { EXIT_OK, UsageError } from '../cli-error';
import type { CliDeps, TemporalAccess } from '../deps';
import { loadInventory } from '../inventory/load';
import { unpinnedTargetProblems } from '../rollout/prepare';
import { renderDryRun } from '../rollout/dry-run';
import { fetchOriginalInput } from '../rollout/original-input';
import { isValidRolloutId, planRetry, retryId, type RetryPlan } from '../rollout/retry-plan';
import { parseRolloutIdArg } from '../rollout/rollout-id';
import { RolloutExistsError } from '../rollout/start';
import { loadRolloutSnapshot } from '../rollout/snapshot';
import { launchRollout } from './rollout-start';
import { table, withTemporal } from './with-temporal';

// `ibfleet rollout retry ID`: a new rollout (<id>-retry-N, retryOf = ID) of the same procedure,
// params and options over the targets that did not succeed. The old rollout must be closed.

export interface RetryFlags {
  inventory?: string;
  watch?: boolean;
  dryRun?: boolean;
}

const MAX_ID_ATTEMPTS = 50;

/** With -i, the targets are taken from the current inventory by name (e.g. after re-pinning a key). */
function refreshTargets(targets: TargetRef[], file: string): TargetRef[] {
  const inv = loadInventory(file);
  const byName = new Map<string, TargetRef>(
    [...inv.hosts, ...inv.switches, ...inv.guestPairs].map((t) => [t.name, t]),
  );
  const problems: string[] = [];
  const fresh = targets.map((t) => {
    const now = byName.get(t.name);
    if (!now || now.kind !== t.kind)
      problems.push(`${file}: no ${t.kind} target named "${t.name}" (it was in the rollout being retried)`);
    return now ?? t;
  });
  problems.push(...unpinnedTargetProblems(fresh, inv, file));
  if (problems.length) throw new UsageError(problems.join('\n'));
  return fresh;
}

function describePlan(oldId: string, plan: RetryPlan): string {
  return (
    `Retrying ${plan.targets.length} target(s) of rollout ${oldId} that did not succeed ` +
    `(${plan.succeeded} succeeded and are left alone):\n` +
    table([
      ['TARGET', 'PREVIOUSLY', 'REASON'],
      ...plan.retried.map((r) => [r.name, r.previously, r.reason ?? '']),
    ])
      .map((l) => `  ${l}`)
      .join('\n') +
    '\n'
  );
}

async function startWithFreshId(
  temporal: TemporalAccess,
  base: RolloutInput,
  oldId: string,
  flags: RetryFlags,
  deps: CliDeps,
): Promise<number> {
  for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
    const id = retryId(oldId, attempt);
    if (!isValidRolloutId(id))
      throw new UsageError(
        `cannot derive a valid retry ID from "${oldId}" (got "${id}": IDs are at most 64 characters)`,
      );
    try {
      return await launchRollout(temporal, { ...base, rolloutId: id }, flags.watch === true, deps);
    } catch (err) {
      if (!(err instanceof RolloutExistsError)) throw err;
    }
  }
  throw new UsageError(`rollout ${oldId} already has ${MAX_ID_ATTEMPTS} retries`);
}

export async function rolloutRetry(idArg: string, flags: RetryFlags, deps: CliDeps): Promise<number> {
  const oldId = parseRolloutIdArg(idArg);
  return withTemporal(deps, async (temporal) => {
    const snapshot = await loadRolloutSnapshot(temporal, oldId, { allHosts: true });
    if (snapshot.kind === 'running')
      throw new UsageError(
        `rollout ${oldId} is still running; a retry would race it. Wait for it to close, or: ibfleet rollout cancel ${oldId}`,
      );
    if (snapshot.kind === 'closed')
      throw new UsageError(
        `rollout ${oldId} is ${snapshot.status} without a report (${snapshot.failure}); start a new rollout instead`,
      );

    const original = await fetchOriginalInput(temporal, oldId);
    const plan = planRetry(original, snapshot.report);
    if (plan.targets.length === 0) {
      deps.stdout.write(`every target of rollout ${oldId} succeeded: nothing to retry\n`);
      return EXIT_OK;
    }
    const targets = flags.inventory ? refreshTargets(plan.targets, flags.inventory) : plan.targets;
    const input: RolloutInput = {
      rolloutId: retryId(oldId, 0),
      procedure: original.procedure,
      params: original.params,
      targets,
      options: { ...original.options, canary: Math.min(original.options.canary, targets.length) },
      startedBy: deps.identity(),
      retryOf: oldId,
    };
    deps.stdout.write(describePlan(oldId, plan));
    if (flags.dryRun) {
      deps.stdout.write('\n' + renderDryRun(input, { inventoryFile: flags.inventory, retryOf: oldId }));
      return EXIT_OK;
    }
    return startWithFreshId(temporal, input, oldId, flags, deps);
  });
}
