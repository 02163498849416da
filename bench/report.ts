import type { MachineInfo } from './machine-info';
import type { AnsibleResult, ScenarioResult } from './run-scenario';
import { distribution } from './analysis';
import type { Bound } from './lower-bound';
import { extraSection, extraTargets, largestHistoryText } from './report-extras';
import { round } from './stats';

// The results of one benchmark run: targets with pass/miss, and per-scenario tables, as JSON and markdown.

export interface BenchResults {
  date: string;
  mode: 'full' | 'quick';
  command: string;
  machine: MachineInfo;
  timing: Record<string, number>;
  durationS: number;
  scenarios: ScenarioResult[];
  targets: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

const s1 = (ms: number | undefined) => (ms === undefined ? '–' : `${round(ms / 1000, 1)} s`);
const ms0 = (ms: number | undefined) => (ms === undefined ? '–' : `${Math.round(ms)} ms`);
const x = (v: number) => `${round(v, 3)}x`;

function isAnsible(a: ScenarioResult['ansible']): a is AnsibleResult {
  return a !== undefined && 'makespanMs' in a;
}

export function checkTargets(results: readonly ScenarioResult[]): TargetCheck[] {
  const byId = new Map(results.map((r) => [r.scenario.id, r]));
  const checks: TargetCheck[] = [];
  for (const r of results) {
    const target = r.scenario.makespanTarget;
    if (target === undefined) continue;
    const ratio = r.ibfleet.makespanMs / r.ibfleet.bounds.measured.lowerBoundMs;
    checks.push({
      target: `scenario ${r.scenario.id}: makespan within ${Math.round((target - 1) * 100)}% of the lower bound`,
      measured: `${s1(r.ibfleet.makespanMs)} vs ${s1(r.ibfleet.bounds.measured.lowerBoundMs)} = ${x(ratio)}`,
      pass: ratio <= target && r.ibfleet.phase === 'succeeded',
    });
  }
  const one = byId.get(1);
  if (one) {
    const a = one.ansible;
    if (isAnsible(a)) {
      const speedup = a.makespanMs / one.ibfleet.makespanMs;
      checks.push({
        target: 'scenario 1: at least 1.3x faster than Ansible',
        measured: `Ansible ${s1(a.makespanMs)} / ibfleet ${s1(one.ibfleet.makespanMs)} = ${x(speedup)}`,
        pass: speedup >= 1.3 && a.failedHosts === 0,
      });
      checks.push({
        target: 'scenario 1: less controller CPU than Ansible',
        measured: `ibfleet ${round(one.ibfleet.cpuSeconds.total, 1)} s vs Ansible ${round(a.cpuSeconds.total, 1)} s`,
        pass: one.ibfleet.cpuSeconds.total < a.cpuSeconds.total,
      });
    } else {
      checks.push({
        target: 'scenario 1: at least 1.3x faster than Ansible, with less controller CPU',
        measured: `not run: ${a?.skipped ?? 'no Ansible'}`,
        pass: undefined,
      });
    }
  }
  const rtp = distribution(results.flatMap((r) => r.ibfleet.returnToProgress.valuesMs));
  checks.push({
    target: 'return-to-progress median ≤ 1 s (all scenarios)',
    measured: `${ms0(rtp.medianMs)} over ${rtp.n} reboots`,
    pass: rtp.medianMs === undefined ? undefined : rtp.medianMs <= 1_000,
  });
  checks.push({
    target: 'return-to-progress p99 ≤ 3 s (all scenarios)',
    measured: `${ms0(rtp.p99Ms)} (max ${ms0(rtp.maxMs)})`,
    pass: rtp.p99Ms === undefined ? undefined : rtp.p99Ms <= 3_000,
  });
  const three = byId.get(3);
  if (three) {
    checks.push({
      target: 'scenario 3: worker peak RSS ≤ 400 MB',
      measured: `${round(three.ibfleet.memoryMb.workerPeakRss, 0)} MB`,
      pass: three.ibfleet.memoryMb.workerPeakRss <= 400,
    });
    checks.push({
      target: 'scenario 3: no workflow history over 10,000 events',
      measured: `largest ${three.ibfleet.rollout.maxHistoryEvents} events`,
      pass: three.ibfleet.rollout.maxHistoryEvents <= 10_000,
    });
  }
  checks.push(...extraTargets(results));
  return checks;
}

function boundRows(b: Bound): string[] {
  return [
    `lower bound ${s1(b.lowerBoundMs)} (binding: ${b.binding}; longest host ${s1(b.longestHostMs)}, total/parallel ${s1(b.totalOverParallelMs)} over ${b.effectiveParallelism} slots, two-largest-sharing ${s1(b.twoLargestSharingMs)}${b.clusterMs ? `, per-cluster ${s1(b.clusterMs)}` : ''})`,
    `zero-overhead schedules: inventory order ${s1(b.inOrderScheduleMs)}, longest-first ${s1(b.lptScheduleMs)}`,
  ];
}

function scenarioSection(r: ScenarioResult, cores: number): string {
  const s = r.scenario;
  const perHost = (seconds: number) => ms0((seconds * 1000) / s.hosts);
  const cpuFloorMs = (seconds: number) => (seconds * 1000) / cores;
  const ib = r.ibfleet;
  const order = ib.order ?? 'inventory';
  const a = isAnsible(r.ansible) ? r.ansible : undefined;
  const lb = ib.bounds.measured.lowerBoundMs;
  const largest = largestHistoryText([ib]);
  const boot = Array.isArray(s.bootTimeMs)
    ? `${s.bootTimeMs[0] / 1000}-${s.bootTimeMs[1] / 1000} s per host`
    : `${s.bootTimeMs / 1000} s`;
  const lat = Array.isArray(s.commandLatencyMs)
    ? `${s.commandLatencyMs[0]}-${s.commandLatencyMs[1]} ms per host`
    : `${s.commandLatencyMs} ms`;
  const lines = [
    `### Scenario ${s.id}: ${s.title}`,
    '',
    `${s.hosts} host(s) in ${s.clusters} cluster(s); max-parallel ${s.maxParallel}, per-cluster ${s.perCluster || 'unlimited'}; boot ${boot}, command latency ${lat}, shutdown delay ${s.shutdownDelayMs} ms.`,
    '',
    '| | ibfleet | Ansible |',
    '|---|---|---|',
    `| outcome | ${ib.phase} (${ib.counts.succeeded ?? 0} succeeded, ${(ib.counts.failed ?? 0) + (ib.counts['needs-attention'] ?? 0)} failed) | ${a ? `exit ${a.exitCode} (${a.okHosts} ok, ${a.failedHosts} failed)` : `not run${r.ansible && 'skipped' in r.ansible ? `: ${r.ansible.skipped}` : ''}`} |`,
    `| makespan | ${s1(ib.makespanMs)} | ${a ? s1(a.makespanMs) : '–'} |`,
    `| lower bound (boots as recorded) | ${s1(lb)} | ${a ? s1(a.bounds.measured.lowerBoundMs) : '–'} |`,
    `| makespan / lower bound | ${x(ib.makespanMs / lb)} | ${a ? x(a.makespanMs / a.bounds.measured.lowerBoundMs) : '–'} |`,
    `| makespan / zero-overhead schedule in the order used (ibfleet ${order}, Ansible inventory) | ${x(ib.makespanMs / (order === 'slowest-first' ? ib.bounds.measured.lptScheduleMs : ib.bounds.measured.inOrderScheduleMs))} | ${a ? x(a.makespanMs / a.bounds.measured.inOrderScheduleMs) : '–'} |`,
    `| lower bound from configured boot times | ${s1(ib.bounds.nominal.lowerBoundMs)} | ${a ? s1(a.bounds.nominal.lowerBoundMs) : '–'} |`,
    `| controller CPU | ${round(ib.cpuSeconds.total, 1)} s (worker ${round(ib.cpuSeconds.worker, 1)}, client ${round(ib.cpuSeconds.client, 1)}) | ${a ? `${round(a.cpuSeconds.total, 1)} s (ansible-playbook + forks + ssh ${round(a.cpuSeconds.reaped, 1)}, ControlMasters ${round(a.cpuSeconds.controlMasters, 2)})` : '–'} |`,
    `| controller peak memory | ${round(ib.memoryMb.sumOfPeaks, 0)} MB (worker VmHWM ${round(ib.memoryMb.workerPeakRss, 0)}, client ${round(ib.memoryMb.clientPeakRss, 0)}) | ${a ? `${round(a.memoryMb.sampledPeakRssSum, 0)} MB RSS sum / ${round(a.memoryMb.sampledPeakPssSum, 0)} MB PSS sum, ${a.memoryMb.peakProcesses} processes (sampled) ` : '–'} |`,
    `| controller CPU + Temporal server CPU | ${round(ib.cpuSeconds.total + ib.environment.temporalServerCpuSeconds, 1)} s | ${a ? `${round(a.cpuSeconds.total, 1)} s (no server)` : '–'} |`,
    `| CPU per host | worker ${perHost(ib.cpuSeconds.worker)}, client ${perHost(ib.cpuSeconds.client)}, Temporal server ${perHost(ib.environment.temporalServerCpuSeconds)}, simulator ${perHost(ib.environment.simulatorCpuSeconds)} | ${a ? `Ansible ${perHost(a.cpuSeconds.total)}, simulator ${perHost(a.environment.simulatorCpuSeconds)}` : '–'} |`,
    `| CPU floor: (tool + server + simulator CPU) / ${cores} cores | ${s1(cpuFloorMs(ib.cpuSeconds.total + ib.environment.temporalServerCpuSeconds + ib.environment.simulatorCpuSeconds))} | ${a ? s1(cpuFloorMs(a.cpuSeconds.total + a.environment.simulatorCpuSeconds)) : '–'} |`,
    `| simulator CPU | ${round(ib.environment.simulatorCpuSeconds, 1)} s | ${a ? `${round(a.environment.simulatorCpuSeconds, 1)} s` : '–'} |`,
    `| Temporal dev server CPU | ${round(ib.environment.temporalServerCpuSeconds, 1)} s | ${a ? `(idle) ${round(a.environment.temporalServerCpuSeconds, 1)} s` : '–'} |`,
    `| other work on the machine (CPU) | ${round(ib.environment.otherCpuSeconds, 1)} s, load ${ib.environment.loadAverageAfter.join(' ')} | ${a ? `${round(a.environment.otherCpuSeconds, 1)} s, load ${a.environment.loadAverageAfter.join(' ')}` : '–'} |`,
    '',
    `ibfleet: return-to-progress (host's SSH answering again → await-return step completed) median ${ms0(ib.returnToProgress.medianMs)}, p99 ${ms0(ib.returnToProgress.p99Ms)}, max ${ms0(ib.returnToProgress.maxMs)} over ${ib.returnToProgress.n} reboots${ib.returnToProgress.unmatched ? ` (${ib.returnToProgress.unmatched} unmatched)` : ''}; ` +
      `per-host overhead (time in the rollout − intrinsic work) median ${ms0(ib.hostOverhead.medianMs)}, p99 ${ms0(ib.hostOverhead.p99Ms)}; ` +
      `host workflow history median ${ib.hostHistoryEvents.median ?? '–'} events (max ${ib.hostHistoryEvents.max}); rollout history ${ib.rollout.historyLengths.join(' → ')} events, ${ib.rollout.continueAsNewCount} continue-as-new` +
      (ib.shardHistoryEvents
        ? `; shard histories median ${ib.shardHistoryEvents.median ?? '–'} events (max ${ib.shardHistoryEvents.max}) over ${ib.shardHistoryEvents.runs} shard runs`
        : '') +
      (largest ? `; largest history per kind: ${largest}.` : '.'),
    '',
    `ibfleet host workflow time (median per host): total ${s1(ib.hostBreakdownMedianMs.totalMs)} = activities running ${s1(ib.hostBreakdownMedianMs.activityMs)} + waiting for a worker ${ms0(ib.hostBreakdownMedianMs.scheduleToStartMs)} + workflow tasks between activities ${ms0(ib.hostBreakdownMedianMs.betweenActivitiesMs)} (${ib.hostBreakdownMedianMs.activities} activities) + start → first activity ${ms0(ib.hostBreakdownMedianMs.startToFirstActivityMs)} + last activity → close ${ms0(ib.hostBreakdownMedianMs.lastActivityToCloseMs)}. ` +
      `Rollout: a freed slot is refilled after median ${ms0(ib.rollout.refillDelay.medianMs)} (p99 ${ms0(ib.rollout.refillDelay.p99Ms)}); child start latency median ${ms0(ib.rollout.childStartLatency.medianMs)}.`,
    '',
    ...(ib.problems ?? []).map(
      (p) =>
        `- ibfleet: ${p.name} ${p.outcome}${p.stoppedInStep ? ` in ${p.stoppedInStep}` : ''}: ${p.reason}`,
    ),
    ...boundRows(ib.bounds.measured).map((l) => `- ibfleet run: ${l}`),
    ...(a ? boundRows(a.bounds.measured).map((l) => `- Ansible run: ${l}`) : []),
    '',
    ...extraSection(r),
    '<details><summary>ibfleet steps (median over hosts)</summary>',
    '',
    '| step | median | p99 | commands (median) |',
    '|---|---|---|---|',
    ...ib.steps.map((st) => `| ${st.step} | ${ms0(st.medianMs)} | ${ms0(st.p99Ms)} | ${st.medianCommands} |`),
    '',
    '</details>',
    '',
  ];
  return lines.join('\n');
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    `# ibfleet benchmark, ${r.date} (${r.mode})`,
    '',
    `Reproduce: \`${r.command}\` (took ${Math.round(r.durationS / 60)} min).`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, ${m.kernel}; load average at start ${m.loadAverageAtStart.join(' ')}.`,
    `Versions: Node ${m.node}; Temporal CLI ${m.temporalCli}; ${m.ansible ?? 'Ansible not installed'}; ${m.openssh ?? ''}.`,
    '',
    `ibfleet ran with the product default timings (${Object.entries(r.timing)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}), a prebuilt workflow bundle, worker and client in their own processes; the simulator and the Temporal dev server (SQLite in a temp dir, headless) in theirs.`,
    '',
    '## Targets',
    '',
    '| target | measured | result |',
    '|---|---|---|',
    ...r.targets.map(
      (t) =>
        `| ${t.target} | ${t.measured} | ${t.pass === undefined ? 'n/a' : t.pass ? 'pass' : '**miss**'} |`,
    ),
    '',
    '## Scenarios',
    '',
    ...r.scenarios.map((s) => scenarioSection(s, m.cores)),
    '## How the lower bound is computed',
    '',
    "Each host's intrinsic work is 11 dependent command round trips at its recorded latency (read options, set mst_recovery=1, maintenance on, reboot, one boot-marker read proving the return, verify, restore, reboot, marker read, verify, maintenance off) plus, for each of its two reboots, the shutdown delay and the time it was actually down (downAt → upAt as the simulator recorded it). " +
      'The lower bound is the largest of: the longest host; total work over the slots that can run at once (min of max-parallel and the per-cluster capacity); the sum of the two hosts ranked at the slot count and the one after (two of the slots+1 longest hosts must share a slot); and per cluster, its work over its limit. ' +
      'Other procedures (scenarios 5-7) count their own round trips and reboots (`PROCEDURE_WORK` in bench/lower-bound.ts: sriov-enable 8 and 1 reboot, converge on hidden cards 12 and 2, preflight 1 and none); with VMs (scenario 6), each host also needs the longest guest shutdown of its running VMs (they can shut down at once; maintenance mode waits for the last) and one round trip to power them on again. ' +
      "No schedule can beat it. The zero-overhead list schedules (inventory order, which is Ansible's `serial` and ibfleet's default, and longest-first, which ibfleet's `--order slowest-first` approximates from each host's previous reboot) are achievable, so the optimum lies between the bound and the smaller of the two; makespan / the schedule of the order used isolates the controller's own overhead from the order.",
    '',
  ];
  return lines.join('\n');
}
