import os from 'node:os';
import type { Client } from '@temporalio/client';
import { fetchProcedureReports } from '../client/rollout/host-reports';
import type { RolloutOptions, RolloutPhase, RolloutReport } from '../common/rollout';
import type { HostTimings } from '../simulator/sim-host';
import {
  bounds,
  distribution,
  hostOverheads,
  returnToProgress,
  type Bounds,
  type Distribution,
  type HostWorkSpec,
} from './analysis';
import type { HostBreakdown, HostHistory } from './history-metrics';
import type { IbfleetRun, WorkerUsage } from './ibfleet-run';
import { largestEvents, largestHistories, type LargestHistories } from './largest-history';
import type { Limits } from './lower-bound';
import { cpuSecondsOf, machineBusyCpuSeconds } from './proc-stats';
import type { BenchProcedure } from './scenarios';
import { percentile } from './stats';
import { rolloutWorkflowId, type HostRef } from '../common/targets';

// From one ibfleet rollout's run (its report, the histories, the processes' usage) and what the
// simulator recorded to the numbers the results keep.

/** CPU seconds spent by everything else on the machine while a tool ran (other helpers' work, say). */
/** Problems a result keeps: enough to tell why a run failed, few enough for a 10,000-host result. */
const MAX_BENCH_PROBLEMS = 20;

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

/** One worker process's part of a rollout, by the identity Temporal recorded in the histories. */
export interface WorkerSplit {
  identity: string;
  /** Host workflows whose first workflow task it ran. */
  hostWorkflows: number;
  workflowTasks: number;
  activities: number;
}

export interface IbfleetResult {
  /** Absent in results recorded before scenarios 5-7: recovery-cycle. */
  procedure?: BenchProcedure;
  makespanMs: number;
  phase: RolloutPhase;
  /** The rollout's start order (absent in results recorded before the option existed: inventory). */
  order?: RolloutOptions['order'];
  counts: Record<string, number>;
  /** The hosts that did not succeed (at most MAX_BENCH_PROBLEMS, skipped ones left out), with why. */
  problems?: RolloutReport['problems'];
  bounds: Bounds;
  cpuSeconds: { worker: number; client: number; total: number };
  memoryMb: { workerPeakRss: number; clientPeakRss: number; sumOfPeaks: number; sampledPeakRssSum: number };
  /** Each worker process (absent before scenarios 5-7: one worker). */
  workers?: WorkerUsage[];
  workerSplit?: WorkerSplit[];
  /** Reboots the hosts reported (absent before scenarios 5-7). */
  reboots?: { total: number; perHost: Distribution };
  /** VMs the shutdown policy stopped and powered on again, from the host reports (scenario 6). */
  vms?: { stopped: number; guestShutdown: number; hardOff: number; restarted: number; hosts: number };
  /** Per host: child workflow started → finished (absent before scenarios 5-7). */
  hostTime?: Distribution;
  returnToProgress: Distribution & { unmatched: number; valuesMs: number[] };
  hostOverhead: Distribution;
  /** Where a host workflow's time went (median over hosts of each part, so the parts need not add up). */
  hostBreakdownMedianMs: HostBreakdown;
  hostHistoryEvents: { median?: number; max: number };
  /** A sharded rollout's shard workflows: their runs' history lengths (absent when not sharded or not read). */
  shardHistoryEvents?: { runs: number; median?: number; max: number };
  /** The largest run of the rollout, of its shards and of its hosts (absent in results before shards were read). */
  largestHistory?: LargestHistories;
  rollout: {
    historyLengths: number[];
    continueAsNewCount: number;
    /** The largest history of any workflow of the rollout: its own runs, its shards' runs and its hosts. */
    maxHistoryEvents: number;
    /** A slot freeing (host finished) → the next host's child workflow initiated. */
    refillDelay: Distribution;
    childStartLatency: Distribution;
  };
  steps: StepStat[];
  environment: Environment;
}

export function measureEnvironment(simPid: number, serverPid: number) {
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

/** Per worker identity: its share of the host workflows' tasks and activities. */
export function workerSplit(histories: readonly HostHistory[]): WorkerSplit[] {
  const out = new Map<string, WorkerSplit>();
  const of = (identity: string): WorkerSplit => {
    let w = out.get(identity);
    if (!w) {
      w = { identity, hostWorkflows: 0, workflowTasks: 0, activities: 0 };
      out.set(identity, w);
    }
    return w;
  };
  for (const h of histories) {
    const entries = Object.entries(h.byWorker);
    for (const [identity, share] of entries) {
      const w = of(identity);
      w.workflowTasks += share.workflowTasks;
      w.activities += share.activities;
    }
    const first = entries.find(([, share]) => share.workflowTasks > 0);
    if (first) of(first[0]).hostWorkflows += 1;
  }
  return [...out.values()].sort((a, b) => a.identity.localeCompare(b.identity));
}

export interface MeasureInput {
  procedure: BenchProcedure;
  run: IbfleetRun;
  hosts: readonly HostRef[];
  timings: Record<string, HostTimings>;
  limits: Limits;
  shutdownDelayMs: number;
  work: HostWorkSpec;
  client: Client;
  namespace: string;
  environment: Environment;
}

export async function measureRollout(m: MeasureInput): Promise<IbfleetResult> {
  const { run } = m;
  const window = { fromMs: run.startedAtMs, toMs: run.finishedAtMs };
  const b = bounds(m.hosts, m.timings, window, m.limits, m.shutdownDelayMs, m.work);
  const rtp = returnToProgress(run.histories, m.timings, window);
  const reports = await fetchProcedureReports(
    { client: m.client, namespace: m.namespace, close: () => Promise.resolve() },
    m.procedure,
    run.report.hosts,
  );
  const hostEvents = run.histories.map((h) => h.events);
  const runLengths = run.rolloutRuns.map((r) => r.events);
  const shardLengths = run.shardRuns.map((r) => r.events);
  const largest = largestHistories({
    rollout: run.rolloutRuns.map((r) => ({
      workflowId: rolloutWorkflowId(run.report.rolloutId),
      runId: r.runId,
      events: r.events,
    })),
    shards: run.shardRuns,
    hosts: run.histories.map((h) => ({
      workflowId: h.workflowId,
      ...(h.runId ? { runId: h.runId } : {}),
      events: h.events,
    })),
  });
  const median = (pick: (b: HostBreakdown) => number) =>
    percentile(
      run.histories.map((h) => pick(h.breakdown)),
      50,
    ) ?? 0;
  const reboots = run.report.hosts.map((h) => h.reboots ?? 0);
  const hostTimes = run.report.hosts.flatMap((h) =>
    h.startedAt && h.finishedAt ? [Date.parse(h.finishedAt) - Date.parse(h.startedAt)] : [],
  );
  const stoppedVms = [...reports.values()].flatMap((r) => r.vms?.stopped ?? []);
  return {
    procedure: m.procedure,
    ...(stoppedVms.length > 0
      ? {
          vms: {
            stopped: stoppedVms.length,
            guestShutdown: stoppedVms.filter((v) => v.how === 'guest-shutdown').length,
            hardOff: stoppedVms.filter((v) => v.how === 'hard-off').length,
            restarted: stoppedVms.filter((v) => v.restarted === 'powered-on').length,
            hosts: [...reports.values()].filter((r) => (r.vms?.stopped.length ?? 0) > 0).length,
          },
        }
      : {}),
    makespanMs: run.makespanMs,
    phase: run.report.phase,
    order: run.report.options.order,
    counts: run.report.counts,
    problems: run.report.problems.filter((p) => p.outcome !== 'skipped').slice(0, MAX_BENCH_PROBLEMS),
    bounds: b,
    cpuSeconds: { worker: run.workerCpuSeconds, client: run.clientCpuSeconds, total: run.cpuSeconds },
    memoryMb: {
      workerPeakRss: run.workerPeakRssMb,
      clientPeakRss: run.clientPeakRssMb,
      sumOfPeaks: run.workerUsage.reduce((sum, w) => sum + w.peakRssMb, 0) + run.clientPeakRssMb,
      sampledPeakRssSum: run.usage.peakRssSumMb,
    },
    workers: run.workerUsage,
    workerSplit: workerSplit(run.histories),
    reboots: { total: reboots.reduce((a, r) => a + r, 0), perHost: distribution(reboots) },
    hostTime: distribution(hostTimes),
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
    ...(shardLengths.length > 0
      ? {
          shardHistoryEvents: {
            runs: shardLengths.length,
            median: percentile(shardLengths, 50),
            max: Math.max(...shardLengths),
          },
        }
      : {}),
    ...(largest ? { largestHistory: largest } : {}),
    rollout: {
      historyLengths: runLengths,
      continueAsNewCount: run.report.continueAsNewCount,
      maxHistoryEvents: Math.max(largestEvents(largest), ...hostEvents, ...runLengths),
      refillDelay: distribution(run.rolloutRuns.flatMap((r) => r.refillDelaysMs)),
      childStartLatency: distribution(run.rolloutRuns.flatMap((r) => r.childStartLatenciesMs)),
    },
    steps: stepStats(reports),
    environment: m.environment,
  };
}
