import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';

// Who may talk to the codec server, which decrypts anything sent to it:
// - the Host header must be one the operator expects (a DNS-rebinding page sends its own name);
// - an Origin header, when present, must be an allowed UI origin or the codec server itself;
// - a codec request must carry the configured Authorization value (the CLI's --codec-auth), or a
//   session cookie that /login issues to a browser for that value (the Web UI cannot send a static
//   Authorization header; with "include credentials" it sends the cookie), unless authentication was
//   turned off explicitly, which is allowed on a loopback address only.

export const SESSION_COOKIE = 'ibfleet_codec_session';
export const SESSION_SECONDS = 12 * 60 * 60;

export interface CodecAccessOptions {
  /** The exact Authorization header value, or false: no authentication (loopback only). */
  authorization: string | false;
  /** Accepted Host header values, lower case, `name:port`. */
  allowedHosts: ReadonlySet<string>;
  /** Browser origins of the Web UI, e.g. http://localhost:8080. */
  corsOrigins: ReadonlySet<string>;
}

/** The Host values accepted when none are configured: the loopback names (and a specific bind address) with the port. */
export function defaultAllowedHosts(bindHost: string, port: number): string[] {
  const names = ['localhost', '127.0.0.1', '[::1]'];
  if (!isWildcardAddress(bindHost)) names.push(bracketed(bindHost.toLowerCase()));
  const withPort = [...new Set(names)].map((name) => `${name}:${port}`);
  // Browsers and curl leave out the default port.
  return port === 80 ? [...withPort, ...names] : withPort;
}

export function isLoopbackAddress(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost') return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  return name === '::1' || name === '::ffff:127.0.0.1';
}

function isWildcardAddress(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function hostAllowed(req: http.IncomingMessage, access: CodecAccessOptions): boolean {
  const host = req.headers.host?.trim().toLowerCase();
  return host !== undefined && access.allowedHosts.has(host);
}

/** No Origin (the CLI, curl), an allowed UI origin, or the codec server's own pages (/login). */
export function originAllowed(req: http.IncomingMessage, access: CodecAccessOptions): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (access.corsOrigins.has(origin)) return true;
  const host = req.headers.host?.trim().toLowerCase();
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** The Authorization header, or a valid session cookie; always true when authentication is off. */
export function authorized(
  req: http.IncomingMessage,
  access: CodecAccessOptions,
  now: number = Date.now(),
): boolean {
  if (access.authorization === false) return true;
  if (sameSecret(req.headers.authorization, access.authorization)) return true;
  return cookieValues(req.headers.cookie, SESSION_COOKIE).some((value) =>
    validSession(value, access.authorization as string, now),
  );
}

/** `<expires, unix seconds>.<HMAC-SHA256 keyed with the Authorization value>`: useless without that value. */
export function sessionValue(authorization: string, expiresAt: number): string {
  return `${expiresAt}.${sessionMac(authorization, expiresAt)}`;
}

export function sessionCookie(authorization: string, now: number = Date.now()): string {
  const expiresAt = Math.floor(now / 1000) + SESSION_SECONDS;
  // SameSite=Strict: sent by pages of the same site only (the UI on another localhost port is the
  // same site), never by a request another site's page starts.
  return `${SESSION_COOKIE}=${sessionValue(authorization, expiresAt)}; Max-Age=${SESSION_SECONDS}; Path=/; HttpOnly; SameSite=Strict`;
}

function validSession(value: string, authorization: string, now: number): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1000 <= now) return false;
  return timingSafeEqual(Buffer.from(match[2]), Buffer.from(sessionMac(authorization, expiresAt)));
}

function sessionMac(authorization: string, expiresAt: number): string {
  return createHmac('sha256', authorization)
    .update(`ibfleet-codec-session\n${expiresAt}`)
    .digest('base64url');
}

function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
}

/** Constant-time comparison that does not leak the expected value's length either. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
