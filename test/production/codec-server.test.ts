import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { AesGcmCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID } from '../../client/codec/aes-gcm-codec';
import { CodecConfigError, makeKeyring } from '../../client/codec/keyring';
import { SESSION_COOKIE, sessionValue } from '../../worker/codec-access';
import { startCodecServer, type CodecServer } from '../../worker/codec-server';
import { codecServerSettingsFromEnv } from '../../worker/codec-server-config';
import { ensureCodecAuthFile } from '../../worker/codec-token';

const root = path.resolve(__dirname, '..', '..');
const codec = new AesGcmCodec(makeKeyring('k1', [['k1', randomBytes(32).toString('base64')]]));
const AUTH = 'Bearer test-codec-token-0123456789';
const uiOrigin = 'http://ui.example:8080';
const plainPayload = { metadata: { encoding: btoa('json/plain') }, data: btoa('"hi"') };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, so the test controls Host (fetch does not let it) and every other header. */
function request(
  server: CodecServer,
  route: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}${route}`,
      { method: options.method ?? 'POST', headers: options.headers, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

const decodeBody = JSON.stringify({ payloads: [] });
const json = { 'Content-Type': 'application/json' };

describe('production: codec server (Temporal codec server protocol)', () => {
  let server: CodecServer;
  before(async () => {
    server = await startCodecServer({ codec, port: 0, corsOrigins: [uiOrigin], authorization: AUTH });
  });
  after(() => server.close());

  const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: AUTH, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  it('encodes and decodes over HTTP, with the JSON shape the UI and CLI use', async () => {
    const encodeRes = await post('/encode', { payloads: [plainPayload] }, { Origin: uiOrigin });
    assert.equal(encodeRes.status, 200);
    assert.equal(encodeRes.headers.get('access-control-allow-origin'), uiOrigin);
    const encoded = (await encodeRes.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    assert.equal(atob(encoded.payloads[0].metadata.encoding), ENCRYPTED_ENCODING);
    assert.equal(atob(encoded.payloads[0].metadata[METADATA_KEY_ID]), 'k1');

    // The namespace-prefixed route is what `--codec-endpoint 'http://host/{namespace}'` produces.
    const decodeRes = await post('/default/decode', encoded, { 'X-Namespace': 'default' });
    assert.equal(decodeRes.status, 200);
    assert.deepEqual(await decodeRes.json(), { payloads: [plainPayload] });
  });

  it('answers CORS preflight (no credentials) for the configured UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
        signal: AbortSignal.timeout(10_000),
      });
    const allowed = await preflight(uiOrigin);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), uiOrigin);
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');

    const denied = await preflight('http://evil.example');
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
  });

  it('rejects bad requests with 4xx and a reason', async () => {
    assert.equal((await post('/decode', { nope: true })).status, 400);
    assert.equal((await post('/decode', { payloads: [{ data: '***' }] })).status, 400);
    const tampered = await post('/decode', {
      payloads: [
        {
          metadata: { encoding: btoa(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: btoa('k1') },
          data: randomBytes(40).toString('base64'),
        },
      ],
    });
    assert.equal(tampered.status, 400);
    assert.match(((await tampered.json()) as { error: string }).error, /failed authentication/);
    assert.equal((await post('/elsewhere', { payloads: [] })).status, 404);
    const get = await fetch(`${server.url}/decode`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(get.status, 405);
  });

  it('refuses requests without the Authorization value, or with a wrong one', async () => {
    const call = (headers: Record<string, string>) =>
      request(server, '/decode', { headers, body: decodeBody });
    assert.equal((await call(json)).status, 401);
    assert.equal((await call({ ...json, Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await call({ ...json, Authorization: `${AUTH}x` })).status, 401);
    assert.equal((await call({ ...json, Authorization: AUTH.slice(0, -1) })).status, 401);
    // From the allowed UI origin too: an origin is not a credential.
    assert.equal((await call({ ...json, Origin: uiOrigin })).status, 401);
    assert.equal((await call({ ...json, Authorization: AUTH })).status, 200);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the right Authorization', async () => {
    const call = (host: string) =>
      request(server, '/decode', { headers: { ...json, Authorization: AUTH, Host: host }, body: decodeBody });
    for (const host of ['evil.example', `evil.example:${server.port}`, `localhost:${server.port + 1}`]) {
      const reply = await call(host);
      assert.equal(reply.status, 403, host);
      assert.match(reply.body, /Host not allowed/);
    }
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `LOCALHOST:${server.port}`]) {
      assert.equal((await call(host)).status, 200, host);
    }
    // Liveness stays reachable under the container's own name (Docker and Kubernetes probes).
    const health = await request(server, '/healthz', {
      method: 'GET',
      headers: { Host: 'codec-container:8888' },
    });
    assert.equal(health.status, 200);
    assert.equal(health.body, '{"status":"ok"}');
  });

  it('refuses a foreign Origin even with the right Authorization', async () => {
    const call = (origin: string) =>
      request(server, '/decode', {
        headers: { ...json, Authorization: AUTH, Origin: origin },
        body: decodeBody,
      });
    for (const origin of ['http://evil.example', 'null', `http://localhost:${server.port + 1}`]) {
      const reply = await call(origin);
      assert.equal(reply.status, 403, origin);
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
    }
    assert.equal((await call(uiOrigin)).status, 200);
  });

  it('signs a browser in at /login with a session cookie the Web UI sends along', async () => {
    const page = await request(server, '/login', { method: 'GET' });
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post">/);
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);

    const login = (token: string, headers: Record<string, string> = {}) =>
      request(server, '/login', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ token }).toString(),
      });
    const wrong = await login('Bearer not-the-token-at-all');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    // Another site's page cannot post the form (and gets no cookie from it).
    assert.equal((await login(AUTH, { Origin: 'http://evil.example' })).status, 403);

    const ok = await login(AUTH, {
      Origin: `http://localhost:${server.port}`,
      Host: `localhost:${server.port}`,
    });
    assert.equal(ok.status, 200);
    const setCookie = ok.headers['set-cookie']?.[0] ?? '';
    assert.match(setCookie, new RegExp(`^${SESSION_COOKIE}=\\d+\\.[A-Za-z0-9_-]{43}; `));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.ok(!setCookie.includes(AUTH.split(' ')[1]), 'the cookie does not carry the Authorization value');
    const cookie = setCookie.split(';')[0];

    const decode = (cookieHeader: string) =>
      request(server, '/decode', {
        headers: { ...json, Origin: uiOrigin, Cookie: cookieHeader },
        body: decodeBody,
      });
    assert.equal((await decode(`other=1; ${cookie}`)).status, 200);
    const [name, value] = cookie.split('=');
    const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    assert.equal((await decode(`${name}=${flipped}`)).status, 401, 'tampered session');
    const past = Math.floor(Date.now() / 1000) - 1;
    assert.equal((await decode(`${name}=${sessionValue(AUTH, past)}`)).status, 401, 'expired session');
    const future = Math.floor(Date.now() / 1000) + 3600;
    const foreign = sessionValue('Bearer some-other-token-value', future);
    assert.equal((await decode(`${name}=${foreign}`)).status, 401, 'session for another value');
  });

  it('binds loopback by default', async () => {
    const defaults = await startCodecServer({ codec, port: 0, authorization: AUTH });
    try {
      assert.match(defaults.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await defaults.close();
    }
    assert.equal(codecServerSettingsFromEnv({ IBFLEET_CODEC_AUTH: AUTH }).host, '127.0.0.1');
  });

  it('accepts the configured Host names only, when IBFLEET_CODEC_ALLOWED_HOSTS is set', async () => {
    const settings = codecServerSettingsFromEnv({
      IBFLEET_CODEC_AUTH: AUTH,
      IBFLEET_CODEC_ALLOWED_HOSTS: ' Codec.Example.com , codec.example.com:443',
    });
    assert.deepEqual(settings.allowedHosts, ['Codec.Example.com', 'codec.example.com:443']);
    const proxied = await startCodecServer({ codec, ...settings, port: 0 });
    try {
      const call = (host: string) =>
        request(proxied, '/decode', {
          headers: { ...json, Authorization: AUTH, Host: host },
          body: decodeBody,
        });
      assert.equal((await call('codec.example.com')).status, 200);
      assert.equal((await call('codec.example.com:443')).status, 200);
      assert.equal((await call(`localhost:${proxied.port}`)).status, 403);
    } finally {
      await proxied.close();
    }
  });
});

describe('production: codec server authentication settings', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-codec-auth-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses to start without authentication unless it is turned off explicitly', () => {
    assert.throws(
      () => codecServerSettingsFromEnv({}),
      (err: Error) => {
        assert.ok(err instanceof CodecConfigError);
        assert.match(err.message, /refusing to start without authentication/);
        assert.match(err.message, /IBFLEET_CODEC_AUTH\b.*IBFLEET_CODEC_AUTH_FILE.*IBFLEET_CODEC_AUTH=off/);
        return true;
      },
    );
    assert.equal(codecServerSettingsFromEnv({ IBFLEET_CODEC_AUTH: 'off' }).authorization, false);
    assert.equal(codecServerSettingsFromEnv({ IBFLEET_CODEC_AUTH: ` ${AUTH} ` }).authorization, AUTH);
  });

  it('refuses unusable or guessable values without quoting them', () => {
    const bad: [NodeJS.ProcessEnv, RegExp][] = [
      [{ IBFLEET_CODEC_AUTH: 'Bearer short' }, /at least 16 characters/],
      [{ IBFLEET_CODEC_AUTH: 'Bearer line-one-secret\nline-two' }, /printable ASCII on one line/],
      [{ IBFLEET_CODEC_AUTH: AUTH, IBFLEET_CODEC_AUTH_FILE: '/x' }, /not both/],
      [
        { IBFLEET_CODEC_AUTH_FILE: path.join(dir, 'missing') },
        /cannot read IBFLEET_CODEC_AUTH_FILE .* \(ENOENT\)/,
      ],
    ];
    for (const [env, message] of bad) {
      assert.throws(
        () => codecServerSettingsFromEnv(env),
        (err: Error) => {
          assert.ok(err instanceof CodecConfigError, err.message);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('secret') && !err.message.includes('short'));
          return true;
        },
      );
    }
  });

  it('turns authentication off on a loopback address only; Host and Origin are still checked', async () => {
    await assert.rejects(
      startCodecServer({ codec, port: 0, host: '0.0.0.0', authorization: false }),
      /authentication can be turned off \(IBFLEET_CODEC_AUTH=off\) only on a loopback address, not on 0\.0\.0\.0/,
    );
    const open = await startCodecServer({ codec, port: 0, authorization: false, corsOrigins: [uiOrigin] });
    try {
      const call = (headers: Record<string, string>) =>
        request(open, '/decode', { headers, body: decodeBody });
      assert.equal((await call(json)).status, 200);
      assert.equal((await call({ ...json, Origin: uiOrigin })).status, 200);
      assert.equal((await call({ ...json, Host: `rebound.example:${open.port}` })).status, 403);
      assert.equal((await call({ ...json, Origin: 'http://evil.example' })).status, 403);
      assert.equal((await request(open, '/login', { method: 'GET' })).status, 404);
    } finally {
      await open.close();
    }
  });

  it('the codec-token one-shot creates a private random value once and keeps it', () => {
    const file = path.join(dir, 'token');
    assert.equal(ensureCodecAuthFile(file), true);
    const value = fs.readFileSync(file, 'utf8');
    assert.match(value, /^Bearer [A-Za-z0-9_-]{43}\n$/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(ensureCodecAuthFile(file), false);
    assert.equal(fs.readFileSync(file, 'utf8'), value);
    assert.deepEqual(fs.readdirSync(dir), ['token'], 'no temporary file left behind');
    assert.equal(codecServerSettingsFromEnv({ IBFLEET_CODEC_AUTH_FILE: file }).authorization, value.trim());
    const other = path.join(dir, 'other');
    ensureCodecAuthFile(other);
    assert.notEqual(fs.readFileSync(other, 'utf8'), value);
  });

  it('`npm run codec-server` without authentication settings exits with the reason', async () => {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(root, 'worker', 'codec-server.ts')],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          IBFLEET_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}`,
          IBFLEET_CODEC_PORT: '0',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /codec server: refusing to start without authentication: set IBFLEET_CODEC_AUTH/);
  });
});
