import { z } from 'zod';
import { hostOptionsSchema, procedureNameSchema, procedures } from '../../common/procedures';
import { clusterKeySchema } from '../../common/lease';
import { rolloutInputSchema, type RolloutInput } from '../../common/rollout';
import { MAX_INLINE_TARGETS, type ShardInput } from '../../common/rollout-shards';
import { hostRefSchema, targetRefSchema } from '../../common/target-schemas';
import { formatIssues } from '../../common/zod-issues';
import { invalidInput } from '../host/failures';
import { problemList } from '../host/validate';

const shardLeaseLimitsSchema = z.record(clusterKeySchema, z.number().int().min(1).max(1000));
const shardVsanPeersSchema = z.record(z.string(), z.array(hostRefSchema).max(MAX_INLINE_TARGETS));

/** The rollout checks its input itself (anything that talks to Temporal can start one): InvalidInput, naming each field. */
export function validateRolloutInput(input: RolloutInput): void {
  const parsed = rolloutInputSchema.safeParse(input);
  const problems = parsed.success ? [] : formatIssues(parsed.error);
  if (parsed.success) {
    const params = procedures[input.procedure].params.safeParse(input.params);
    if (!params.success) problems.push(...formatIssues(params.error, 'params'));
    const kind = procedures[input.procedure].target;
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
  const params = procedures[procedure.data].params.safeParse(input.params);
  if (!params.success) problems.push(...formatIssues(params.error, 'params'));
  const options = hostOptionsSchema.safeParse(input.hostOptions);
  if (!options.success) problems.push(...formatIssues(options.error, 'hostOptions'));
  for (const field of ['shard', 'offset', 'canaries', 'continueAsNewAfterEvents'] as const)
    if (!Number.isInteger(input[field]) || input[field] < 0)
      problems.push(`${field}: must be a whole number`);
  const check = input.rolloutCheckIntervalMs;
  if (check !== undefined && (!Number.isInteger(check) || check < 100))
    problems.push('rolloutCheckIntervalMs: must be a whole number of milliseconds, at least 100');
  const kind = procedures[procedure.data].target;
  const names = new Set<string>();
  input.targets.forEach((t, i) => {
    const parsed = targetRefSchema.safeParse(t);
    if (!parsed.success) problems.push(...formatIssues(parsed.error, `targets[${i}]`));
    else if (t.kind !== kind)
      problems.push(`targets[${i}].kind: ${procedure.data} runs on ${kind} targets, not ${t.kind}`);
    if (names.has(t.name)) problems.push(`targets[${i}].name: duplicate target ${t.name}`);
    names.add(t.name);
  });
  if (input.leaseLimits !== undefined) {
    const limits = shardLeaseLimitsSchema.safeParse(input.leaseLimits);
    if (!limits.success) problems.push(...formatIssues(limits.error, 'leaseLimits'));
  }
  if (input.vsanPeers !== undefined) {
    const peers = shardVsanPeersSchema.safeParse(input.vsanPeers);
    if (!peers.success) problems.push(...formatIssues(peers.error, 'vsanPeers'));
  }
  return problems.slice(0, 20);
}
