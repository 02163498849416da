import { z } from 'zod';

// A URL the worker calls (a notification endpoint, a health gate), as a workflow input may carry it.
// A URL that carries a secret (a Slack webhook's path, a token in the query, user:password@) must not
// be written into a workflow input, where it would stay in the history: such URLs are given as
// references, `env:NAME`, the name of an environment variable of the WORKER that holds the URL. The
// worker reads it when it calls (activities/url-ref.ts), under the SSH credential policy
// (activities/ssh/credential-policy.ts) widened by the IBFLEET_NOTIFY_ prefix.

/** Environment variables with this prefix may hold URLs for the worker (besides the credential policy's). */
export const URL_ENV_PREFIX = 'IBFLEET_NOTIFY_';
/** Never a URL reference: the worker's own settings and secrets. */
const RESERVED_ENV_PREFIXES = ['TEMPORAL_', 'IBFLEET_CODEC_', 'IBFLEET_CREDENTIAL_'];
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Query parameters that usually carry a secret; a literal URL with one is refused. */
const SECRET_QUERY = /^(?:.*token.*|.*secret.*|.*passw.*|.*key|sig|signature|auth.*|code|credential.*)$/i;
const SLACK_HOOK_HOSTS = ['hooks.slack.com'];

export function isSlackHookUrl(url: URL): boolean {
  return SLACK_HOOK_HOSTS.includes(url.hostname.toLowerCase());
}

/** Why a literal URL may not be carried in a workflow input, or undefined. */
export function literalUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be http(s), not ${url.protocol}`;
  if (url.username || url.password) return 'carries user:password@; pass it as env:NAME instead';
  if (isSlackHookUrl(url)) return 'is a Slack webhook, whose path is its secret; pass it as env:NAME instead';
  const secret = [...url.searchParams.keys()].find((k) => SECRET_QUERY.test(k));
  if (secret !== undefined)
    return `carries a secret-looking query parameter "${secret}"; pass it as env:NAME instead`;
  if (url.hash) return 'must not have a #fragment';
  return undefined;
}

export function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p));
}

export const urlRefSchema = z.union([
  z.strictObject({
    /** A literal http(s) URL without secrets (literalUrlProblem). */
    url: z.string().superRefine((u, ctx) => {
      const problem = literalUrlProblem(u);
      if (problem) ctx.addIssue({ code: 'custom', message: `the URL ${problem}` });
    }),
  }),
  z.strictObject({
    /** The worker's environment variable holding the URL. */
    env: z
      .string()
      .regex(ENV_NAME, 'must be an environment variable name')
      .refine((n) => !isReservedEnvName(n), "must not name one of the worker's own settings"),
  }),
]);
export type UrlRef = z.infer<typeof urlRefSchema>;

export class UrlRefError extends Error {
  override readonly name = 'UrlRefError';
}

/** `http(s)://...` or `env:NAME`; throws UrlRefError with the reason (never echoing a secret URL). */
export function parseUrlRef(text: string): UrlRef {
  if (text.startsWith('env:')) {
    const env = text.slice(4);
    if (!ENV_NAME.test(env)) throw new UrlRefError(`"${env}" is not an environment variable name`);
    if (isReservedEnvName(env))
      throw new UrlRefError(`${env} is one of the worker's own settings and never a URL reference`);
    return { env };
  }
  if (!/^https?:\/\//i.test(text))
    throw new UrlRefError(
      `must be an http(s) URL or env:NAME (an environment variable of the worker holding the URL)`,
    );
  const problem = literalUrlProblem(text);
  // Do not print a URL that holds a secret back: only where it points.
  if (problem) throw new UrlRefError(`the URL to ${hostOf(text)} ${problem}`);
  return { url: text };
}

function hostOf(text: string): string {
  try {
    return new URL(text).host;
  } catch {
    return '(unparsable)';
  }
}

/** How a reference is named in messages, reports and the UI: never a secret. */
export function describeUrlRef(ref: UrlRef): string {
  return 'env' in ref ? `env:${ref.env}` : ref.url;
}
