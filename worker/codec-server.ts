import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { loadCodecFromEnv, PayloadDecryptionError } from '../client/codec/aes-gcm-codec';
import { PayloadJsonError, payloadsFromJson, payloadsToJson } from '../client/codec/payload-json';

// `npm run codec-server`: the Temporal codec server protocol over HTTP, so the Web UI and
// `temporal workflow show --codec-endpoint` can show ibfleet's encrypted payloads.
//   POST /encode, POST /decode (also /{namespace}/encode|decode), body { payloads: [...] } in proto JSON.
// It is a decryption service: bind it where only operators reach it, and set IBFLEET_CODEC_AUTH.

export const DEFAULT_CODEC_PORT = 8888;
export const DEFAULT_CORS_ORIGIN = 'http://localhost:8233';
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const ROUTE = /^(?:\/[^/]+)?\/(encode|decode)$/;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Browser origins allowed to call the server (the Temporal Web UI's). */
  corsOrigins?: string[];
  /** If set, requests must carry exactly this Authorization header value. */
  authorization?: string;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function codecServerOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Omit<CodecServerOptions, 'codec'> {
  const origins = (env.IBFLEET_CODEC_CORS_ORIGIN ?? DEFAULT_CORS_ORIGIN)
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin.length > 0);
  return {
    port: parsePort(env.IBFLEET_CODEC_PORT, DEFAULT_CODEC_PORT, 'IBFLEET_CODEC_PORT'),
    host: env.IBFLEET_CODEC_HOST || '0.0.0.0',
    corsOrigins: origins,
    authorization: env.IBFLEET_CODEC_AUTH || undefined,
  };
}

function parsePort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number`);
  return port;
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.corsOrigins ?? [DEFAULT_CORS_ORIGIN]);
  const server = http.createServer((req, res) => {
    handle(req, res, options, origins).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_PORT, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: CodecServerOptions,
  origins: ReadonlySet<string>,
): Promise<void> {
  const origin = req.headers.origin;
  const originAllowed = origin !== undefined && origins.has(origin);
  if (originAllowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  res.setHeader('Vary', 'Origin');

  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
  const route = ROUTE.exec(path);
  if (!route) return sendJson(res, 404, { error: 'not found' });

  if (req.method === 'OPTIONS') {
    if (!originAllowed) return sendJson(res, 403, { error: 'origin not allowed' });
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader(
      'Access-Control-Allow-Headers',
      req.headers['access-control-request-headers'] ?? 'Content-Type, X-Namespace, Authorization',
    );
    res.setHeader('Access-Control-Max-Age', '600');
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST, OPTIONS');
    return sendJson(res, 405, { error: 'method not allowed' });
  }
  if (options.authorization !== undefined && !sameSecret(req.headers.authorization, options.authorization)) {
    return sendJson(res, 401, { error: 'unauthorized' });
  }

  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
    return sendJson(res, 400, { error: 'body is not valid JSON' });
  }
  try {
    const payloads = payloadsFromJson(body);
    const result =
      route[1] === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    sendJson(res, 200, payloadsToJson(result));
  } catch (err) {
    if (err instanceof PayloadJsonError || err instanceof PayloadDecryptionError) {
      return sendJson(res, 400, { error: err.message });
    }
    throw err;
  }
}

class BodyTooLargeError extends Error {}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Constant-time comparison that does not leak the expected value's length either. */
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  const codec = loadCodecFromEnv();
  if (!codec) {
    throw new Error('no payload codec configured: set IBFLEET_CODEC_KEY_FILE or IBFLEET_CODEC_KEYS');
  }
  const options = codecServerOptionsFromEnv();
  const server = await startCodecServer({ codec, ...options });
  console.error(
    `codec server listening on ${server.url} (CORS origins: ${(options.corsOrigins ?? []).join(', ') || 'none'}; ` +
      `authorization ${options.authorization ? 'required' : 'NOT required'})`,
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`codec server: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
