import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { workloadOptionsSchema } from '../common/workloads';
import { DEFAULT_MEMORY_BUDGET_MB, PROCESS_OVERHEAD_MB } from '../worker/memory-budget';
import { bounds, distribution, type Bounds, type Distribution } from './analysis';
import { runAnsible } from './ansible-run';
import { sleep, type Child } from './child-process';
import { runIbfleet, startWorkerProcess } from './ibfleet-run';
import { PROCEDURE_WORK } from './lower-bound';
import {
  measureEnvironment,
  measureRollout,
  type Environment,
  type IbfleetResult,
  type StepStat,
} from './measure-rollout';
import { rolloutParams, rolloutsOf, type BenchRollout, type Scenario } from './scenarios';
import { startSim, type SimChild } from './sim-child';

export type { Environment, IbfleetResult, StepStat };

// One scenario: a fresh simulated fleet in its own process, ibfleet's rollouts on it (one after another,
// with the scenario's worker processes), then (optionally) the Ansible baseline on the same fleet, or
// the same change made another way on a fresh fleet of the same seed; each measured on its own.

export interface Shared {
  temporalAddress: string;
  serverPid: number;
  bundlePath: string;
  client: Client;
  namespace: string;
  workDir: string;
  seed: number;
}

export interface AnsibleResult {
  makespanMs: number;
  exitCode: number | string;
  okHosts: number;
  failedHosts: number;
  bounds: Bounds;
  cpuSeconds: { reaped: number; controlMasters: number; total: number };
  memoryMb: { sampledPeakRssSum: number; sampledPeakPssSum: number; peakProcesses: number };
  pollDelaySeconds: number;
  environment: Environment;
  logFile: string;
}

/** Rollouts run one after another on one fleet: the whole change, end to end. */
export interface SequenceResult {
  label: string;
  rollouts: IbfleetResult[];
  /** First rollout started → last one ended (the gaps between them included). */
  makespanMs: number;
  totalReboots: number;
  /** Per host, summed over the rollouts. */
  rebootsPerHost: Distribution;
  /** Per host: its time in each rollout (child workflow started → finished), summed. */
  hostTime: Distribution;
  succeeded: boolean;
}

export interface ScenarioResult {
  scenario: Scenario;
  startedAt: string;
  /** The last rollout of the scenario's sequence (the one its bound and targets are about). */
  ibfleet: IbfleetResult;
  /** Scenarios with more than one rollout, or a comparison: every sequence, the scenario's own first. */
  sequences?: SequenceResult[];
  ansible?: AnsibleResult | { skipped: string };
}

export interface RunOptions {
  /** 'run', or why the baseline is skipped. */
  ansible: string;
  ansiblePollDelaySeconds: number;
  profileDir?: string;
  workerNodeOptions?: string;
  log: (line: string) => void;
}

/** The VM policy the benchmark's VM scenario runs with: guest shutdown, no hard power-off. */
const SHUTDOWN_POLICY = workloadOptionsSchema.parse({ policy: 'shutdown' });

/**
 * A worker's memory budget for a rollout of this window (README "Sizing": the process's overhead plus one
 * cached workflow per MB of heap): room for every host of the window on one worker, plus the rollout and its
 * shards, so that neither worker evicts and replays workflows in flight. Never below the worker's default.
 */
function workerMemoryBudgetMb(maxParallel: number): number {
  return Math.max(DEFAULT_MEMORY_BUDGET_MB, PROCESS_OVERHEAD_MB + maxParallel + 50);
}

async function runSequence(
  s: Scenario,
  sim: SimChild,
  label: string,
  rollouts: readonly BenchRollout[],
  shared: Shared,
  opts: RunOptions,
  dir: string,
): Promise<SequenceResult> {
  const hosts = sim.inventory.hosts;
  const limits = { maxParallel: s.maxParallel, perCluster: s.perCluster };
  const taskQueue = `bench-s${s.id}-${path.basename(dir)}-${process.pid}`;
  const workers: Child[] = [];
  try {
    for (let i = 0; i < (s.workers ?? 1); i++)
      workers.push(
        await startWorkerProcess(
          {
            temporalAddress: shared.temporalAddress,
            bundlePath: shared.bundlePath,
            taskQueue,
            hosts,
            profileDir: opts.profileDir,
            workerNodeOptions: opts.workerNodeOptions,
            memoryBudgetMb: workerMemoryBudgetMb(s.maxParallel),
          },
          path.join(dir, `worker-${i + 1}.log`),
        ),
      );
    const results: IbfleetResult[] = [];
    const perHost = new Map<string, { ms: number; reboots: number }>();
    let startedAtMs: number | undefined;
    let finishedAtMs = 0;
    for (const [i, r] of rollouts.entries()) {
      // The running VMs' shutdowns are part of what each host must do (read before the rollout starts them).
      const vmShutdownMs = s.vms ? await sim.vmShutdownMs() : undefined;
      opts.log(
        `scenario ${s.id}: ibfleet ${r.procedure} on ${hosts.length} host(s) (max-parallel ${s.maxParallel}, per-cluster ${s.perCluster}, ${workers.length} worker(s))`,
      );
      let environment: Environment | undefined;
      const run = await runIbfleet({
        rolloutId: `bench-s${s.id}-${r.procedure}-${Date.now()}`,
        taskQueue,
        temporalAddress: shared.temporalAddress,
        procedure: r.procedure,
        params: rolloutParams(
          r,
          hosts.map((h) => h.cluster),
        ),
        vms: s.vms ? SHUTDOWN_POLICY : undefined,
        hosts,
        maxParallel: s.maxParallel,
        perCluster: s.perCluster,
        workDir: path.join(dir, `${i + 1}-${r.procedure}`),
        workers,
        client: shared.client,
        measure: () => {
          const env = measureEnvironment(sim.child.pid, shared.serverPid);
          return (toolCpu) => {
            environment = env(toolCpu);
          };
        },
      });
      const result = await measureRollout({
        procedure: r.procedure,
        run,
        hosts,
        timings: await sim.timings(),
        limits,
        shutdownDelayMs: s.shutdownDelayMs,
        work: { ...PROCEDURE_WORK[r.procedure], vmShutdownMs },
        client: shared.client,
        namespace: shared.namespace,
        environment: environment ?? measureEnvironment(sim.child.pid, shared.serverPid)(0),
      });
      opts.log(
        `scenario ${s.id}: ${r.procedure} ${run.report.phase} in ${(run.makespanMs / 1000).toFixed(1)} s (lower bound ${(result.bounds.measured.lowerBoundMs / 1000).toFixed(1)} s)`,
      );
      results.push(result);
      startedAtMs ??= run.startedAtMs;
      finishedAtMs = run.finishedAtMs;
      for (const h of run.report.hosts) {
        const e = perHost.get(h.name) ?? { ms: 0, reboots: 0 };
        if (h.startedAt && h.finishedAt) e.ms += Date.parse(h.finishedAt) - Date.parse(h.startedAt);
        e.reboots += h.reboots ?? 0;
        perHost.set(h.name, e);
      }
      if (run.report.phase !== 'succeeded') break; // the next procedure would meet a half-changed fleet
    }
    const totals = [...perHost.values()];
    return {
      label,
      rollouts: results,
      makespanMs: finishedAtMs - (startedAtMs ?? finishedAtMs),
      totalReboots: totals.reduce((sum, h) => sum + h.reboots, 0),
      rebootsPerHost: distribution(totals.map((h) => h.reboots)),
      hostTime: distribution(totals.map((h) => h.ms)),
      succeeded: results.length === rollouts.length && results.every((r) => r.phase === 'succeeded'),
    };
  } finally {
    for (const w of workers) await w.stop(40_000);
  }
}

function simSpec(s: Scenario, shared: Shared, dir: string) {
  return {
    hosts: s.hosts,
    clusters: s.clusters,
    namePrefix: `s${s.id}-esx-`,
    bootTimeMs: s.bootTimeMs,
    commandLatencyMs: s.commandLatencyMs,
    shutdownDelayMs: s.shutdownDelayMs,
    seed: shared.seed,
    outDir: dir,
    vms: s.vms,
    hiddenCards: s.hiddenCards,
  };
}

async function withSim<T>(
  s: Scenario,
  shared: Shared,
  dir: string,
  opts: RunOptions,
  body: (sim: SimChild) => Promise<T>,
): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  opts.log(`scenario ${s.id}: starting a fleet of ${s.hosts} host(s)`);
  const sim = await startSim(simSpec(s, shared, dir), path.join(dir, 'sim.log'));
  try {
    return await body(sim);
  } finally {
    await sim.child.stop(10_000);
  }
}

export async function runScenario(s: Scenario, shared: Shared, opts: RunOptions): Promise<ScenarioResult> {
  const dir = path.join(shared.workDir, `scenario-${s.id}`);
  const startedAt = new Date().toISOString();
  const limits = { maxParallel: s.maxParallel, perCluster: s.perCluster };
  const rollouts = rolloutsOf(s);
  let ansible: ScenarioResult['ansible'];
  const own = await withSim(s, shared, dir, opts, async (sim) => {
    const sequence = await runSequence(s, sim, s.label ?? 'ibfleet', rollouts, shared, opts, dir);
    if (s.noAnsible) {
      ansible = { skipped: s.noAnsible };
    } else if (opts.ansible !== 'run') {
      ansible = { skipped: opts.ansible };
    } else {
      await sleep(3_000); // let the workers' SSH connections close and the fleet settle
      opts.log(`scenario ${s.id}: Ansible baseline (serial = forks = ${s.maxParallel})`);
      const aEnv = measureEnvironment(sim.child.pid, shared.serverPid);
      const a = await runAnsible({
        hosts: sim.inventory.hosts,
        keyFile: sim.clientKeyPath,
        knownHostsFile: sim.knownHostsFile,
        parallel: s.maxParallel,
        pollDelaySeconds: opts.ansiblePollDelaySeconds,
        bootDeadlineSeconds: 45 * 60,
        workDir: path.join(dir, 'ansible'),
      });
      const aEnvironment = aEnv(a.cpuSeconds);
      const aTimings = await sim.timings();
      ansible = {
        makespanMs: a.makespanMs,
        exitCode: a.exitCode,
        okHosts: a.okHosts,
        failedHosts: a.failedHosts,
        bounds: bounds(
          sim.inventory.hosts,
          aTimings,
          { fromMs: a.startedAtMs, toMs: a.finishedAtMs },
          limits,
          s.shutdownDelayMs,
        ),
        cpuSeconds: {
          reaped: a.reapedCpuSeconds,
          controlMasters: a.controlMasterCpuSeconds,
          total: a.cpuSeconds,
        },
        memoryMb: {
          sampledPeakRssSum: a.usage.peakRssSumMb,
          sampledPeakPssSum: a.usage.peakPssSumMb,
          peakProcesses: a.usage.peakProcesses,
        },
        pollDelaySeconds: opts.ansiblePollDelaySeconds,
        environment: aEnvironment,
        logFile: a.logFile,
      };
      opts.log(`scenario ${s.id}: Ansible exited ${a.exitCode} after ${(a.makespanMs / 1000).toFixed(1)} s`);
    }
    return sequence;
  });
  const sequences = [own];
  const other = s.compareWith;
  if (other) {
    // A fresh fleet of the same seed: the same hosts, boot times and latencies, in the same starting state.
    await sleep(3_000);
    sequences.push(
      await withSim(s, shared, path.join(dir, 'compare'), opts, (sim) =>
        runSequence(s, sim, other.label, other.rollouts, shared, opts, path.join(dir, 'compare')),
      ),
    );
  }
  const last = own.rollouts[own.rollouts.length - 1];
  if (!last) throw new Error(`scenario ${s.id}: no rollout ran`);
  return {
    scenario: s,
    startedAt,
    ibfleet: last,
    ...(sequences.length > 1 || rollouts.length > 1 ? { sequences } : {}),
    ansible,
  };
}
