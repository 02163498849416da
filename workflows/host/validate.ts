import {
  hostOptionsSchema,
  procedureParamsSchemas,
  procedureTargetKind,
  type HostOptions,
  type ProcedureInput,
  type ProcedureName,
  type ProcedureParams,
} from '../../common/procedures';
import type { TargetRef } from '../../common/targets';
import { formatIssues } from '../../common/zod-issues';
import { invalidInput } from './procedure-run';

export interface ValidProcedureInput<P extends ProcedureName, T extends TargetRef> {
  target: T;
  params: ProcedureParams[P];
  options: HostOptions;
}

/**
 * Validate a procedure's input again inside the workflow (anything may start a workflow): a bad input
 * fails the workflow at once with a non-retryable InvalidInput naming every bad field.
 */
export function validateProcedureInput<P extends ProcedureName, T extends TargetRef>(
  input: ProcedureInput,
  procedure: P,
): ValidProcedureInput<P, T> {
  const problems: string[] = [];
  if (input?.procedure !== procedure)
    problems.push(`procedure: expected "${procedure}", got "${String(input?.procedure)}"`);
  const kind = procedureTargetKind[procedure];
  if (input?.target?.kind !== kind) problems.push(`target.kind: ${procedure} runs on ${kind} targets`);
  const params = procedureParamsSchemas[procedure].safeParse(input?.params ?? {});
  if (!params.success) problems.push(...formatIssues(params.error, 'params'));
  const options = hostOptionsSchema.safeParse(input?.options ?? {});
  if (!options.success) problems.push(...formatIssues(options.error, 'options'));
  if (problems.length > 0 || !params.success || !options.success) {
    throw invalidInput(`invalid input for ${procedure}: ${problems.join('; ')}`);
  }
  return { target: input.target as T, params: params.data as ProcedureParams[P], options: options.data };
}
