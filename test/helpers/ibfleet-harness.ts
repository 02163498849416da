import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Timing, HostOptions } from '../../common/procedures';
import type { SshEndpoint } from '../../common/targets';
import { SshRunner } from '../../activities/ssh';
import { createIbfleetWorker } from '../../worker/create-worker';
import { repoRoot } from './temporal-cli';
import { testEnv, workflowBundle } from './temporal-env';

// What procedure and rollout tests share: fast timings, an in-process or separate-process worker on
// the shared dev server, and reading a simulated host's logs over real SSH.

/** Timings for a simulated fleet whose hosts boot in a few hundred milliseconds. */
export const fastTiming: Timing = {
  bootDeadlineMs: 30_000,
  pollIntervalMs: 50,
  maxPollIntervalMs: 200,
  stabilityMs: 100,
  rebootStartMs: 5_000,
  commandTimeoutMs: 10_000,
  connectTimeoutMs: 3_000,
  heartbeatTimeoutMs: 2_000,
};

export const fastHostOptions: HostOptions = { maintenanceMode: true, timing: fastTiming };

/** The rollout CLI's timing flags for such a fleet (`ibfleet rollout start|apply ...`). */
export function fastTimingFlags(bootDeadline = '5s'): string[] {
  return [
    '--boot-deadline',
    bootDeadline,
    '--poll-interval',
    '50ms',
    '--max-poll-interval',
    '200ms',
    '--stability',
    '100ms',
    '--heartbeat-timeout',
    '2s',
  ];
}

export function ibfleetBundle() {
  return workflowBundle(require.resolve('../../workflows'));
}

export interface RunningWorker {
  runner: SshRunner;
  stop(): Promise<void>;
}

/** An ibfleet worker in this process on `taskQueue` of the shared dev server. */
export async function startWorker(taskQueue: string): Promise<RunningWorker> {
  const env = await testEnv();
  const { worker, runner } = await createIbfleetWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await ibfleetBundle(),
    tuning: { shutdownGraceTime: '2s' },
  });
  const running = worker.run();
  return {
    runner,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await runner.closeAll();
    },
  };
}

let bundleFile: string | undefined;
/** The workflow bundle written to a file once, so worker processes start without bundling. */
export async function bundlePath(): Promise<string> {
  if (!bundleFile) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-bundle-')), 'workflow-bundle.js');
    fs.writeFileSync(file, (await ibfleetBundle()).code);
    bundleFile = file;
  }
  return bundleFile;
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the worker printed that it polls. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `npm run worker` as a separate process (for SIGKILL tests), on the shared dev server. */
export async function spawnWorker(
  taskQueue: string,
  extraEnv: Record<string, string> = {},
): Promise<WorkerProcess> {
  const env = await testEnv();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(repoRoot, 'worker', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      IBFLEET_TASK_QUEUE: taskQueue,
      IBFLEET_WORKFLOW_BUNDLE: await bundlePath(),
      IBFLEET_METRICS_PORT: 'off',
      IBFLEET_HEALTH_PORT: 'off',
      IBFLEET_SHUTDOWN_GRACE_TIME: '2s',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    output: () => out,
    ready,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Run one command on a simulated machine over real SSH (as an operator auditing it would). */
export async function sshRead(endpoint: SshEndpoint, command: string): Promise<string> {
  const runner = new SshRunner();
  try {
    const r = await runner.run(endpoint, command, { timeoutMs: 10_000, connectTimeoutMs: 5_000 });
    if (r.code !== 0 && r.code !== 1)
      throw new Error(`${command} on ${endpoint.name} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await runner.closeAll();
  }
}
