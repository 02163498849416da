import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { hostOptionsSchema } from '../common/procedures';
import { rolloutOptionsSchema, type RolloutInput, type RolloutReport } from '../common/rollout';
import { rolloutStartInput } from '../common/rollout-shards';
import type { HostRef } from '../common/targets';
import type { WorkloadOptions } from '../common/workloads';
import { firstLine, spawnLogged, wrap, type Child } from './child-process';
import { hostHistories, rolloutRuns, type HostHistory, type RolloutRun } from './history-metrics';
import { shardRunHistories, type RunHistory } from './largest-history';
import { treeCpuSecondsOf, treePeakRssKb, TreeSampler, type TreeUsage } from './proc-stats';
import type { ClientResult } from './rollout-client';
import type { BenchProcedure } from './scenarios';
import { MEMORY_BUDGET_VAR, workerMemoryFromEnv, workerNodeOptions } from '../worker/memory-budget';

/**
 * The start order ibfleet's rollouts use here: slowest first, from each host's last reboot in its
 * vmksummary.log (the simulator logs one reboot of the host's boot time before it starts). Ansible's
 * baseline runs in inventory order, as `serial` does.
 */
export const IBFLEET_ORDER = 'slowest-first';

// One ibfleet rollout of a scenario: worker processes (prebuilt workflow bundle) started for the
// scenario, a client process that starts the rollout with the client API and waits for its report,
// and the measurements around them.

const repoRoot = path.resolve(__dirname, '..');

export interface WorkerOptions {
  taskQueue: string;
  temporalAddress: string;
  bundlePath: string;
  hosts: readonly HostRef[];
  /** Write a V8 CPU profile of the worker (.cpuprofile, for Chrome DevTools) into this directory. */
  profileDir?: string;
  /** NODE_OPTIONS of the worker (e.g. "--max-old-space-size=256"). */
  workerNodeOptions?: string;
  /** The worker's IBFLEET_WORKER_MEMORY_MB (README "Sizing"); ignored when workerNodeOptions is set. */
  memoryBudgetMb?: number;
}

export interface IbfleetRunOptions {
  rolloutId: string;
  taskQueue: string;
  temporalAddress: string;
  procedure: BenchProcedure;
  params: Record<string, unknown>;
  /** The VM policy's options for every host (absent: the product default, refuse). */
  vms?: WorkloadOptions;
  hosts: readonly HostRef[];
  maxParallel: number;
  perCluster: number;
  workDir: string;
  /** The worker processes polling taskQueue (started by startWorkerProcess; they outlive the run). */
  workers: readonly Child[];
  /** Used after the run to read histories. */
  client: Client;
  /** Called right before the rollout starts; what it returns is called right after it ended with the tool's CPU. */
  measure: () => (toolCpuSeconds: number) => void;
}

export interface WorkerUsage {
  pid: number;
  cpuSeconds: number;
  /**
   * VmHWM: the worker's peak since it started (earlier rollouts of the scenario included), summed over
   * its processes (one: it is started with its heap limit, as worker/start.sh does).
   */
  peakRssMb: number;
}

export interface IbfleetRun {
  startedAtMs: number;
  finishedAtMs: number;
  makespanMs: number;
  report: RolloutReport;
  workerCpuSeconds: number;
  clientCpuSeconds: number;
  cpuSeconds: number;
  /** The largest worker's peak. */
  workerPeakRssMb: number;
  workerUsage: WorkerUsage[];
  clientPeakRssMb: number;
  usage: TreeUsage;
  histories: HostHistory[];
  /** Each run of the rollout (more than one after continue-as-new). */
  rolloutRuns: RolloutRun[];
  /** A sharded rollout: each run of each of its shard workflows (empty when not sharded). */
  shardRuns: RunHistory[];
}

export async function startWorkerProcess(o: WorkerOptions, logFile: string): Promise<Child> {
  // The worker reads keys only from allowed directories: those of the simulated fleet's key.
  const keyDirs = new Set(
    o.hosts.flatMap((h) => (h.credential.type === 'private-key' ? [path.dirname(h.credential.path)] : [])),
  );
  const log = fs.openSync(logFile, 'a');
  const profile = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
  // Node's options as worker/start.sh gives them (the heap limit of the memory budget), in one process.
  const budget = o.memoryBudgetMb === undefined ? {} : { [MEMORY_BUDGET_VAR]: String(o.memoryBudgetMb) };
  const heap = o.workerNodeOptions ? [] : workerNodeOptions(workerMemoryFromEnv(budget));
  const proc = spawn(
    process.execPath,
    [...profile, ...heap, '--require', 'tsx/cjs', path.join(repoRoot, 'worker', 'main.ts')],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: o.temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        IBFLEET_TASK_QUEUE: o.taskQueue,
        IBFLEET_WORKFLOW_BUNDLE: o.bundlePath,
        IBFLEET_METRICS_PORT: 'off',
        IBFLEET_HEALTH_PORT: 'off',
        IBFLEET_LOG_FORMAT: 'json',
        IBFLEET_LOG_LEVEL: 'WARN',
        // Nothing is in flight when the benchmark stops the worker.
        IBFLEET_SHUTDOWN_GRACE_TIME: '10s',
        ...(keyDirs.size > 0 ? { IBFLEET_CREDENTIAL_KEY_DIRS: [...keyDirs].join(',') } : {}),
        ...(o.workerNodeOptions ? { NODE_OPTIONS: o.workerNodeOptions } : budget),
      },
      stdio: ['ignore', 'pipe', log],
    },
  );
  fs.closeSync(log);
  const child = wrap(proc);
  try {
    await firstLine(proc, (line) => (line.includes('worker polling') ? true : undefined), 120_000);
  } catch (err) {
    await child.stop(2_000);
    throw new Error(`worker: ${err instanceof Error ? err.message : String(err)} (log: ${logFile})`, {
      cause: err,
    });
  }
  proc.stdout?.resume();
  return child;
}

export async function runIbfleet(o: IbfleetRunOptions): Promise<IbfleetRun> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const input: RolloutInput = {
    rolloutId: o.rolloutId,
    procedure: o.procedure,
    params: o.params,
    targets: [...o.hosts],
    // Product defaults everywhere (timings included), but the limits of the scenario, the order and the VM policy.
    options: rolloutOptionsSchema.parse({
      maxParallel: o.maxParallel,
      perCluster: o.perCluster,
      order: IBFLEET_ORDER,
      host: hostOptionsSchema.parse(o.vms ? { vms: o.vms } : {}),
    }),
    startedBy: 'bench',
  };
  const inputFile = path.join(o.workDir, 'rollout-input.json');
  const resultFile = path.join(o.workDir, 'client-result.json');
  fs.writeFileSync(inputFile, JSON.stringify(input));

  const measured = o.measure();
  const cpuBefore = o.workers.map((w) => treeCpuSecondsOf(w.pid));
  let clientPid = 0;
  const sampler = new TreeSampler(
    () => [...o.workers.map((w) => w.pid), ...(clientPid ? [clientPid] : [])],
    undefined,
    1_000,
  );
  sampler.start();
  const client = spawnLogged(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(__dirname, 'rollout-client.ts'), inputFile, resultFile],
    path.join(o.workDir, 'client.log'),
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: o.temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        IBFLEET_TASK_QUEUE: o.taskQueue,
      },
    },
  );
  clientPid = client.pid;
  const code = await client.exited;
  const usage = sampler.stop();
  const workerUsage: WorkerUsage[] = o.workers.map((w, i) => ({
    pid: w.pid,
    cpuSeconds: treeCpuSecondsOf(w.pid) - cpuBefore[i],
    peakRssMb: (treePeakRssKb(w.pid) ?? 0) / 1024,
  }));
  const workerCpuSeconds = workerUsage.reduce((sum, w) => sum + w.cpuSeconds, 0);
  if (code !== 0 || !fs.existsSync(resultFile))
    throw new Error(`rollout client exited ${code} (log: ${path.join(o.workDir, 'client.log')})`);
  const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as ClientResult;
  measured(workerCpuSeconds + result.cpuSeconds);

  const histories = await hostHistories(o.client, result.report.hosts);
  // The shards' IDs follow from the rollout's ID and its cut (the same cut the client started).
  const shards = result.report.shards ?? rolloutStartInput(input).inventory?.shards ?? 0;
  return {
    startedAtMs: result.startedAtMs,
    finishedAtMs: result.finishedAtMs,
    makespanMs: result.finishedAtMs - result.startedAtMs,
    report: result.report,
    workerCpuSeconds,
    clientCpuSeconds: result.cpuSeconds,
    cpuSeconds: workerCpuSeconds + result.cpuSeconds,
    workerPeakRssMb: Math.max(0, ...workerUsage.map((w) => w.peakRssMb)),
    workerUsage,
    clientPeakRssMb: result.maxRssMb,
    usage,
    histories,
    rolloutRuns: await rolloutRuns(o.client, o.rolloutId, result.firstRunId),
    shardRuns: await shardRunHistories(o.client, o.rolloutId, shards),
  };
}
