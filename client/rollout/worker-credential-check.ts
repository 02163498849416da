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

export async function checkCredentialsOnWorker(
  temporal: TemporalAccess,
  endpoints: readonly EndpointCredential[],
  checkId: string,
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
        staticSummary: `credential check of ${endpoints.length} endpoint(s)`,
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
