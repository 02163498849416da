import { patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { FleetActivities } from '../activities/contract';
import {
  endpointCredentials,
  summarizeCredentialProblems,
  type CredentialCheckInput,
  type CredentialCheckResult,
} from '../common/credential-check';
import { IbPhase } from '../common/search-attributes';
import type { TargetRef } from '../common/targets';
import { invalidInput } from './host/failures';

// The worker-side credential check (issue #12), as a short workflow the CLI runs before it starts a
// rollout, and as the first step of every rollout (so one started any other way refuses as well).

const { checkCredentials } = proxyActivities<FleetActivities>({
  // Reads a few files and variables (and decrypts encrypted keys once each): seconds at most.
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
  summary: 'check on the worker that every credential reference can be used (connects nowhere)',
});

/** Asked by `rollout start` before it starts anything, and by `inventory check --on-worker`. */
export async function credentialCheckWorkflow(input: CredentialCheckInput): Promise<CredentialCheckResult> {
  if (!Array.isArray(input?.endpoints))
    throw invalidInput('invalid credential check input: endpoints must be a list');
  return await checkCredentials(input);
}

/**
 * Rollouts started before this patch went straight to their hosts, and replay that way. Since then a
 * rollout first checks every credential on the worker and, if one cannot work, fails (InvalidInput,
 * naming the endpoints, fields and reasons) without touching any host.
 */
export const CREDENTIAL_PRECHECK_PATCH = 'ibfleet-credential-precheck';

/** The rollout's first step (its first run only, not after continue-as-new). */
export async function refuseUnusableCredentials(targets: readonly TargetRef[]): Promise<void> {
  if (!patched(CREDENTIAL_PRECHECK_PATCH)) return;
  const { problems } = await checkCredentials({ endpoints: endpointCredentials(targets) });
  if (problems.length === 0) return;
  upsertSearchAttributes([{ key: IbPhase, value: 'failed' }]);
  throw invalidInput(
    `credentials that cannot work on the worker; no host was touched: ${summarizeCredentialProblems(problems).join('; ')}`,
  );
}
