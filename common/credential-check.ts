import type { CredentialRef, TargetRef } from './targets';
import type { VcenterRef } from './vcenter-schemas';

// The worker-side credential check (issue #12): before a rollout touches any host, every credential
// reference it uses is resolved on the worker — where the secrets are read — and what cannot work is
// reported per endpoint and field. Only references go in and only reasons come out: never a secret.

/** The field of an endpoint's `credential` a problem is about. */
export type CredentialField =
  | 'credential'
  | 'credential.path'
  | 'credential.passphraseEnv'
  | 'credential.env'
  | 'credential.socketEnv'
  | VcenterField;

/** The field of a host's `vcenter` a problem is about (issue #14). */
export type VcenterField =
  | 'vcenter'
  | 'vcenter.url'
  | 'vcenter.thumbprint'
  | 'vcenter.credential'
  | 'vcenter.credential.env'
  | 'vcenter.credential.path';

export interface CredentialProblem {
  field: CredentialField;
  /** Names the variable or file and why; never a value. */
  reason: string;
}

export interface EndpointCredential {
  /** The SSH endpoint (host, switch or guest) using the credential. */
  endpoint: string;
  credential: CredentialRef;
  /** An ESXi host's vCenter: the worker logs in, checks the pinned thumbprint and looks the host up. */
  vcenter?: VcenterRef;
}

export interface EndpointCredentialProblem extends CredentialProblem {
  endpoint: string;
}

export interface CredentialCheckInput {
  endpoints: EndpointCredential[];
}

export interface CredentialCheckResult {
  problems: EndpointCredentialProblem[];
  /** Distinct references resolved (each is read once, whatever the number of endpoints using it). */
  distinctReferences: number;
}

/** The workflow type the CLI runs to ask the worker (workflows/credential-check.ts). */
export const CREDENTIAL_CHECK_WORKFLOW_TYPE = 'credentialCheckWorkflow';

export function credentialCheckWorkflowId(id: string): string {
  return `ibfleet/credential-check/${id}`;
}

/** Every SSH endpoint of the targets with its credential (both guests of a pair). */
export function endpointCredentials(targets: readonly TargetRef[]): EndpointCredential[] {
  return targets.flatMap((t) =>
    t.kind === 'guest-pair'
      ? [
          { endpoint: t.server.name, credential: t.server.credential },
          { endpoint: t.client.name, credential: t.client.credential },
        ]
      : [
          {
            endpoint: t.name,
            credential: t.credential,
            // Only when there is one: inputs without a vCenter stay exactly as before (replay).
            ...(t.kind === 'esxi' && t.vcenter ? { vcenter: t.vcenter } : {}),
          },
        ],
  );
}

/**
 * One line per distinct problem, naming the endpoints it affects (at most `maxNames` of them): a
 * fleet sharing one bad default key gives one line, not a thousand.
 */
export function summarizeCredentialProblems(
  problems: readonly EndpointCredentialProblem[],
  maxNames = 10,
): string[] {
  const groups = new Map<string, { problem: CredentialProblem; endpoints: string[] }>();
  for (const p of problems) {
    const key = `${p.field}\0${p.reason}`;
    const group = groups.get(key) ?? { problem: { field: p.field, reason: p.reason }, endpoints: [] };
    group.endpoints.push(p.endpoint);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ problem, endpoints }) => {
    const shown = endpoints.slice(0, maxNames).join(', ');
    const more = endpoints.length > maxNames ? ` and ${endpoints.length - maxNames} more` : '';
    return `${shown}${more}: ${problem.field}: ${problem.reason}`;
  });
}
