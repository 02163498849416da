import {
  hostOptionsSchema,
  procedures,
  type HostOptions,
  type ProcedureInput,
  type ProcedureName,
  type ProcedureParams,
} from '../../common/procedures';
import { hostRefSchema, targetRefSchemas } from '../../common/target-schemas';
import { z } from 'zod';
import type { TargetRef } from '../../common/targets';
import { formatIssues } from '../../common/zod-issues';
import { invalidInput } from './failures';

const vsanPeersSchema = z.array(hostRefSchema).max(1000);

export interface ValidProcedureInput<P extends ProcedureName, T extends TargetRef> {
  target: T;
  params: ProcedureParams[P];
  options: HostOptions;
}

/**
 * Validate a procedure's input again inside the workflow (anything may start a workflow): a bad input
 * (target, params or options) fails the workflow at once, before any step, with a non-retryable
 * InvalidInput naming every bad field.
 */
export function validateProcedureInput<P extends ProcedureName, T extends TargetRef>(
  input: ProcedureInput,
  procedure: P,
): ValidProcedureInput<P, T> {
  const problems: string[] = [];
  if (input?.procedure !== procedure)
    problems.push(`procedure: expected "${procedure}", got "${String(input?.procedure)}"`);
  const kind = procedures[procedure].target;
  // Every field of the target, with the shapes the CLI checks the inventory with: target fields reach
  // SSH connections and command lines (a guest's ibDevice and dataAddress, for instance).
  const target = targetRefSchemas[kind].safeParse(input?.target);
  if (input?.target?.kind !== kind) problems.push(`target.kind: ${procedure} runs on ${kind} targets`);
  else if (!target.success) problems.push(...formatIssues(target.error, 'target'));
  const params = procedures[procedure].params.safeParse(input?.params ?? {});
  if (!params.success) problems.push(...formatIssues(params.error, 'params'));
  const options = hostOptionsSchema.safeParse(input?.options ?? {});
  if (!options.success) problems.push(...formatIssues(options.error, 'options'));
  // vSAN peers are SSH endpoints too: every field checked like the target's.
  if (input?.vsanPeers !== undefined) {
    const peers = vsanPeersSchema.safeParse(input.vsanPeers);
    if (!peers.success) problems.push(...formatIssues(peers.error, 'vsanPeers'));
  }
  if (problems.length > 0 || !target.success || !params.success || !options.success) {
    throw invalidInput(`invalid input for ${procedure}: ${problemList(problems)}`);
  }
  return { target: target.data as T, params: params.data as ProcedureParams[P], options: options.data };
}

/** The problems of an invalid input for its failure message: the first `max`, and how many more. */
export function problemList(problems: readonly string[], max = 20): string {
  const shown = problems.slice(0, max).join('; ');
  return problems.length > max ? `${shown}; and ${problems.length - max} more` : shown;
}
