import { inspect } from 'node:util';
import type { AnyAuthMethod } from 'ssh2';
import type { CredentialProblem } from '../../common/credential-check';
import type { CredentialRef } from '../../common/targets';
import { AGENT_SOCKET_ENV, credentialPolicyFromEnv, type CredentialPolicy } from './credential-policy';
import {
  firstParsedKey,
  readCredential,
  type CredentialSecret,
  type Environment,
  type ParsedKeyCache,
} from './credential-read';
import { CredentialUnavailableError, type EndpointLabel } from './errors';

// Workflows carry credential *references*; the secret is looked up here, inside the worker, and
// only ever placed in the ssh2 connect config. Errors name the file or the variable, never a value.

/**
 * The ssh2 connect-config field a credential sets: an explicit list of auth methods, tried in order
 * (no "none" probe; a parsed key object so an encrypted key is decrypted once, not per connection).
 */
export interface CredentialConnectConfig {
  authHandler: AnyAuthMethod[];
}

export interface ResolvedCredential {
  /** Safe to log: "private key /path", "ssh-agent ($SSH_AUTH_SOCK)", "password from $VAR". */
  description: string;
  /** The only place the secret lives. Renders as "[secret]" if logged or serialized by mistake. */
  connectConfig: CredentialConnectConfig;
}

export type { Environment };

/** A log-safe description of a credential reference. */
export function describeCredential(ref: CredentialRef): string {
  switch (ref.type) {
    case 'private-key':
      return (
        `private key ${ref.path}` + (ref.passphraseEnv ? ` (passphrase from $${ref.passphraseEnv})` : '')
      );
    case 'agent':
      return `ssh-agent ($${agentSocketVariable(ref)})`;
    case 'password-env':
      return `password from $${ref.env}`;
  }
}

/** A stable pool key for a reference (references hold no secrets). */
export function credentialKey(ref: CredentialRef): string {
  switch (ref.type) {
    case 'private-key':
      return `key:${ref.path}:${ref.passphraseEnv ?? ''}`;
    case 'agent':
      return `agent:${ref.socketEnv ?? ''}`;
    case 'password-env':
      return `password-env:${ref.env}`;
  }
}

function agentSocketVariable(ref: Extract<CredentialRef, { type: 'agent' }>): string {
  return ref.socketEnv ?? AGENT_SOCKET_ENV;
}

/** Makes an object print as "[secret]" in util.inspect / console.log / JSON.stringify. */
export function hideFromLogs<T extends object>(obj: T): T {
  Object.defineProperty(obj, 'toJSON', { value: () => '[secret]', enumerable: false });
  Object.defineProperty(obj, inspect.custom, { value: () => '[secret]', enumerable: false });
  return obj;
}

/**
 * Resolves credential references on the worker: only what the operator's credential policy allows
 * (credential-policy.ts; refused before any connection), then the variable, agent socket or key file.
 * Parsed private keys are cached, so an encrypted key's KDF runs once per worker, not per connection.
 */
export class CredentialResolver {
  private readonly parsedKeys: ParsedKeyCache = new Map();

  /**
   * @param env where secrets are looked up (the worker's environment)
   * @param policy what references may name; by default the worker's IBFLEET_CREDENTIAL_* settings
   */
  constructor(
    private readonly env: Environment = process.env,
    readonly policy: CredentialPolicy = credentialPolicyFromEnv(process.env),
  ) {}

  /** The secret for a connection, or CredentialUnavailableError (non-retryable) naming the field and why. */
  resolve(ref: CredentialRef, endpoint: EndpointLabel, username: string): Promise<ResolvedCredential> {
    const description = describeCredential(ref);
    const read = readCredential(ref, this.env, this.policy, this.parsedKeys);
    if (!read.ok)
      return Promise.reject(
        new CredentialUnavailableError(
          `Cannot use ${description} for ${endpoint.name} on this worker: ` +
            read.problems.map((p) => `${p.field}: ${p.reason}`).join('; '),
          endpoint,
        ),
      );
    const connectConfig = hideFromLogs({ authHandler: authMethods(read.secret, username) });
    return Promise.resolve({ description, connectConfig });
  }

  /** What keeps a reference from working on this worker (empty when it would work); reads, never returns, secrets. */
  check(ref: CredentialRef): CredentialProblem[] {
    const read = readCredential(ref, this.env, this.policy, this.parsedKeys);
    return read.ok ? [] : read.problems.map(({ field, reason }) => ({ field, reason }));
  }
}

function authMethods(secret: CredentialSecret, username: string): AnyAuthMethod[] {
  switch (secret.type) {
    case 'password': {
      const { password } = secret;
      // ESXi's sshd often offers only keyboard-interactive (PAM): answer its password prompt too.
      return [
        { type: 'password', username, password },
        {
          type: 'keyboard-interactive',
          username,
          prompt: (_name, _instructions, _lang, prompts, finish) =>
            finish(prompts.map((p) => (/pass(word|code|phrase)?/i.test(p.prompt) ? password : ''))),
        },
      ];
    }
    case 'agent':
      return [{ type: 'agent', username, agent: secret.socket }];
    case 'key':
      return [{ type: 'publickey', username, key: secret.key }];
  }
}

export { firstParsedKey };
