import { WorkflowFailedError } from '@temporalio/client';
import { TimeoutFailure } from '@temporalio/common';
import {
  CREDENTIAL_CHECK_WORKFLOW_TYPE,
  credentialCheckWorkflowId,
  type CredentialCheckInput,
  type CredentialCheckResult,
  type EndpointCredential,
  type EndpointCredentialProblem,
} from '../../common/credential-check';
import { CliFailure } from '../cli-error';
import { taskQueue } from '../connection';
import type { TemporalAccess } from '../deps';

// Asking the worker — where secrets are read — whether every credential reference can be used, before
// anything starts: a short workflow whose one activity resolves each distinct reference on the worker
// (connecting nowhere) and returns per-endpoint problems, never a secret (workflows/credential-check.ts).

/** The worker answers in well under a second; a minute means no (current) worker polls the queue. */
const CHECK_TIMEOUT = '1 minute';

export type CredentialCheckWorkflow = (input: CredentialCheckInput) => Promise<CredentialCheckResult>;

/** Up to this many endpoints are sent as they are; beyond, each distinct reference once (and each host with a vCenter). */
const MAX_ENDPOINTS_AS_GIVEN = 2_000;

/**
 * Each distinct credential reference once (a fleet of thousands shares a few), with the endpoints that
 * use it: the check's input stays small whatever the fleet size.
 */
function distinctReferences(endpoints: readonly EndpointCredential[]): Map<string, EndpointCredential[]> {
  const byRef = new Map<string, EndpointCredential[]>();
  for (const e of endpoints) {
    const key = JSON.stringify(e.credential);
    const users = byRef.get(key);
    if (users) users.push(e);
    else byRef.set(key, [e]);
  }
  return byRef;
}

export async function checkCredentialsOnWorker(
  temporal: TemporalAccess,
  endpoints: readonly EndpointCredential[],
  checkId: string,
): Promise<EndpointCredentialProblem[]> {
  if (endpoints.length <= MAX_ENDPOINTS_AS_GIVEN)
    return await runCheck(temporal, endpoints, checkId, endpoints.length);
  // A host with a vCenter is sent itself: its vCenter must know it by name (issue #14).
  const withVcenter = endpoints.filter((e) => e.vcenter !== undefined);
  const bySsh = distinctReferences(endpoints.filter((e) => e.vcenter === undefined));
  const users = new Map([...bySsh.values()].map((u) => [u[0].endpoint, u]));
  const representatives = [...[...users.values()].map((u) => u[0]), ...withVcenter];
  const problems = await runCheck(temporal, representatives, checkId, endpoints.length);
  return problems.flatMap((p) => (users.get(p.endpoint) ?? [p]).map((u) => ({ ...p, endpoint: u.endpoint })));
}

async function runCheck(
  temporal: TemporalAccess,
  endpoints: readonly EndpointCredential[],
  checkId: string,
  total: number,
): Promise<EndpointCredentialProblem[]> {
  const queue = taskQueue();
  try {
    const result = await temporal.client.workflow.execute<CredentialCheckWorkflow>(
      CREDENTIAL_CHECK_WORKFLOW_TYPE,
      {
        workflowId: credentialCheckWorkflowId(checkId),
        taskQueue: queue,
        args: [{ endpoints: [...endpoints] }],
        workflowExecutionTimeout: CHECK_TIMEOUT,
        staticSummary: `credential check of ${total} endpoint(s)${total > endpoints.length ? ` (${endpoints.length} distinct reference(s))` : ''}`,
      },
    );
    return result.problems;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure)
      throw new CliFailure(
        `no worker answered the credential check within ${CHECK_TIMEOUT} ` +
          `(is an ibfleet worker of this version polling task queue "${queue}"?); nothing was started`,
      );
    const why =
      err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : (err as Error).message;
    throw new CliFailure(`the credential check on the worker failed: ${why}; nothing was started`);
  }
}
