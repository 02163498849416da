import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { loadCodecFromEnv, PayloadDecryptionError } from '../client/codec/aes-gcm-codec';
import { CodecConfigError } from '../client/codec/keyring';
import { PayloadJsonError, payloadsFromJson, payloadsToJson } from '../client/codec/payload-json';
import {
  authorized,
  type CodecAccessOptions,
  defaultAllowedHosts,
  hostAllowed,
  isLoopbackAddress,
  originAllowed,
  sameSecret,
  sessionCookie,
  SESSION_SECONDS,
} from './codec-access';
import {
  checkedAuthorization,
  codecServerSettingsFromEnv,
  type CodecServerSettings,
  DEFAULT_CODEC_HOST,
  DEFAULT_CODEC_PORT,
  DEFAULT_CORS_ORIGIN,
} from './codec-server-config';

// `npm run codec-server`: the Temporal codec server protocol over HTTP, so the Web UI and
// `temporal workflow show --codec-endpoint` can show ibfleet's encrypted payloads.
//   POST /encode, POST /decode (also /{namespace}/encode|decode), body { payloads: [...] } in proto JSON.
//   GET|POST /login: signs a browser in (session cookie) for the Web UI.   GET /healthz: liveness.
// It is a decryption service: it binds loopback and requires authentication unless told otherwise
// (see codec-access.ts for the checks, codec-server-config.ts for the settings).

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_LOGIN_BYTES = 4096;
const ROUTE = /^(?:\/[^/]+)?\/(encode|decode)$/;

export interface CodecServerOptions extends CodecServerSettings {
  codec: PayloadCodec;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? DEFAULT_CODEC_HOST;
  if (options.authorization === false && !isLoopbackAddress(host)) {
    throw new CodecConfigError(
      `authentication can be turned off (IBFLEET_CODEC_AUTH=off) only on a loopback address, ` +
        `not on ${host}: set IBFLEET_CODEC_AUTH or IBFLEET_CODEC_AUTH_FILE`,
    );
  }
  if (options.authorization !== false) checkedAuthorization(options.authorization, 'the authorization value');
  const allowedHosts = new Set((options.allowedHosts ?? []).map((allowed) => allowed.toLowerCase()));
  const access: CodecAccessOptions = {
    authorization: options.authorization,
    allowedHosts,
    corsOrigins: new Set(options.corsOrigins ?? [DEFAULT_CORS_ORIGIN]),
  };
  const server = http.createServer((req, res) => {
    handle(req, res, options.codec, access).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  if (!options.allowedHosts) {
    for (const allowed of defaultAllowedHosts(host, port)) allowedHosts.add(allowed);
  }
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
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
  codec: PayloadCodec,
  access: CodecAccessOptions,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  // Liveness only, for container health checks (which use the container's own address as Host).
  if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
  // Before anything else: a DNS-rebinding page reaches this server under its own host name.
  if (!hostAllowed(req, access)) {
    return sendJson(res, 403, { error: 'Host not allowed (see IBFLEET_CODEC_ALLOWED_HOSTS)' });
  }
  if (!originAllowed(req, access)) return sendJson(res, 403, { error: 'origin not allowed' });
  const origin = req.headers.origin;
  if (origin !== undefined && access.corsOrigins.has(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  res.setHeader('Vary', 'Origin');

  if (path === '/login') return handleLogin(req, res, access);
  const route = ROUTE.exec(path);
  if (!route) return sendJson(res, 404, { error: 'not found' });

  if (req.method === 'OPTIONS') {
    // Preflights carry no credentials; the request that follows is checked.
    if (origin === undefined || !access.corsOrigins.has(origin)) {
      return sendJson(res, 403, { error: 'origin not allowed' });
    }
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
  if (!authorized(req, access)) {
    return sendJson(res, 401, {
      error: 'unauthorized: send the configured Authorization header, or sign in at /login',
    });
  }

  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: err.message });
    return sendJson(res, 400, { error: 'body is not valid JSON' });
  }
  try {
    const payloads = payloadsFromJson(body);
    const result = route[1] === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    sendJson(res, 200, payloadsToJson(result));
  } catch (err) {
    if (err instanceof PayloadJsonError || err instanceof PayloadDecryptionError) {
      return sendJson(res, 400, { error: err.message });
    }
    throw err;
  }
}

/** GET: a form for the Authorization value; POST: checks it and sets the session cookie. */
async function handleLogin(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  access: CodecAccessOptions,
): Promise<void> {
  if (access.authorization === false) {
    return sendHtml(
      res,
      404,
      '<p>Authentication is off (IBFLEET_CODEC_AUTH=off): nothing to sign in to.</p>',
    );
  }
  if (req.method === 'GET') return sendHtml(res, 200, loginForm(''));
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, POST');
    return sendJson(res, 405, { error: 'method not allowed' });
  }
  let token: string | null;
  try {
    token = new URLSearchParams(await readBody(req, MAX_LOGIN_BYTES)).get('token');
  } catch {
    return sendHtml(res, 413, loginForm('The request is too large.'));
  }
  if (!sameSecret(token?.trim() ?? undefined, access.authorization)) {
    return sendHtml(res, 401, loginForm('That is not the configured value.'));
  }
  res.setHeader('Set-Cookie', sessionCookie(access.authorization));
  sendHtml(
    res,
    200,
    `<p>Signed in for ${SESSION_SECONDS / 3600} hours. The Web UI can decode payloads now if it ` +
      `sends credentials to this server (TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true, or ` +
      `"Include cross-origin credentials" in its codec server settings).</p>`,
  );
}

function loginForm(message: string): string {
  return (
    (message ? `<p><strong>${message}</strong></p>` : '') +
    '<form method="post"><label>Authorization value (IBFLEET_CODEC_AUTH) ' +
    '<input type="password" name="token" autocomplete="off" required></label> ' +
    '<button type="submit">Sign in</button></form>'
  );
}

function sendHtml(res: http.ServerResponse, status: number, body: string): void {
  const text = `<!doctype html><html><head><meta charset="utf-8"><title>ibfleet codec server</title></head><body><h1>ibfleet codec server</h1>${body}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    // No scripts, no framing (clickjacking), the form posts only back here.
    'Content-Security-Policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(text);
}

class BodyTooLargeError extends Error {}

async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new BodyTooLargeError(`body larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  // Shows payloads only: SDK markers and histories from before encryption are plain and shown as they are.
  const codec = loadCodecFromEnv(process.env, { passPlaintext: true });
  if (!codec) {
    throw new Error('no payload codec configured: set IBFLEET_CODEC_KEY_FILE or IBFLEET_CODEC_KEYS');
  }
  const options = codecServerSettingsFromEnv();
  const server = await startCodecServer({ codec, ...options });
  console.error(
    `codec server listening on ${server.url} (CORS origins: ${(options.corsOrigins ?? []).join(', ') || 'none'}; ` +
      (options.authorization === false
        ? 'authentication OFF: any local process can decrypt payloads)'
        : 'authorization required)'),
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
