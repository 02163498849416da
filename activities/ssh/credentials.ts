import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { inspect } from 'node:util';
import { utils, type AnyAuthMethod, type ParsedKey } from 'ssh2';
import type { CredentialRef } from '../../common/targets';
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

export type Environment = Record<string, string | undefined>;

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
  return ref.socketEnv ?? 'SSH_AUTH_SOCK';
}

/** Makes an object print as "[secret]" in util.inspect / console.log / JSON.stringify. */
export function hideFromLogs<T extends object>(obj: T): T {
  Object.defineProperty(obj, 'toJSON', { value: () => '[secret]', enumerable: false });
  Object.defineProperty(obj, inspect.custom, { value: () => '[secret]', enumerable: false });
  return obj;
}

/**
 * Resolves credential references. Parsed private keys are cached (by path, file identity and a digest
 * of the passphrase), so an encrypted key's KDF runs once per worker, not once per connection.
 */
export class CredentialResolver {
  private readonly parsedKeys = new Map<string, ParsedKey>();

  constructor(private readonly env: Environment = process.env) {}

  async resolve(ref: CredentialRef, endpoint: EndpointLabel, username: string): Promise<ResolvedCredential> {
    const description = describeCredential(ref);
    const unavailable = (why: string) =>
      new CredentialUnavailableError(`Cannot use ${description} for ${endpoint.name}: ${why}`, endpoint);
    switch (ref.type) {
      case 'password-env': {
        const password = this.env[ref.env];
        if (password === undefined || password === '') {
          throw unavailable(`environment variable ${ref.env} is not set on this worker`);
        }
        // ESXi's sshd often offers only keyboard-interactive (PAM): answer its password prompt too.
        const authHandler: AnyAuthMethod[] = [
          { type: 'password', username, password },
          {
            type: 'keyboard-interactive',
            username,
            prompt: (_name, _instructions, _lang, prompts, finish) =>
              finish(prompts.map((p) => (/pass(word|code|phrase)?/i.test(p.prompt) ? password : ''))),
          },
        ];
        return { description, connectConfig: hideFromLogs({ authHandler }) };
      }
      case 'agent': {
        const variable = agentSocketVariable(ref);
        const socket = this.env[variable];
        if (socket === undefined || socket === '') {
          throw unavailable(
            `environment variable ${variable} (the ssh-agent socket) is not set on this worker`,
          );
        }
        return {
          description,
          connectConfig: hideFromLogs({ authHandler: [{ type: 'agent', username, agent: socket }] }),
        };
      }
      case 'private-key': {
        let passphrase: string | undefined;
        if (ref.passphraseEnv !== undefined) {
          passphrase = this.env[ref.passphraseEnv];
          if (passphrase === undefined) {
            throw unavailable(
              `environment variable ${ref.passphraseEnv} (the key passphrase) is not set on this worker`,
            );
          }
        }
        const key = await this.loadKey(ref.path, passphrase, unavailable);
        return {
          description,
          connectConfig: hideFromLogs({ authHandler: [{ type: 'publickey', username, key }] }),
        };
      }
    }
  }

  private async loadKey(
    path: string,
    passphrase: string | undefined,
    unavailable: (why: string) => CredentialUnavailableError,
  ): Promise<ParsedKey> {
    let identity: string;
    try {
      const st = await stat(path);
      identity = `${path}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      throw unavailable(fileProblem(err));
    }
    const cacheKey =
      passphrase === undefined
        ? identity
        : `${identity}\0${createHash('sha256').update(passphrase).digest('hex')}`;
    const cached = this.parsedKeys.get(cacheKey);
    if (cached) return cached;

    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      throw unavailable(fileProblem(err));
    }
    const key = firstParsedKey(utils.parseKey(data, passphrase));
    data.fill(0);
    if (key instanceof Error) throw unavailable(keyProblem(key.message, passphrase !== undefined));
    if (key.getPrivatePEM() === null) throw unavailable('the file does not contain a private key');
    this.parsedKeys.set(cacheKey, key);
    return key;
  }
}

/** ssh2 returns an array for OpenSSH-format private keys at runtime; its typings do not say so. */
export function firstParsedKey(parsed: ParsedKey | Error): ParsedKey | Error {
  const value: unknown = parsed;
  if (Array.isArray(value)) return (value[0] as ParsedKey | undefined) ?? new Error('no key in the data');
  return parsed;
}

function fileProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'the key file does not exist on this worker';
  if (code === 'EACCES' || code === 'EPERM') return 'the key file is not readable by the worker';
  return `the key file cannot be read (${code ?? 'unknown error'})`;
}

/** ssh2's parse messages are fixed strings, but map them anyway so nothing from the file can leak. */
function keyProblem(message: string, hadPassphrase: boolean): string {
  if (/passphrase|decrypt|encrypted/i.test(message)) {
    return hadPassphrase
      ? 'the passphrase does not decrypt the key'
      : 'the key is encrypted and no passphraseEnv is set';
  }
  if (/unsupported/i.test(message)) return 'unsupported key type or format';
  return 'the file is not a private key ssh2 can parse';
}
