import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { NativeConnection, Worker } from '@temporalio/worker';
import { connectClient, DEFAULT_ADDRESS, temporalSettings } from '../../client/connection';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { smokeWorkflow } from '../fixtures/smoke-workflows';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';

// Connection settings come from @temporalio/envconfig (env vars and TOML profiles). `overrideEnvVars`
// stands in for the process environment, so these tests never read the developer's own config file.

describe('production: connection settings from the environment and profiles', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-conn-'));
    fs.writeFileSync(path.join(dir, 'client.pem'), 'CLIENT CERT');
    fs.writeFileSync(path.join(dir, 'client.key'), 'CLIENT KEY');
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA CERT');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const tlsOf = (settings: ReturnType<typeof temporalSettings>) =>
    settings.connectionOptions.tls as TLSConfig;
  const text = (value: Buffer | Uint8Array | undefined) =>
    value ? Buffer.from(value).toString('utf8') : undefined;

  it('defaults to localhost:7233, namespace default, no TLS', () => {
    const settings = temporalSettings({ overrideEnvVars: {} });
    assert.equal(settings.connectionOptions.address, DEFAULT_ADDRESS);
    assert.equal(settings.namespace, 'default');
    assert.equal(settings.connectionOptions.tls, undefined);
    assert.equal(settings.connectionOptions.apiKey, undefined);
  });

  it('reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE', () => {
    const settings = temporalSettings({
      overrideEnvVars: { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'ibfleet' },
    });
    assert.equal(settings.connectionOptions.address, 'temporal:7233');
    assert.equal(settings.namespace, 'ibfleet');
  });

  it('an API key turns TLS on (Temporal Cloud), unless TEMPORAL_TLS=false says otherwise', () => {
    const cloud = temporalSettings({
      overrideEnvVars: {
        TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
        TEMPORAL_NAMESPACE: 'ibfleet.a1b2c',
        TEMPORAL_API_KEY: 'test-api-key',
      },
    });
    assert.equal(cloud.connectionOptions.apiKey, 'test-api-key');
    assert.equal(cloud.connectionOptions.tls, true);
    assert.equal(cloud.namespace, 'ibfleet.a1b2c');
    const plain = temporalSettings({ overrideEnvVars: { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' } });
    assert.equal(plain.connectionOptions.tls, false);
  });

  it('reads mTLS files and the server name from TEMPORAL_TLS_*', () => {
    const settings = temporalSettings({
      overrideEnvVars: {
        TEMPORAL_ADDRESS: 'ibfleet.a1b2c.tmprl.cloud:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      },
    });
    const config = tlsOf(settings);
    assert.equal(text(config.clientCertPair?.crt), 'CLIENT CERT');
    assert.equal(text(config.clientCertPair?.key), 'CLIENT KEY');
    assert.equal(text(config.serverRootCACertificate), 'CA CERT');
    assert.equal(config.serverNameOverride, 'temporal.internal');
  });

  it('accepts inline PEM data (TEMPORAL_TLS_*_DATA), e.g. from a secret store', () => {
    const config = tlsOf(
      temporalSettings({
        overrideEnvVars: {
          TEMPORAL_TLS_CLIENT_CERT_DATA: 'INLINE CERT',
          TEMPORAL_TLS_CLIENT_KEY_DATA: 'INLINE KEY',
        },
      }),
    );
    assert.equal(text(config.clientCertPair?.crt), 'INLINE CERT');
    assert.equal(text(config.clientCertPair?.key), 'INLINE KEY');
  });

  it('reads a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE); env vars override it', () => {
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "localhost:7233"',
        '',
        '[profile.prod]',
        'address = "ibfleet.a1b2c.tmprl.cloud:7233"',
        'namespace = "ibfleet.a1b2c"',
        '[profile.prod.tls]',
        `client_cert_path = "${path.join(dir, 'client.pem')}"`,
        `client_key_path = "${path.join(dir, 'client.key')}"`,
        '[profile.prod.grpc_meta]',
        'x-team = "fabric"',
        '',
        '[profile.cloud-key]',
        'address = "us-east-1.aws.api.temporal.io:7233"',
        'namespace = "ibfleet.a1b2c"',
        'api_key = "profile-api-key"',
      ].join('\n'),
    );
    const prod = temporalSettings({
      overrideEnvVars: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' },
    });
    assert.equal(prod.connectionOptions.address, 'ibfleet.a1b2c.tmprl.cloud:7233');
    assert.equal(prod.namespace, 'ibfleet.a1b2c');
    assert.equal(text(tlsOf(prod).clientCertPair?.crt), 'CLIENT CERT');
    assert.deepEqual(prod.connectionOptions.metadata, { 'x-team': 'fabric' });

    const cloudKey = temporalSettings({
      overrideEnvVars: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud-key' },
    });
    assert.equal(cloudKey.connectionOptions.apiKey, 'profile-api-key');
    assert.equal(cloudKey.connectionOptions.tls, true);

    const byDefault = temporalSettings({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file } });
    assert.equal(byDefault.connectionOptions.address, 'localhost:7233');

    const overridden = temporalSettings({
      overrideEnvVars: {
        TEMPORAL_CONFIG_FILE: file,
        TEMPORAL_PROFILE: 'prod',
        TEMPORAL_NAMESPACE: 'staging',
      },
    });
    assert.equal(overridden.namespace, 'staging');
    assert.equal(overridden.connectionOptions.address, 'ibfleet.a1b2c.tmprl.cloud:7233');

    assert.throws(
      () => temporalSettings({ overrideEnvVars: { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' } }),
      /Profile 'nope' not found/,
    );
  });
});

// The pinned CLI's dev server has no TLS options, so a small TLS-terminating proxy that demands a
// client certificate stands in front of it: the worker and the client then reach Temporal only over
// mutual TLS, configured purely through TEMPORAL_TLS_* variables.
describe('production: a real mTLS connection (TLS proxy in front of the dev server)', () => {
  let dir: string;
  let proxy: tls.Server;
  let proxyPort: number;
  const peers: string[] = [];

  before(async function () {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      this.skip(); // no openssl: the parsing tests above still run
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-mtls-'));
    makeCertificates(dir);
    const env = await testEnv();
    const upstream = parseAddress(env.address);
    proxy = tls.createServer(
      {
        key: fs.readFileSync(path.join(dir, 'server.key')),
        cert: fs.readFileSync(path.join(dir, 'server.pem')),
        ca: fs.readFileSync(path.join(dir, 'ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        peers.push(String(socket.getPeerCertificate().subject?.CN));
        const backend = net.connect(upstream.port, upstream.host);
        socket.pipe(backend).pipe(socket);
        socket.on('error', () => backend.destroy());
        backend.on('error', () => socket.destroy());
      },
    );
    proxy.on('tlsClientError', () => undefined); // rejected handshakes are expected in the negative test
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyPort = (proxy.address() as net.AddressInfo).port;
  });

  after(async () => {
    if (proxy) await new Promise<void>((resolve) => proxy.close(() => resolve()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const tlsEnv = (withClientCert: boolean): Record<string, string> => ({
    TEMPORAL_ADDRESS: `127.0.0.1:${proxyPort}`,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    ...(withClientCert && {
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
    }),
  });

  it('runs a workflow with worker and client connected over mTLS', async () => {
    const env = await testEnv();
    const settings = temporalSettings({
      overrideEnvVars: { ...tlsEnv(true), TEMPORAL_NAMESPACE: env.namespace ?? 'default' },
    });
    const nativeConnection = await NativeConnection.connect(settings.connectionOptions);
    const client = await connectClient(settings, {});
    try {
      const taskQueue = uniqueTaskQueue('mtls');
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: settings.namespace,
        taskQueue,
        workflowBundle: await workflowBundle(require.resolve('../fixtures/smoke-workflows')),
        activities: createSmokeActivities(),
      });
      const result = await worker.runUntil(
        client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: `${taskQueue}-wf`, args: ['mtls'] }),
      );
      assert.equal(result, 'hello, mtls');
      assert.ok(peers.length >= 2, 'worker and client both went through the TLS proxy');
      assert.ok(peers.every((cn) => cn === 'ibfleet-worker'));
    } finally {
      await client.connection.close();
      await nativeConnection.close();
    }
  });

  it('is refused without a client certificate', async () => {
    const settings = temporalSettings({ overrideEnvVars: tlsEnv(false) });
    const attempt = NativeConnection.connect(settings.connectionOptions).then(async (connection) => {
      await connection.close();
      throw new Error('connected without a client certificate');
    });
    await assert.rejects(
      Promise.race([attempt, rejectAfter(60_000, 'connection attempt did not finish')]),
      // With TLS 1.3 the client finishes its side of the handshake before the server checks for a client
      // certificate: the refusal reaches it as rustls' "received fatal alert: CertificateRequired", or as the
      // connection closed under its first call when the close wins the race with the alert. Either way it
      // is refused; success and a hang fail this assertion.
      /CertificateRequired|handshake|alert|connection closed/i,
    );
  });
});

function rejectAfter(ms: number, message: string): Promise<never> {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

/** A throwaway CA, a server certificate for localhost/127.0.0.1 and a client certificate (P-256, 1 day). */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const serial = () => `0x${randomBytes(8).toString('hex')}`;
  openssl(
    'req',
    '-x509',
    '-new',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=ibfleet test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const leaf = (name: string, cn: string, extensions: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      serial(),
      '-days',
      '1',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
  };
  leaf(
    'server',
    'localhost',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ].join('\n'),
  );
  leaf(
    'client',
    'ibfleet-worker',
    ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'].join(
      '\n',
    ),
  );
}
