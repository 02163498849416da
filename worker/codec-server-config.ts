import { CodecConfigError, readCodecConfigFile } from '../client/codec/keyring';

// The codec server's settings from the environment. Authentication is required unless turned off
// explicitly (IBFLEET_CODEC_AUTH=off, which startCodecServer accepts on a loopback address only).

export const DEFAULT_CODEC_PORT = 8888;
export const DEFAULT_CODEC_HOST = '127.0.0.1';
export const DEFAULT_CORS_ORIGIN = 'http://localhost:8233';
const MIN_AUTH_LENGTH = 16;

export interface CodecServerSettings {
  /** 0 picks a free port. */
  port?: number;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Browser origins allowed to call the server (the Temporal Web UI's). */
  corsOrigins?: string[];
  /**
   * The exact Authorization header value every codec request must carry (what the temporal CLI's
   * --codec-auth sends), or false to turn authentication off: refused unless `host` is loopback.
   */
  authorization: string | false;
  /** Host header values accepted (`name:port`); default: localhost, 127.0.0.1, [::1] with the port. */
  allowedHosts?: string[];
}

/**
 * IBFLEET_CODEC_PORT, IBFLEET_CODEC_HOST, IBFLEET_CODEC_CORS_ORIGIN, IBFLEET_CODEC_ALLOWED_HOSTS, and
 * IBFLEET_CODEC_AUTH or IBFLEET_CODEC_AUTH_FILE: one of the two is required.
 */
export function codecServerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CodecServerSettings {
  const allowedHosts = list(env.IBFLEET_CODEC_ALLOWED_HOSTS);
  return {
    port: parsePort(env.IBFLEET_CODEC_PORT, DEFAULT_CODEC_PORT, 'IBFLEET_CODEC_PORT'),
    host: env.IBFLEET_CODEC_HOST?.trim() || DEFAULT_CODEC_HOST,
    corsOrigins: list(env.IBFLEET_CODEC_CORS_ORIGIN ?? DEFAULT_CORS_ORIGIN).map((origin) =>
      origin.replace(/\/+$/, ''),
    ),
    authorization: authorizationFromEnv(env),
    ...(allowedHosts.length > 0 && { allowedHosts }),
  };
}

function authorizationFromEnv(env: NodeJS.ProcessEnv): string | false {
  const value = env.IBFLEET_CODEC_AUTH?.trim() || undefined;
  const file = env.IBFLEET_CODEC_AUTH_FILE?.trim() || undefined;
  if (value !== undefined && file !== undefined) {
    throw new CodecConfigError('set either IBFLEET_CODEC_AUTH or IBFLEET_CODEC_AUTH_FILE, not both');
  }
  if (value === 'off') return false;
  if (value !== undefined) return checkedAuthorization(value, 'IBFLEET_CODEC_AUTH');
  if (file !== undefined) {
    const content = readCodecConfigFile(file, 'IBFLEET_CODEC_AUTH_FILE');
    return checkedAuthorization(content.trim(), `IBFLEET_CODEC_AUTH_FILE ${file}`);
  }
  throw new CodecConfigError(
    'refusing to start without authentication: set IBFLEET_CODEC_AUTH (the Authorization header value ' +
      'clients must send, e.g. "Bearer <random>") or IBFLEET_CODEC_AUTH_FILE (a file holding it); ' +
      'IBFLEET_CODEC_AUTH=off turns authentication off, for local development on a loopback address only',
  );
}

/** An Authorization value clients can send and cannot guess easily. Messages never quote it. */
export function checkedAuthorization(value: string, source: string): string {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(value)) {
    throw new CodecConfigError(`${source} must be printable ASCII on one line (an HTTP header value)`);
  }
  if (value.length < MIN_AUTH_LENGTH) {
    throw new CodecConfigError(`${source} must be at least ${MIN_AUTH_LENGTH} characters long`);
  }
  return value;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function parsePort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number`);
  return port;
}
