import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { fetchProcedureReports } from '../client/rollout/host-reports';
import type { RolloutOptions, RolloutPhase } from '../common/rollout';
import {
  bounds,
  distribution,
  hostOverheads,
  returnToProgress,
  type Bounds,
  type Distribution,
} from './analysis';
import { runAnsible } from './ansible-run';
import { sleep } from './child-process';
import type { HostBreakdown } from './history-metrics';
import { runIbfleet } from './ibfleet-run';
import { cpuSecondsOf, machineBusyCpuSeconds } from './proc-stats';
import type { Scenario } from './scenarios';
import { startSim } from './sim-child';
import { percentile } from './stats';

// One scenario: a fresh simulated fleet in its own process, the ibfleet rollout, then (optionally)
// the Ansible baseline on the same fleet, each measured on its own.

export interface Shared {
  temporalAddress: string;
  serverPid: number;
  bundlePath: string;
  client: Client;
  namespace: string;
  workDir: string;
  seed: number;
}

/** CPU seconds spent by everything else on the machine while a tool ran (other helpers' work, say). */
export interface Environment {
  simulatorCpuSeconds: number;
  temporalServerCpuSeconds: number;
  benchCpuSeconds: number;
  machineBusyCpuSeconds: number;
  /** Machine busy time not explained by the tool, the simulator, the server or the benchmark itself. */
  otherCpuSeconds: number;
  loadAverageAfter: number[];
}

export interface StepStat {
  step: string;
  medianMs: number;
  p99Ms: number;
  medianCommands: number;
}

export interface IbfleetResult {
  makespanMs: number;
  phase: RolloutPhase;
  /** The rollout's start order (absent in results recorded before the option existed: inventory). */
  order?: RolloutOptions['order'];
  counts: Record<string, number>;
  bounds: Bounds;
  cpuSeconds: { worker: number; client: number; total: number };
  memoryMb: { workerPeakRss: number; clientPeakRss: number; sumOfPeaks: number; sampledPeakRssSum: number };
  returnToProgress: Distribution & { unmatched: number; valuesMs: number[] };
  hostOverhead: Distribution;
  /** Where a host workflow's time went (median over hosts of each part, so the parts need not add up). */
  hostBreakdownMedianMs: HostBreakdown;
  hostHistoryEvents: { median?: number; max: number };
  rollout: {
    historyLengths: number[];
    continueAsNewCount: number;
    maxHistoryEvents: number;
    /** A slot freeing (host finished) → the next host's child workflow initiated. */
    refillDelay: Distribution;
    childStartLatency: Distribution;
  };
  steps: StepStat[];
  environment: Environment;
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

export interface ScenarioResult {
  scenario: Scenario;
  startedAt: string;
  ibfleet: IbfleetResult;
  ansible?: AnsibleResult | { skipped: string };
}

function measureEnvironment(simPid: number, serverPid: number) {
  const start = {
    sim: cpuSecondsOf(simPid),
    server: cpuSecondsOf(serverPid),
    busy: machineBusyCpuSeconds(),
    bench: process.cpuUsage(),
  };
  return (toolCpuSeconds: number): Environment => {
    const sim = cpuSecondsOf(simPid) - start.sim;
    const server = cpuSecondsOf(serverPid) - start.server;
    const busy = machineBusyCpuSeconds() - start.busy;
    const b = process.cpuUsage(start.bench);
    const bench = (b.user + b.system) / 1e6;
    return {
      simulatorCpuSeconds: sim,
      temporalServerCpuSeconds: server,
      benchCpuSeconds: bench,
      machineBusyCpuSeconds: busy,
      otherCpuSeconds: Math.max(0, busy - sim - server - bench - toolCpuSeconds),
      loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
  };
}

function stepStats(
  reports: Map<
    string,
    { steps: { name: string; durationMs: number; status: string }[]; commands: { step: string }[] }
  >,
): StepStat[] {
  const byStep = new Map<string, { durations: number[]; commands: number[] }>();
  for (const r of reports.values()) {
    for (const s of r.steps) {
      if (s.status === 'skipped') continue;
      const e = byStep.get(s.name) ?? { durations: [], commands: [] };
      e.durations.push(s.durationMs);
      e.commands.push(r.commands.filter((c) => c.step === s.name).length);
      byStep.set(s.name, e);
    }
  }
  return [...byStep].map(([step, e]) => ({
    step,
    medianMs: percentile(e.durations, 50) ?? 0,
    p99Ms: percentile(e.durations, 99) ?? 0,
    medianCommands: percentile(e.commands, 50) ?? 0,
  }));
}

export async function runScenario(
  s: Scenario,
  shared: Shared,
  /** ansible: 'run', or why the baseline is skipped. */
  opts: {
    ansible: string;
    ansiblePollDelaySeconds: number;
    profileDir?: string;
    workerNodeOptions?: string;
    log: (line: string) => void;
  },
): Promise<ScenarioResult> {
  const dir = path.join(shared.workDir, `scenario-${s.id}`);
  fs.mkdirSync(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  opts.log(`scenario ${s.id}: starting a fleet of ${s.hosts} host(s)`);
  const sim = await startSim(
    {
      hosts: s.hosts,
      clusters: s.clusters,
      namePrefix: `s${s.id}-esx-`,
      bootTimeMs: s.bootTimeMs,
      commandLatencyMs: s.commandLatencyMs,
      shutdownDelayMs: s.shutdownDelayMs,
      seed: shared.seed,
      outDir: dir,
    },
    path.join(dir, 'sim.log'),
  );
  const limits = { maxParallel: s.maxParallel, perCluster: s.perCluster };
  try {
    // --- ibfleet ---
    opts.log(
      `scenario ${s.id}: ibfleet rollout (max-parallel ${s.maxParallel}, per-cluster ${s.perCluster})`,
    );
    let ibEnv: Environment | undefined;
    const run = await runIbfleet({
      rolloutId: `bench-s${s.id}-${Date.now()}`,
      taskQueue: `bench-s${s.id}-${process.pid}`,
      temporalAddress: shared.temporalAddress,
      bundlePath: shared.bundlePath,
      hosts: sim.inventory.hosts,
      maxParallel: s.maxParallel,
      perCluster: s.perCluster,
      workDir: path.join(dir, 'ibfleet'),
      client: shared.client,
      profileDir: opts.profileDir,
      workerNodeOptions: opts.workerNodeOptions,
      measure: () => {
        const env = measureEnvironment(sim.child.pid, shared.serverPid);
        return (toolCpu) => {
          ibEnv = env(toolCpu);
        };
      },
    });
    const timings = await sim.timings();
    const window = { fromMs: run.startedAtMs, toMs: run.finishedAtMs };
    const b = bounds(sim.inventory.hosts, timings, window, limits, s.shutdownDelayMs);
    const rtp = returnToProgress(run.histories, timings, window);
    const reports = await fetchProcedureReports(
      { client: shared.client, namespace: shared.namespace, close: () => Promise.resolve() },
      'recovery-cycle',
      run.report.hosts,
    );
    const hostEvents = run.histories.map((h) => h.events);
    const runLengths = run.rolloutRuns.map((r) => r.events);
    const median = (pick: (b: HostBreakdown) => number) =>
      percentile(
        run.histories.map((h) => pick(h.breakdown)),
        50,
      ) ?? 0;
    const ibfleet: IbfleetResult = {
      makespanMs: run.makespanMs,
      phase: run.report.phase,
      order: run.report.options.order,
      counts: run.report.counts,
      bounds: b,
      cpuSeconds: { worker: run.workerCpuSeconds, client: run.clientCpuSeconds, total: run.cpuSeconds },
      memoryMb: {
        workerPeakRss: run.workerPeakRssMb,
        clientPeakRss: run.clientPeakRssMb,
        sumOfPeaks: run.workerPeakRssMb + run.clientPeakRssMb,
        sampledPeakRssSum: run.usage.peakRssSumMb,
      },
      returnToProgress: { ...distribution(rtp.values), unmatched: rtp.unmatched, valuesMs: rtp.values },
      hostOverhead: distribution(hostOverheads(run.report.hosts, b.works)),
      hostBreakdownMedianMs: {
        totalMs: median((x) => x.totalMs),
        activityMs: median((x) => x.activityMs),
        scheduleToStartMs: median((x) => x.scheduleToStartMs),
        betweenActivitiesMs: median((x) => x.betweenActivitiesMs),
        startToFirstActivityMs: median((x) => x.startToFirstActivityMs),
        lastActivityToCloseMs: median((x) => x.lastActivityToCloseMs),
        activities: median((x) => x.activities),
      },
      hostHistoryEvents: { median: percentile(hostEvents, 50), max: Math.max(0, ...hostEvents) },
      rollout: {
        historyLengths: runLengths,
        continueAsNewCount: run.report.continueAsNewCount,
        maxHistoryEvents: Math.max(0, ...hostEvents, ...runLengths),
        refillDelay: distribution(run.rolloutRuns.flatMap((r) => r.refillDelaysMs)),
        childStartLatency: distribution(run.rolloutRuns.flatMap((r) => r.childStartLatenciesMs)),
      },
      steps: stepStats(reports),
      environment: ibEnv ?? measureEnvironment(sim.child.pid, shared.serverPid)(0),
    };
    opts.log(
      `scenario ${s.id}: ibfleet ${run.report.phase} in ${(run.makespanMs / 1000).toFixed(1)} s (lower bound ${(b.measured.lowerBoundMs / 1000).toFixed(1)} s)`,
    );

    // --- Ansible ---
    let ansible: ScenarioResult['ansible'];
    if (opts.ansible !== 'run') {
      ansible = { skipped: opts.ansible };
    } else {
      await sleep(3_000); // let the worker's SSH connections close and the fleet settle
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
    return { scenario: s, startedAt, ibfleet, ansible };
  } finally {
    await sim.child.stop(10_000);
  }
}
