import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { LogTimestamp, type LogEntry } from '@temporalio/worker';
import {
  healthHostFromEnv,
  startHealthServer,
  type HealthServer,
  type WorkerState,
} from '../../worker/health';
import {
  buildRuntimeOptions,
  createLogger,
  formatJsonLine,
  formatPrettyLine,
  metricsPortFromEnv,
  runtimeSettingsFromEnv,
} from '../../worker/runtime';
import { freePort } from '../../scripts/dev-server';

const at = 1_700_000_000_123n * 1_000_000n; // 2023-11-14T22:13:20.123Z in nanoseconds

describe('production: worker runtime (logs and metrics)', () => {
  it('formats one JSON object per line: time, level, message, meta', () => {
    const err = new Error('ssh: connection refused');
    const meta: Record<string, unknown> = { host: 'esx-01', attempt: 2n, err, key: new Uint8Array(4) };
    meta.self = meta;
    const line = formatJsonLine({ level: 'WARN', message: 'retrying', timestampNanos: at, meta });
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['time', 'level', 'message', 'meta']);
    assert.equal(parsed.time, '2023-11-14T22:13:20.123Z');
    assert.equal(parsed.level, 'WARN');
    assert.equal(parsed.message, 'retrying');
    const m = parsed.meta as Record<string, unknown>;
    assert.equal(m.host, 'esx-01');
    assert.equal(m.attempt, '2');
    assert.equal((m.err as { message: string }).message, 'ssh: connection refused');
    assert.match((m.err as { stack: string }).stack, /ssh: connection refused/);
    assert.equal(m.key, '<4 bytes>');
    assert.equal(m.self, '[Circular]');
    const bare = JSON.parse(formatJsonLine({ level: 'INFO', message: 'm', timestampNanos: at })) as {
      meta: unknown;
    };
    assert.deepEqual(bare.meta, {});
  });

  it('formats pretty lines for terminals', () => {
    const entry: LogEntry = {
      level: 'INFO',
      message: 'rollout started',
      timestampNanos: at,
      meta: { hosts: 4 },
    };
    assert.equal(formatPrettyLine(entry), '2023-11-14T22:13:20.123Z INFO  rollout started { hosts: 4 }\n');
    assert.equal(
      formatPrettyLine({ ...entry, meta: {} }),
      '2023-11-14T22:13:20.123Z INFO  rollout started\n',
    );
  });

  it('filters by level and writes through the given sink', () => {
    const lines: string[] = [];
    const logger = createLogger('json', 'WARN', (line) => lines.push(line));
    logger.info('hidden');
    logger.warn('shown', { [LogTimestamp]: at });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]), {
      time: '2023-11-14T22:13:20.123Z',
      level: 'WARN',
      message: 'shown',
      meta: {},
    });
  });

  it('reads its settings from the environment', () => {
    assert.equal(metricsPortFromEnv({}), 9464);
    assert.equal(metricsPortFromEnv({ IBFLEET_METRICS_PORT: '9100' }), 9100);
    assert.equal(metricsPortFromEnv({ IBFLEET_METRICS_PORT: 'off' }), 'off');
    assert.throws(() => metricsPortFromEnv({ IBFLEET_METRICS_PORT: 'nine' }), /IBFLEET_METRICS_PORT/);
    assert.deepEqual(runtimeSettingsFromEnv({ IBFLEET_LOG_FORMAT: 'pretty', IBFLEET_LOG_LEVEL: 'debug' }), {
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      logFormat: 'pretty',
      logLevel: 'DEBUG',
    });
    assert.throws(() => runtimeSettingsFromEnv({ IBFLEET_LOG_FORMAT: 'xml' }), /IBFLEET_LOG_FORMAT/);
    assert.throws(() => runtimeSettingsFromEnv({ IBFLEET_LOG_LEVEL: 'LOUD' }), /IBFLEET_LOG_LEVEL/);
  });

  it('binds Prometheus to loopback by default, to IBFLEET_METRICS_HOST if set, or not at all when off', () => {
    const on = buildRuntimeOptions({ metricsPort: 9464, logFormat: 'json', logLevel: 'INFO' });
    assert.deepEqual(on.telemetryOptions?.metrics, { prometheus: { bindAddress: '127.0.0.1:9464' } });
    const fromEnv = (env: NodeJS.ProcessEnv) =>
      buildRuntimeOptions(runtimeSettingsFromEnv({ IBFLEET_LOG_FORMAT: 'json', ...env })).telemetryOptions
        ?.metrics;
    assert.deepEqual(fromEnv({}), { prometheus: { bindAddress: '127.0.0.1:9464' } });
    assert.deepEqual(fromEnv({ IBFLEET_METRICS_HOST: '0.0.0.0' }), {
      prometheus: { bindAddress: '0.0.0.0:9464' },
    });
    assert.deepEqual(fromEnv({ IBFLEET_METRICS_HOST: '::1', IBFLEET_METRICS_PORT: '9100' }), {
      prometheus: { bindAddress: '[::1]:9100' },
    });
    assert.deepEqual(on.telemetryOptions?.logging, { filter: { core: 'WARN', other: 'ERROR' }, forward: {} });
    const off = buildRuntimeOptions({ metricsPort: 'off', logFormat: 'json', logLevel: 'INFO' });
    assert.equal(off.telemetryOptions?.metrics, undefined);
  });

  describe('installed in a real process', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.stdin?.end();
      if (child && child.exitCode === null) child.kill('SIGKILL');
      child = undefined;
    });

    it('logs JSON lines to stderr and serves Prometheus metrics', async () => {
      const port = await freePort();
      child = spawn(
        process.execPath,
        ['--require', 'tsx/cjs', path.join(__dirname, 'runtime-child.ts'), String(port)],
        {
          cwd: path.resolve(__dirname, '..', '..'),
          stdio: ['pipe', 'ignore', 'pipe'],
        },
      );
      const exited = new Promise<never>((_resolve, reject) =>
        child?.once('exit', (code) => reject(new Error(`child exited early with code ${code}`))),
      );
      const lines: Record<string, unknown>[] = [];
      const ready = (async () => {
        for await (const text of readline.createInterface({ input: child.stderr! })) {
          const line = JSON.parse(text) as Record<string, unknown>; // every line must be JSON
          lines.push(line);
          if (line.message === 'child ready') return;
        }
      })();
      await Promise.race([ready, exited, timeout(30_000, 'child did not log "child ready"')]);

      const messages = lines.map((line) => line.message);
      assert.ok(messages.includes('Temporal runtime installed'));
      assert.ok(!messages.includes('below the level, not printed'));
      const warn = lines.find((line) => line.message === 'with an error');
      assert.equal(warn?.level, 'WARN');
      assert.match(String(warn?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual((warn?.meta as Record<string, unknown>).big, '12');
      assert.equal((warn?.meta as Record<string, { message: string }>).err.message, 'boom');

      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      await res.text();
    });
  });
});

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

describe('production: worker health endpoint', () => {
  let state: WorkerState = 'INITIALIZED';
  let extraReady = true;
  let server: HealthServer;
  before(async () => {
    server = await startHealthServer({
      state: () => state,
      ready: () => extraReady,
      port: 0,
      host: '127.0.0.1',
    });
  });
  after(() => server.close());

  const get = async (route: string, method = 'GET') => {
    const res = await fetch(`${server.url}${route}`, { method, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: method === 'HEAD' ? undefined : await res.json() };
  };

  it('/healthz is 200 only while the worker is RUNNING', async () => {
    assert.deepEqual(await get('/healthz'), { status: 503, body: { status: 'INITIALIZED' } });
    state = 'RUNNING';
    assert.deepEqual(await get('/healthz'), { status: 200, body: { status: 'RUNNING' } });
    assert.equal((await get('/healthz', 'HEAD')).status, 200);
    for (const other of ['DRAINING', 'STOPPING', 'STOPPED', 'FAILED'] as const) {
      state = other;
      assert.deepEqual(await get('/healthz'), { status: 503, body: { status: other } });
    }
  });

  it('/readyz also needs the extra readiness check', async () => {
    state = 'RUNNING';
    extraReady = false;
    assert.deepEqual(await get('/readyz'), { status: 503, body: { status: 'RUNNING', ready: false } });
    extraReady = true;
    assert.deepEqual(await get('/readyz'), { status: 200, body: { status: 'RUNNING', ready: true } });
    state = 'DRAINING';
    assert.equal((await get('/readyz')).status, 503);
  });

  it('listens on loopback unless IBFLEET_HEALTH_HOST says otherwise', async () => {
    assert.equal(healthHostFromEnv({}), '127.0.0.1');
    assert.equal(healthHostFromEnv({ IBFLEET_HEALTH_HOST: '0.0.0.0' }), '0.0.0.0');
    const saved = process.env.IBFLEET_HEALTH_HOST;
    delete process.env.IBFLEET_HEALTH_HOST;
    const defaults = await startHealthServer({ state: () => 'RUNNING', port: 0 });
    try {
      assert.match(defaults.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await defaults.close();
      if (saved !== undefined) process.env.IBFLEET_HEALTH_HOST = saved;
    }
  });

  it('answers 404 elsewhere, 405 for other methods, and 503 if the state getter throws', async () => {
    assert.equal((await get('/metrics')).status, 404);
    assert.equal(
      (await fetch(`${server.url}/healthz`, { method: 'POST', signal: AbortSignal.timeout(10_000) })).status,
      405,
    );
    const broken = await startHealthServer({
      state: () => {
        throw new Error('worker not created');
      },
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const res = await fetch(`${broken.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'UNKNOWN' });
    } finally {
      await broken.close();
    }
  });
});
