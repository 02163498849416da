import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ibSearchAttributes } from '../common/search-attributes';

// `npm run server`: the Temporal dev server with ibfleet's search attributes, persisted to SQLite so
// a restart keeps every workflow. The demo and the durability tests start it through startDevServer().

const repoRoot = path.resolve(__dirname, '..');

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  dbFile?: string;
  /** Disable the Web UI (tests that don't look at it start faster). */
  headless?: boolean;
  /** Where the server's stdout/stderr go; inherited when omitted. */
  logFile?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  dbFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function temporalCli(): string {
  return execFileSync('bash', [path.join(repoRoot, 'scripts', 'temporal-cli.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/**
 * Settings for a one-machine dev server under load (the demo, the benchmark, the tests). SQLite in WAL
 * mode with synchronous=NORMAL stays consistent after a process crash (only an OS crash can lose the last
 * commits) and spends far less time in fsync; one task-queue partition spares matching the forwarding
 * between partitions that only pays off with many pollers; eager activity dispatch hands an activity
 * to the worker that scheduled it in the workflow task's reply, skipping a poll round trip.
 */
export const devServerTuningArgs: readonly string[] = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

export function devServerArgs(
  opts: Required<Pick<DevServerOptions, 'port' | 'uiPort' | 'dbFile'>> & DevServerOptions,
) {
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    opts.dbFile,
    '--port',
    String(opts.port),
    '--ip',
    '127.0.0.1',
  ];
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  for (const key of ibSearchAttributes) args.push('--search-attribute', `${key.name}=Keyword`);
  args.push(...devServerTuningArgs, '--log-level', 'error');
  return args;
}

/** Starts the dev server and resolves once its gRPC port accepts connections. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? Number(process.env.IBFLEET_TEMPORAL_PORT ?? 7233);
  const uiPort = options.uiPort ?? Number(process.env.IBFLEET_UI_PORT ?? port + 1000);
  const dbFile = path.resolve(
    options.dbFile ?? process.env.IBFLEET_DB_FILE ?? path.join(repoRoot, '.temporal', 'ibfleet.sqlite'),
  );
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  if (await portAnswers(port)) {
    throw new Error(
      `port ${port} is already in use: is a Temporal server already running? (set IBFLEET_TEMPORAL_PORT)`,
    );
  }
  const out = options.logFile ? fs.openSync(options.logFile, 'a') : 'inherit';
  const child = spawn(temporalCli(), devServerArgs({ ...options, port, uiPort, dbFile }), {
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The port opens before the frontend is healthy: wait until it answers a real call.
  const deadline = Date.now() + 90_000;
  while (!(await frontendHealthy(`127.0.0.1:${port}`))) {
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server on port ${port} was not healthy within 90s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: `http://localhost:${uiPort}`,
    dbFile,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

async function frontendHealthy(address: string): Promise<boolean> {
  if (!(await portAnswers(Number(address.split(':')[1])))) return false;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

/** A TCP port that was free a moment ago (for servers that must be told their port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const server = await startDevServer();
  console.log(`Temporal dev server on ${server.address}, Web UI ${server.uiUrl}, state in ${server.dbFile}`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  server.process.once('exit', (code) => process.exit(code ?? 1));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
