import { URL_ENV_PREFIX, type UrlRef } from '../common/url-ref';
import { credentialPolicyFromEnv, envNameRefusal } from './ssh/credential-policy';

// A URL reference (common/url-ref.ts) resolved on the worker. An env: reference is read here, under
// the SSH credential policy (IBFLEET_CREDENTIAL_ENV_PREFIXES / _NAMES) widened by IBFLEET_NOTIFY_*.
// The URL it holds is a secret: it never appears in a message, a result or a log, only its host does.

export type Environment = Record<string, string | undefined>;

/** The reference cannot be used on this worker (refused by the policy, unset, not a URL). Not retryable. */
export class UrlRefRefusal extends Error {
  override readonly name = 'UrlRefRefusal';
}

/** Why the worker may not read `name` as a URL, or undefined when it may. */
export function urlEnvRefusal(name: string, env: Environment): string | undefined {
  let policy;
  try {
    policy = credentialPolicyFromEnv(env);
  } catch (err) {
    return `the worker's credential policy is malformed: ${(err as Error).message}`;
  }
  const widened = { ...policy, envPrefixes: [...policy.envPrefixes, URL_ENV_PREFIX] };
  return envNameRefusal(name, widened)?.replace('as a credential', 'to hold a URL');
}

export interface ResolvedUrl {
  url: URL;
  /** Safe to show: the literal URL, or the reference and the host it points to. */
  label: string;
}

export function resolveUrlRef(ref: UrlRef, env: Environment): ResolvedUrl {
  let text: string;
  const label = 'env' in ref ? `env:${ref.env}` : ref.url;
  if ('env' in ref) {
    const refusal = urlEnvRefusal(ref.env, env);
    if (refusal) throw new UrlRefRefusal(`${label}: ${refusal}`);
    const value = env[ref.env];
    if (value === undefined || value.trim() === '')
      throw new UrlRefRefusal(`${label}: the variable is not set on this worker`);
    text = value.trim();
  } else {
    text = ref.url;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UrlRefRefusal(`${label}: does not hold a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UrlRefRefusal(`${label}: must be an http(s) URL (it is ${url.protocol})`);
  return { url, label: 'env' in ref ? `${label} (${url.host})` : label };
}

/** The part of a network error that is safe to show: its code (undici's messages may quote the URL). */
export function networkErrorCode(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
  return e.cause?.code ?? e.name ?? 'error';
}
