import type {
  CredentialProblem,
  CredentialCheckInput,
  CredentialCheckResult,
  EndpointCredentialProblem,
} from '../common/credential-check';
import type { CredentialRef } from '../common/targets';
import { credentialKey, type CredentialResolver } from './ssh/credentials';
import { checkVcenters, type GovcConnect } from './vcenter/check';

/**
 * The worker-side credential check (issue #12): resolves each distinct credential reference the
 * endpoints use — policy, variable, agent socket, key file parsed (and decrypted) — without connecting
 * anywhere, and reports per endpoint and field what cannot work. Only reasons leave the worker.
 */
export function checkCredentials(
  credentials: CredentialResolver,
  input: CredentialCheckInput,
): CredentialCheckResult {
  const byReference = new Map<string, CredentialProblem[]>();
  const problems: EndpointCredentialProblem[] = [];
  for (const { endpoint, credential } of input.endpoints) {
    const key = referenceKey(credential);
    let found = byReference.get(key);
    if (!found) {
      found = checkOne(credentials, credential);
      byReference.set(key, found);
    }
    for (const p of found) problems.push({ endpoint, ...p });
  }
  return { problems, distinctReferences: byReference.size };
}

const CREDENTIAL_TYPES: readonly unknown[] = ['private-key', 'agent', 'password-env'];

/** Anything may start a workflow: a reference that is not one is reported, not a crash. */
function isCredentialRef(value: unknown): value is CredentialRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    CREDENTIAL_TYPES.includes((value as { type?: unknown }).type)
  );
}

function referenceKey(credential: unknown): string {
  return isCredentialRef(credential) ? credentialKey(credential) : 'not-a-reference';
}

function checkOne(credentials: CredentialResolver, credential: unknown): CredentialProblem[] {
  if (!isCredentialRef(credential))
    return [
      {
        field: 'credential',
        reason: 'is not a credential reference (type private-key, agent or password-env)',
      },
    ];
  return credentials.check(credential);
}

/** The whole worker-side check: the SSH credential references, then each vCenter the hosts name (issue #14). */
export async function checkCredentialsAndVcenters(
  credentials: CredentialResolver,
  input: CredentialCheckInput,
  connect: GovcConnect,
): Promise<CredentialCheckResult> {
  const ssh = checkCredentials(credentials, input);
  const vcenter = await checkVcenters(input.endpoints, connect);
  return { ...ssh, problems: [...ssh.problems, ...vcenter] };
}
