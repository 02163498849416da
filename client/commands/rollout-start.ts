import { procedureTargetKind } from '../../common/procedures';
import type { RolloutInput } from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import { EXIT_OK } from '../cli-error';
import type { CliDeps, TemporalAccess } from '../deps';
import { kindWords } from '../inventory/select';
import { renderDryRun } from '../rollout/dry-run';
import { prepareRollout, type StartFlags } from '../rollout/prepare';
import { rolloutUiLink } from '../rollout/rollout-id';
import { startRolloutWorkflow } from '../rollout/start';
import { findRollout } from '../rollout/state';
import { watchRollout } from '../watch/watch';
import { withTemporal } from './with-temporal';

// `ibfleet rollout start PROCEDURE -i FILE ...`

export function startedMessage(input: RolloutInput, namespace: string, deps: CliDeps): string {
  const kind = procedureTargetKind[input.procedure];
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

/** Starts the rollout and, with `watch`, follows it to the end (exit code from the outcome). */
export async function launchRollout(
  temporal: TemporalAccess,
  input: RolloutInput,
  watch: boolean,
  deps: CliDeps,
): Promise<number> {
  await startRolloutWorkflow(temporal, input);
  deps.stdout.write(startedMessage(input, temporal.namespace, deps));
  if (!watch) return EXIT_OK;
  deps.stdout.write('\n');
  return watchRollout(temporal, await findRollout(temporal, input.rolloutId), deps);
}

export async function rolloutStart(procedure: string, flags: StartFlags, deps: CliDeps): Promise<number> {
  const { input } = prepareRollout(procedure, flags, deps);
  if (flags.dryRun) {
    deps.stdout.write(renderDryRun(input, { inventoryFile: flags.inventory, selections: flags.select }));
    return EXIT_OK;
  }
  return withTemporal(deps, (temporal) => launchRollout(temporal, input, flags.watch === true, deps));
}
