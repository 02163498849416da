import {
  CredentialPolicyError,
  credentialPolicyFromEnv,
  type CredentialPolicy,
} from '../../activities/ssh/credential-policy';
import { readCredential, type ReadProblem } from '../../activities/ssh/credential-read';
import { credentialKey } from '../../activities/ssh/credentials';
import {
  endpointCredentials,
  type EndpointCredential,
  type EndpointCredentialProblem,
} from '../../common/credential-check';
import { UsageError } from '../cli-error';
import type { InventoryProblem } from './problems';
import type { Inventory } from './types';

// Credential references checked by the CLI before anything starts (issues #12 and #18.1), with the
// worker's own rule and reader (activities/ssh/credential-*.ts). The CLI may run on another machine
// than the worker, so what it can decide alone is: the policy (names and key directories, from the
// same IBFLEET_CREDENTIAL_* settings), and a key file that is here (readable, a private key, encrypted
// only with a passphrase reference). A variable not set here or a file not here is not an error here:
// the worker's check (which `rollout start` runs before starting) is the definitive one.

/** The worker's policy settings as given to the CLI; a malformed one is bad input (exit 2). */
export function cliCredentialPolicy(env: Record<string, string | undefined>): CredentialPolicy {
  try {
    return credentialPolicyFromEnv(env);
  } catch (err) {
    if (err instanceof CredentialPolicyError) throw new UsageError(err.message);
    throw err;
  }
}

/** Every endpoint of the inventory with its credential, in file order. */
export function inventoryEndpointCredentials(inv: Inventory): EndpointCredential[] {
  return endpointCredentials([...inv.hosts, ...inv.switches, ...inv.guestPairs]);
}

export interface LocalCredentialCheck {
  /** References that cannot work, by endpoint and field. */
  problems: EndpointCredentialProblem[];
  /** Distinct reasons a reference could not be checked here (left to the worker). */
  notHere: string[];
}

export function checkCredentialsHere(
  endpoints: readonly EndpointCredential[],
  env: Record<string, string | undefined>,
  policy: CredentialPolicy,
): LocalCredentialCheck {
  const byReference = new Map<string, ReadProblem[]>();
  const problems: EndpointCredentialProblem[] = [];
  const notHere = new Set<string>();
  for (const { endpoint, credential } of endpoints) {
    const key = credentialKey(credential);
    let found = byReference.get(key);
    if (!found) {
      const read = readCredential(credential, env, policy);
      found = read.ok ? [] : read.problems;
      byReference.set(key, found);
    }
    for (const p of found) {
      if (p.absent) notHere.add(`${p.reason} on this machine`);
      else problems.push({ endpoint, field: p.field, reason: p.reason });
    }
  }
  return { problems, notHere: [...notHere] };
}

/**
 * Problems as inventory problems: "FILE: clusters[0].hosts[1].credential.env: esx-02: reason". A
 * problem shared by many endpoints (a bad default key) names the first few, then how many more.
 */
export function credentialInventoryProblems(
  problems: readonly EndpointCredentialProblem[],
  file: string,
  targetPaths: ReadonlyMap<string, string>,
  suffix = '',
  maxPerProblem = 10,
): InventoryProblem[] {
  const out: InventoryProblem[] = [];
  const seen = new Map<string, number>();
  for (const p of problems) {
    const key = `${p.field}\0${p.reason}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n <= maxPerProblem) {
      const where = targetPaths.get(p.endpoint);
      out.push({
        file,
        path: where ? `${where}.${p.field}` : p.field,
        message: `${p.endpoint}: ${p.reason}${suffix}`,
      });
    }
  }
  for (const [key, n] of seen) {
    if (n <= maxPerProblem) continue;
    const [field, reason] = key.split('\0');
    out.push({
      file,
      path: '',
      message: `${n - maxPerProblem} more endpoint(s): ${field}: ${reason}${suffix}`,
    });
  }
  return out;
}
