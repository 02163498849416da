import { endpointCredentials } from '../../common/credential-check';
import { procedures } from '../../common/procedures';
import type { RolloutInput } from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import { EXIT_OK, UsageError } from '../cli-error';
import type { CliDeps, TemporalAccess } from '../deps';
import { credentialInventoryProblems } from '../inventory/credential-checks';
import { formatInventoryProblem } from '../inventory/problems';
import { kindWords } from '../inventory/select';
import { renderDryRun } from '../rollout/dry-run';
import { payloadEncodingFromEnv, refuseOversizedRollout } from '../rollout/input-size';
import { prepareRollout, type StartFlags } from '../rollout/prepare';
import { rolloutUiLink } from '../rollout/rollout-id';
import { startRolloutWorkflow } from '../rollout/start';
import { findRollout } from '../rollout/snapshot';
import { checkCredentialsOnWorker } from '../rollout/worker-credential-check';
import { watchRollout } from '../watch/watch';
import { withTemporal } from './with-temporal';

// `ibfleet rollout start PROCEDURE -i FILE ...`

export function startedMessage(input: RolloutInput, namespace: string, deps: CliDeps): string {
  const kind = procedures[input.procedure].target;
  const n = input.targets.length;
  const lines = [
    `Started rollout ${input.rolloutId}: ${input.procedure} on ${n} ${kindWords(kind, n)}` +
      (input.retryOf ? ` (retry of ${input.retryOf})` : ''),
    `  workflow  ${rolloutWorkflowId(input.rolloutId)} (namespace ${namespace})`,
    `  web UI    ${rolloutUiLink(deps.env, namespace, input.rolloutId)}`,
    `  watch     ibfleet rollout watch ${input.rolloutId}`,
  ];
  if (input.options.canary > 0 && !input.options.autoApprove)
    lines.push(
      `  approve   ibfleet rollout approve ${input.rolloutId}   (after the ${input.options.canary} canary target(s) succeed)`,
    );
  return lines.join('\n') + '\n';
}

/** Where the targets are written, to name them in messages (`rollout retry` without -i has none). */
export interface TargetSource {
  file: string;
  targetPaths: ReadonlyMap<string, string>;
}

/**
 * Refuses (exit 2, nothing started) when the worker cannot use a target's credential: the check runs
 * on the worker, where the secrets are read (the rollout workflow runs it again as its first step).
 */
async function refuseUnusableCredentials(
  temporal: TemporalAccess,
  input: RolloutInput,
  source: TargetSource | undefined,
  deps: CliDeps,
): Promise<void> {
  const problems = await checkCredentialsOnWorker(
    temporal,
    endpointCredentials(input.targets),
    `${input.rolloutId}-${deps.randomSuffix()}`,
  );
  if (problems.length === 0) return;
  const lines = credentialInventoryProblems(
    problems,
    source?.file ?? `rollout ${input.rolloutId}`,
    source?.targetPaths ?? new Map(),
    ' (on the worker)',
  );
  throw new UsageError(lines.map(formatInventoryProblem).join('\n'));
}

/** Starts the rollout and, with `watch`, follows it to the end (exit code from the outcome). */
export async function launchRollout(
  temporal: TemporalAccess,
  input: RolloutInput,
  watch: boolean,
  deps: CliDeps,
  source?: TargetSource,
): Promise<number> {
  await refuseUnusableCredentials(temporal, input, source, deps);
  await startRolloutWorkflow(temporal, input, (line) => deps.stdout.write(line + '\n'));
  deps.stdout.write(startedMessage(input, temporal.namespace, deps));
  if (!watch) return EXIT_OK;
  deps.stdout.write('\n');
  return watchRollout(temporal, await findRollout(temporal, input.rolloutId), deps);
}

export async function rolloutStart(procedure: string, flags: StartFlags, deps: CliDeps): Promise<number> {
  const { input, inventory } = prepareRollout(procedure, flags, deps);
  await refuseOversizedRollout(input, payloadEncodingFromEnv(deps.env));
  if (flags.dryRun) {
    deps.stdout.write(renderDryRun(input, { inventoryFile: flags.inventory, selections: flags.select }));
    return EXIT_OK;
  }
  const source = { file: flags.inventory, targetPaths: inventory.targetPaths };
  return withTemporal(deps, (temporal) => launchRollout(temporal, input, flags.watch === true, deps, source));
}
