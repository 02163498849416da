import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { utils, type ParsedKey } from 'ssh2';
import type { CredentialProblem } from '../../common/credential-check';
import type { CredentialRef } from '../../common/targets';
import {
  AGENT_SOCKET_ENV,
  checkKeyPath,
  credentialPolicyProblems,
  type CredentialPolicy,
} from './credential-policy';

// Reading what a credential reference names, on the machine this runs on: the policy first (nothing
// it refuses is read), then the variable, socket or key file. The worker reads secrets this way for
// its connections and for its credential check; the CLI runs the same code for its early check, where
// "absent" (a variable not set or a file not there) may just mean the worker is another machine.

export type Environment = Record<string, string | undefined>;

export type CredentialSecret =
  | { type: 'password'; password: string }
  | { type: 'agent'; socket: string }
  | { type: 'key'; key: ParsedKey };

export interface ReadProblem extends CredentialProblem {
  /** The variable is not set or the file does not exist here (the reference itself may be fine). */
  absent: boolean;
}

export type CredentialRead = { ok: true; secret: CredentialSecret } | { ok: false; problems: ReadProblem[] };

/** Parsed keys by file identity and passphrase digest, so a key's KDF runs once per process. */
export type ParsedKeyCache = Map<string, ParsedKey>;

class Refusal extends Error {
  constructor(readonly problem: ReadProblem) {
    super(problem.reason);
  }
}

function refuse(field: CredentialProblem['field'], reason: string, absent = false): never {
  throw new Refusal({ field, reason, absent });
}

function variable(env: Environment, name: string, field: CredentialProblem['field'], what: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    refuse(field, `environment variable ${name} (${what}) is not set`, true);
  return value;
}

export function readCredential(
  ref: CredentialRef,
  env: Environment,
  policy: CredentialPolicy,
  cache?: ParsedKeyCache,
): CredentialRead {
  const refused = credentialPolicyProblems(ref, policy);
  if (refused.length > 0) return { ok: false, problems: refused.map((p) => ({ ...p, absent: false })) };
  try {
    switch (ref.type) {
      case 'password-env':
        return {
          ok: true,
          secret: { type: 'password', password: variable(env, ref.env, 'credential.env', 'the password') },
        };
      case 'agent': {
        const name = ref.socketEnv ?? AGENT_SOCKET_ENV;
        const field = ref.socketEnv ? 'credential.socketEnv' : 'credential';
        const socket = variable(env, name, field, 'the ssh-agent socket');
        let isSocket: boolean;
        try {
          isSocket = statSync(socket).isSocket();
        } catch {
          refuse(field, `the ssh-agent socket ${socket} (from ${name}) does not exist`, true);
        }
        if (!isSocket) refuse(field, `${socket} (from ${name}) is not a socket`);
        return { ok: true, secret: { type: 'agent', socket } };
      }
      case 'private-key': {
        const check = checkKeyPath(ref.path, policy);
        // Refused above already; checked again for the real path, the one that is read.
        if (!check.allowed) refuse('credential.path', check.reason);
        return { ok: true, secret: { type: 'key', key: readKey(ref, check.realPath, env, cache) } };
      }
    }
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, problems: [err.problem] };
    throw err;
  }
}

function readKey(
  ref: Extract<CredentialRef, { type: 'private-key' }>,
  realPath: string,
  env: Environment,
  cache: ParsedKeyCache | undefined,
): ParsedKey {
  const shown = realPath === ref.path ? ref.path : `${ref.path} (${realPath})`;
  const passphrase = ref.passphraseEnv === undefined ? undefined : env[ref.passphraseEnv];
  let cacheKey: string;
  let data: Buffer;
  try {
    const st = statSync(realPath);
    if (!st.isFile()) refuse('credential.path', `key file ${shown} is not a regular file`);
    cacheKey = `${realPath}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    if (passphrase) cacheKey += `\0${createHash('sha256').update(passphrase).digest('hex')}`;
    const cached = cache?.get(cacheKey);
    if (cached) return cached;
    data = readFileSync(realPath);
  } catch (err) {
    if (err instanceof Refusal) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      refuse('credential.path', `key file ${shown} does not exist`, true);
    if (code === 'EACCES' || code === 'EPERM') refuse('credential.path', `key file ${shown} is not readable`);
    refuse('credential.path', `key file ${shown} cannot be read (${code ?? 'unknown error'})`);
  }
  try {
    const key = parseKey(data, ref, passphrase, shown);
    cache?.set(cacheKey, key);
    return key;
  } finally {
    data.fill(0);
  }
}

/** Parsed without the passphrase first: that tells whether the file is a key and whether it is encrypted. */
function parseKey(
  data: Buffer,
  ref: Extract<CredentialRef, { type: 'private-key' }>,
  passphrase: string | undefined,
  shown: string,
): ParsedKey {
  const plain = firstParsedKey(utils.parseKey(data));
  if (!(plain instanceof Error)) {
    if (plain.getPrivatePEM() === null)
      refuse('credential.path', `${shown} holds a public key, not a private key`);
    return plain;
  }
  // ssh2's messages are fixed strings; they are mapped anyway, so nothing from the file can leak.
  if (!/encrypted|passphrase/i.test(plain.message))
    refuse(
      'credential.path',
      /unsupported/i.test(plain.message)
        ? `${shown} is not a private key in a format ssh2 reads (OpenSSH, PEM or PPK)`
        : `${shown} is not a private key ssh2 can parse`,
    );
  if (ref.passphraseEnv === undefined)
    refuse('credential.path', `key ${shown} is encrypted and no passphraseEnv is given`);
  if (!passphrase)
    refuse(
      'credential.passphraseEnv',
      `environment variable ${ref.passphraseEnv} (the passphrase of encrypted key ${shown}) is not set`,
      true,
    );
  const key = firstParsedKey(utils.parseKey(data, passphrase));
  if (key instanceof Error)
    refuse(
      'credential.passphraseEnv',
      `the passphrase from ${ref.passphraseEnv} does not decrypt key ${shown}`,
    );
  return key;
}

/** ssh2 returns an array for OpenSSH-format private keys at runtime; its typings do not say so. */
export function firstParsedKey(parsed: ParsedKey | Error): ParsedKey | Error {
  const value: unknown = parsed;
  if (Array.isArray(value)) return (value[0] as ParsedKey | undefined) ?? new Error('no key in the data');
  return parsed;
}
