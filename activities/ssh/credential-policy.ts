import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { CredentialProblem } from '../../common/credential-check';
import type { CredentialRef } from '../../common/targets';

// What a credential reference may name (issue #18.1). Whoever writes an inventory chooses each host's
// address and pinned key, so without a limit a reference could make the worker send any of its
// environment variables (TEMPORAL_API_KEY, the codec key, another fleet's password) or any file it can
// read to a server of their choosing. The worker's operator sets the limit; the worker applies it
// before connecting, and the CLI applies the same rule (this function) to say so early.

export const DEFAULT_ENV_PREFIXES: readonly string[] = ['IBFLEET_SSH_'];
export const DEFAULT_KEY_DIRS: readonly string[] = ['~/.ssh', '/etc/ibfleet/keys'];
/** The ssh-agent's usual variable: always allowed as an agent socket (it holds a path, not a secret). */
export const AGENT_SOCKET_ENV = 'SSH_AUTH_SOCK';
/** The worker's own settings and secrets: never a credential, whatever the configuration says. */
const RESERVED_ENV_PREFIXES = ['TEMPORAL_', 'IBFLEET_CODEC_', 'IBFLEET_CREDENTIAL_'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The settings (environment variables of the worker, and of the CLI for its early check). */
export const POLICY_ENV = {
  prefixes: 'IBFLEET_CREDENTIAL_ENV_PREFIXES',
  names: 'IBFLEET_CREDENTIAL_ENV_NAMES',
  keyDirs: 'IBFLEET_CREDENTIAL_KEY_DIRS',
} as const;

export interface CredentialPolicy {
  /** Variables whose name starts with one of these may hold a password, passphrase or agent socket. */
  envPrefixes: readonly string[];
  /** ... and these exact names. */
  envNames: readonly string[];
  /** Absolute directories private-key files must be in (after resolving symlinks and ".."). */
  keyDirs: readonly string[];
}

/** A setting of the policy itself is malformed: the worker does not start, the CLI exits 2. */
export class CredentialPolicyError extends Error {
  override readonly name = 'CredentialPolicyError';
}

function list(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.length > 0 ? items : undefined;
}

function isReserved(name: string): boolean {
  return RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The policy from IBFLEET_CREDENTIAL_ENV_PREFIXES (comma-separated; default IBFLEET_SSH_),
 * IBFLEET_CREDENTIAL_ENV_NAMES (comma-separated exact names; default none) and
 * IBFLEET_CREDENTIAL_KEY_DIRS (comma-separated directories, `~/` allowed; default ~/.ssh,/etc/ibfleet/keys).
 */
export function credentialPolicyFromEnv(
  env: Record<string, string | undefined>,
  homeDir: string = homedir(),
): CredentialPolicy {
  const envPrefixes = list(env[POLICY_ENV.prefixes]) ?? [...DEFAULT_ENV_PREFIXES];
  const envNames = list(env[POLICY_ENV.names]) ?? [];
  for (const [variable, values] of [
    [POLICY_ENV.prefixes, envPrefixes],
    [POLICY_ENV.names, envNames],
  ] as const)
    for (const v of values) {
      if (!ENV_NAME.test(v))
        throw new CredentialPolicyError(`${variable}: "${v}" is not an environment variable name (prefix)`);
      if (isReserved(v))
        throw new CredentialPolicyError(
          `${variable}: "${v}" would allow the worker's own settings (${RESERVED_ENV_PREFIXES.join('*, ')}*)`,
        );
    }
  const keyDirs = (list(env[POLICY_ENV.keyDirs]) ?? [...DEFAULT_KEY_DIRS]).map((d) => {
    const dir = d === '~' ? homeDir : d.startsWith('~/') ? join(homeDir, d.slice(2)) : d;
    if (!isAbsolute(dir))
      throw new CredentialPolicyError(`${POLICY_ENV.keyDirs}: "${d}" is not an absolute directory`);
    return dir;
  });
  return { envPrefixes, envNames, keyDirs };
}

function envRule(policy: CredentialPolicy): string {
  return [...policy.envPrefixes.map((p) => `${p}*`), ...policy.envNames].join(', ');
}

/** Why `name` may not be read as a credential, or undefined when it may. */
export function envNameRefusal(
  name: string,
  policy: CredentialPolicy,
  agentSocket = false,
): string | undefined {
  if (agentSocket && name === AGENT_SOCKET_ENV) return undefined;
  if (isReserved(name))
    return `environment variable ${name} is one of the worker's own settings and never a credential`;
  if (policy.envNames.includes(name) || policy.envPrefixes.some((p) => name.startsWith(p))) return undefined;
  return (
    `environment variable ${name} is not allowed as a credential (allowed: ${envRule(policy)}` +
    `${agentSocket ? `, ${AGENT_SOCKET_ENV}` : ''}; the worker's ${POLICY_ENV.prefixes} / ${POLICY_ENV.names} set this)`
  );
}

/**
 * The path with symlinks and ".." resolved as the OS would open it. A path that does not exist (yet)
 * is resolved as far as it exists, the rest appended: nothing is read from it anyway.
 */
export function realPathOf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(realPathOf(parent), basename(path));
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export type KeyPathCheck = { allowed: true; realPath: string } | { allowed: false; reason: string };

/** Whether a private-key path is inside an allowed directory; the real path is the one to read. */
export function checkKeyPath(path: string, policy: CredentialPolicy): KeyPathCheck {
  if (!isAbsolute(path)) return { allowed: false, reason: `key path ${path} is not absolute` };
  const realPath = realPathOf(path);
  if (policy.keyDirs.some((d) => isInside(realPath, realPathOf(d)))) return { allowed: true, realPath };
  const shown = realPath === path ? path : `${path} (${realPath})`;
  return {
    allowed: false,
    reason:
      `key file ${shown} is outside the directories keys may be read from ` +
      `(${policy.keyDirs.join(', ')}; the worker's ${POLICY_ENV.keyDirs} sets them)`,
  };
}

/** Everything a reference names that the policy does not allow (empty: allowed). */
export function credentialPolicyProblems(ref: CredentialRef, policy: CredentialPolicy): CredentialProblem[] {
  const problems: CredentialProblem[] = [];
  const env = (field: CredentialProblem['field'], name: string | undefined, agentSocket = false) => {
    const reason = name === undefined ? undefined : envNameRefusal(name, policy, agentSocket);
    if (reason) problems.push({ field, reason });
  };
  switch (ref.type) {
    case 'password-env':
      env('credential.env', ref.env);
      break;
    case 'agent':
      env('credential.socketEnv', ref.socketEnv, true);
      break;
    case 'private-key': {
      const check = checkKeyPath(ref.path, policy);
      if (!check.allowed) problems.push({ field: 'credential.path', reason: check.reason });
      env('credential.passphraseEnv', ref.passphraseEnv);
      break;
    }
  }
  return problems;
}
