import type { Distribution } from './analysis';
import type { RunHistory } from './largest-history';
import type { IbfleetResult } from './measure-rollout';
import type { ScenarioResult, SequenceResult } from './run-scenario';
import { round } from './stats';

// The parts of the results that scenarios 5-7 add: rollouts in sequence (preflight then recovery-cycle;
// apply vs the single procedures), worker processes sharing a rollout, and their targets.

const s1 = (ms: number | undefined) => (ms === undefined ? '–' : `${round(ms / 1000, 1)} s`);
const x = (v: number) => `${round(v, 3)}x`;
const dist = (d: Distribution | undefined, f: (v: number | undefined) => string) =>
  d ? `median ${f(d.medianMs)}, max ${f(d.maxMs)}` : '–';
const count = (v: number | undefined) => (v === undefined ? '–' : String(round(v, 1)));

function outcome(r: IbfleetResult): string {
  const bad = (r.counts.failed ?? 0) + (r.counts['needs-attention'] ?? 0);
  return `${r.phase} (${r.counts.succeeded ?? 0} ok${bad ? `, ${bad} not` : ''})`;
}

/** A sharded rollout's shard runs: "median / max (runs)" events; '–' when not sharded or not read. */
function shardEvents(r: IbfleetResult): string {
  const s = r.shardHistoryEvents;
  return s ? `${s.median ?? '–'} / ${s.max} (${s.runs} runs)` : '–';
}

/**
 * The largest history of each kind of workflow over `results` (rollout runs, shard runs, host
 * workflows), e.g. "rollout 1436, shard 5210 (ibfleet/rollout/x/shard/3), host 57"; undefined when no
 * result recorded them (results from before the shards were read).
 */
export function largestHistoryText(results: readonly IbfleetResult[]): string | undefined {
  const pick = (kind: 'rollout' | 'shard' | 'host'): RunHistory | undefined =>
    results
      .map((r) => r.largestHistory?.[kind])
      .reduce<RunHistory | undefined>((a, b) => (b && (!a || b.events > a.events) ? b : a), undefined);
  const parts = (['rollout', 'shard', 'host'] as const).flatMap((kind) => {
    const h = pick(kind);
    return h ? [`${kind} ${h.events} (${h.workflowId})`] : [];
  });
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function rolloutRow(r: IbfleetResult): string {
  const lb = r.bounds.measured.lowerBoundMs;
  const workers = r.workers?.map((w) => `${round(w.peakRssMb, 0)} MB`).join(' + ') ?? '–';
  return `| ${r.procedure ?? 'recovery-cycle'} | ${outcome(r)} | ${s1(r.makespanMs)} | ${s1(lb)} (${x(lb > 0 ? r.makespanMs / lb : 0)}) | ${r.reboots?.total ?? '–'} | ${r.hostHistoryEvents.median ?? '–'} / ${r.hostHistoryEvents.max} | ${r.rollout.historyLengths.join(' → ')} (${r.rollout.continueAsNewCount} CAN) | ${shardEvents(r)} | ${workers} | ${round(r.cpuSeconds.worker, 1)} s |`;
}

function sequenceLines(q: SequenceResult): string[] {
  return [
    `**${q.label}**: ${q.succeeded ? 'every rollout succeeded' : 'did not finish'}, ${s1(q.makespanMs)} from the first start to the last end (the benchmark's reads between rollouts included); ${q.totalReboots} reboots in all, per host ${dist(q.rebootsPerHost, count)}; time per host in the rollouts ${dist(q.hostTime, s1)}.`,
    '',
    '| rollout | outcome | makespan | lower bound (ratio) | reboots | host history events median / max | rollout history events | shard history events median / max | worker peak RSS (VmHWM) | worker CPU |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...q.rollouts.map(rolloutRow),
    '',
  ];
}

const sum = (q: SequenceResult) => q.rollouts.reduce((total, r) => total + r.makespanMs, 0);

function comparisonLines(a: SequenceResult, b: SequenceResult): string[] {
  const ratio = (p: number | undefined, q: number | undefined) =>
    p !== undefined && q !== undefined && p > 0 ? x(q / p) : '–';
  return [
    `| | ${a.label} | ${b.label} | ${b.label} / ${a.label} |`,
    '|---|---|---|---|',
    `| outcome | ${a.succeeded ? 'succeeded' : 'did not finish'} | ${b.succeeded ? 'succeeded' : 'did not finish'} | |`,
    `| rollouts' makespans, summed | ${s1(sum(a))} | ${s1(sum(b))} | ${ratio(sum(a), sum(b))} |`,
    `| fleet makespan (first start → last end) | ${s1(a.makespanMs)} | ${s1(b.makespanMs)} | ${ratio(a.makespanMs, b.makespanMs)} |`,
    `| reboots, fleet | ${a.totalReboots} | ${b.totalReboots} | ${ratio(a.totalReboots, b.totalReboots)} |`,
    `| reboots per host (median / max) | ${count(a.rebootsPerHost.medianMs)} / ${count(a.rebootsPerHost.maxMs)} | ${count(b.rebootsPerHost.medianMs)} / ${count(b.rebootsPerHost.maxMs)} | |`,
    `| time per host (median / max) | ${s1(a.hostTime.medianMs)} / ${s1(a.hostTime.maxMs)} | ${s1(b.hostTime.medianMs)} / ${s1(b.hostTime.maxMs)} | ${ratio(a.hostTime.medianMs, b.hostTime.medianMs)} (median) |`,
    '',
  ];
}

function workerLines(r: IbfleetResult): string[] {
  const split = r.workerSplit ?? [];
  if (split.length < 2) return [];
  return [
    `Workers sharing the ${r.procedure ?? 'recovery-cycle'} rollout (identity as Temporal recorded it in the host histories):`,
    '',
    '| worker | host workflows (first task) | workflow tasks | activities |',
    '|---|---|---|---|',
    ...split.map((w) => `| ${w.identity} | ${w.hostWorkflows} | ${w.workflowTasks} | ${w.activities} |`),
    '',
  ];
}

/** Extra lines of a scenario's section (nothing for scenarios 1-4). */
export function extraSection(r: ScenarioResult): string[] {
  const s = r.scenario;
  const lines: string[] = [];
  if (s.vms)
    lines.push(
      `Each host carries ${s.vms.perHost[0]}-${s.vms.perHost[1]} VMs (seeded mix; VMware Tools answering, guest shutdown ${s.vms.shutdownSeconds[0]}-${s.vms.shutdownSeconds[1]} s each); ibfleet runs with \`--vm-policy shutdown\`. The lower bound adds per host the longest guest shutdown of its running VMs and one round trip to power them on again.`,
      '',
    );
  const vms = r.ibfleet.vms;
  if (vms)
    lines.push(
      `VMs: ${vms.stopped} running VMs on ${vms.hosts} hosts recorded and stopped (${vms.guestShutdown} by guest shutdown, ${vms.hardOff} hard power-off), ${vms.restarted} powered on again after the host's maintenance mode ended.`,
      '',
    );
  if (s.hiddenCards) lines.push('Every host starts with its cards hidden (guide 2.4) and SR-IOV off.', '');
  const seqs = r.sequences ?? [];
  for (const q of seqs) lines.push(...sequenceLines(q));
  if (seqs.length === 2) lines.push(...comparisonLines(seqs[0], seqs[1]));
  for (const q of seqs.length ? seqs : []) for (const ro of q.rollouts) lines.push(...workerLines(ro));
  if (seqs.length === 0) lines.push(...workerLines(r.ibfleet));
  return lines;
}

export interface ExtraTarget {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

/** Targets of scenarios 5 and 7. */
export function extraTargets(results: readonly ScenarioResult[]): ExtraTarget[] {
  const out: ExtraTarget[] = [];
  for (const r of results) {
    const seqs = r.sequences ?? [];
    if (r.scenario.id === 7 && seqs.length === 2) {
      const [a, b] = seqs;
      out.push({
        target: 'scenario 7: apply converges with fewer reboots than the single procedures',
        measured: `${a.totalReboots} vs ${b.totalReboots} reboots`,
        pass: a.succeeded && b.succeeded ? a.totalReboots < b.totalReboots : false,
      });
      out.push({
        target: 'scenario 7: apply converges the fleet sooner than the single procedures',
        measured: `${s1(a.makespanMs)} vs ${s1(b.makespanMs)}`,
        pass: a.succeeded && b.succeeded ? a.makespanMs < b.makespanMs : false,
      });
    }
    if (r.scenario.id === 5) {
      const size = `${r.scenario.hosts.toLocaleString('en-US')} hosts`;
      // #15's targets: 400 MB at 1,000 hosts, 1 GB at 10,000; other sizes are recorded without one.
      const limitMb = r.scenario.hosts === 1_000 ? 400 : r.scenario.hosts >= 10_000 ? 1_024 : undefined;
      // One rollout (`--procedures`): the scenario's result is that rollout, without sequences.
      const rollouts = seqs.length > 0 ? seqs.flatMap((q) => q.rollouts) : [r.ibfleet];
      const peak = Math.max(0, ...rollouts.map((ro) => ro.memoryMb.workerPeakRss));
      out.push({
        target: `scenario 5 at ${size}: each worker's peak RSS ${limitMb ? `≤ ${limitMb} MB` : '(no target at this size)'}`,
        measured: `largest ${round(peak, 0)} MB`,
        pass: limitMb === undefined ? undefined : peak <= limitMb,
      });
      const maxEvents = Math.max(0, ...rollouts.map((ro) => ro.rollout.maxHistoryEvents));
      const byKind = largestHistoryText(rollouts);
      out.push({
        target: `scenario 5 at ${size}: no workflow history over 10,000 events`,
        measured: `largest ${maxEvents} events${byKind ? ` (${byKind})` : ''}`,
        pass: maxEvents <= 10_000,
      });
      const split = r.ibfleet.workerSplit ?? [];
      out.push({
        target: `scenario 5 at ${size}: both workers run host workflows`,
        measured: split.map((w) => `${w.hostWorkflows}`).join(' + ') + ' host workflows',
        pass: split.filter((w) => w.hostWorkflows > 0).length >= 2,
      });
    }
  }
  return out;
}
