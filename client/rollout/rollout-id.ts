import type { ProcedureName } from '../../common/procedures';
import { rolloutWorkflowId } from '../../common/targets';
import { UsageError } from '../cli-error';

// Rollout IDs: given with --id, or generated as <procedure>-<yyyymmdd-hhmmss UTC>-<4 random>.

export const ROLLOUT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const WORKFLOW_PREFIX = rolloutWorkflowId('');

export function generateRolloutId(procedure: ProcedureName, now: Date, suffix: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}` +
    `-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${procedure}-${stamp}-${suffix}`;
}

export function rolloutIdProblem(id: string, flag = '--id'): string | undefined {
  return ROLLOUT_ID_PATTERN.test(id)
    ? undefined
    : `${flag}: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (got ${JSON.stringify(id)})`;
}

/** A rollout ID argument; the full workflow ID (ibfleet/rollout/<id>) is accepted too. */
export function parseRolloutIdArg(arg: string): string {
  const id = arg.startsWith(WORKFLOW_PREFIX) ? arg.slice(WORKFLOW_PREFIX.length) : arg;
  const problem = rolloutIdProblem(id, 'ID');
  if (problem) throw new UsageError(problem);
  return id;
}

/** The Temporal Web UI page of a rollout. */
export function rolloutUiLink(
  env: Record<string, string | undefined>,
  namespace: string,
  rolloutId: string,
): string {
  const base = (env.IBFLEET_UI_URL ?? 'http://localhost:8233').replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(rolloutWorkflowId(rolloutId))}`;
}
