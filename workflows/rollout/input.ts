import {
  hostOptionsSchema,
  procedureNameSchema,
  procedureParamsSchemas,
  procedureTargetKind,
} from '../../common/procedures';
import { rolloutInputSchema, type RolloutInput } from '../../common/rollout';
import type { ShardInput } from '../../common/rollout-shards';
import { targetRefSchema } from '../../common/target-schemas';
import { formatIssues } from '../../common/zod-issues';
import { invalidInput } from '../host/procedure-run';
import { problemList } from '../host/validate';

/** The rollout checks its input itself (anything that talks to Temporal can start one): InvalidInput, naming each field. */
export function validateRolloutInput(input: RolloutInput): void {
  const parsed = rolloutInputSchema.safeParse(input);
  const problems = parsed.success ? [] : formatIssues(parsed.error);
  if (parsed.success) {
    const params = procedureParamsSchemas[input.procedure].safeParse(input.params);
    if (!params.success) problems.push(...formatIssues(params.error, 'params'));
    const kind = procedureTargetKind[input.procedure];
    input.targets.forEach((t, i) => {
      if (t.kind !== kind)
        problems.push(`targets[${i}].kind: ${input.procedure} runs on ${kind} targets, not ${t.kind}`);
    });
    const seen = new Set<string>();
    input.targets.forEach((t, i) => {
      if (seen.has(t.name)) problems.push(`targets[${i}].name: duplicate target ${t.name}`);
      seen.add(t.name);
    });
  }
  if (problems.length > 0) throw invalidInput(`invalid rollout input: ${problemList(problems)}`);
}

/** What is wrong with a shard's input (anything may start a workflow), each field named. */
export function shardInputProblems(input: ShardInput): string[] {
  if (!input || typeof input !== 'object' || !Array.isArray(input.targets))
    return ['targets: must be a list'];
  const problems: string[] = [];
  const procedure = procedureNameSchema.safeParse(input.procedure);
  if (!procedure.success) return ['procedure: not a procedure'];
  const params = procedureParamsSchemas[procedure.data].safeParse(input.params);
  if (!params.success) problems.push(...formatIssues(params.error, 'params'));
  const options = hostOptionsSchema.safeParse(input.hostOptions);
  if (!options.success) problems.push(...formatIssues(options.error, 'hostOptions'));
  for (const field of ['shard', 'offset', 'canaries', 'continueAsNewAfterEvents'] as const)
    if (!Number.isInteger(input[field]) || input[field] < 0)
      problems.push(`${field}: must be a whole number`);
  const kind = procedureTargetKind[procedure.data];
  const names = new Set<string>();
  input.targets.forEach((t, i) => {
    const parsed = targetRefSchema.safeParse(t);
    if (!parsed.success) problems.push(...formatIssues(parsed.error, `targets[${i}]`));
    else if (t.kind !== kind)
      problems.push(`targets[${i}].kind: ${procedure.data} runs on ${kind} targets, not ${t.kind}`);
    if (names.has(t.name)) problems.push(`targets[${i}].name: duplicate target ${t.name}`);
    names.add(t.name);
  });
  return problems.slice(0, 20);
}
