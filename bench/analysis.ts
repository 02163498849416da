import type { HostProgress } from '../common/rollout';
import type { HostRef } from '../common/targets';
import type { BootRecord, HostTimings } from '../simulator/sim-host';
import type { HostHistory } from './history-metrics';
import {
  hostWorkMs,
  lowerBound,
  RECOVERY_CYCLE_COMMAND_ROUNDS,
  type Bound,
  type HostWork,
  type Limits,
} from './lower-bound';
import { percentile } from './stats';

// From what the simulator recorded (per-host boot times, command latencies, each boot's down/up
// times) to the scenario's lower bound, and from the histories to the reaction times.

export interface Window {
  fromMs: number;
  toMs: number;
}

/** The boots a host went through inside a run (the rebooted host went down after it started). */
export function bootsIn(t: HostTimings, w: Window): BootRecord[] {
  return t.boots
    .filter((b) => {
      const down = Date.parse(b.downAt);
      return down >= w.fromMs && down <= w.toMs;
    })
    .sort((a, b) => Date.parse(a.downAt) - Date.parse(b.downAt));
}

export interface Bounds {
  /** From the boots as they happened (simulator lag included, since it delays the hosts themselves). */
  measured: Bound;
  /** From the configured boot times. */
  nominal: Bound;
  /** Hosts that did not reboot as often as planned in the window (their nominal work is used). */
  incompleteHosts: number;
  works: HostWork[];
}

/** What a host must do in the measured rollout (default: a recovery cycle without VMs). */
export interface HostWorkSpec {
  reboots: number;
  commandRounds: number;
  /** Per host name: the longest guest shutdown of its running VMs (ms). */
  vmShutdownMs?: Readonly<Record<string, number>>;
}

export function bounds(
  hosts: readonly HostRef[],
  timings: Record<string, HostTimings>,
  w: Window,
  limits: Limits,
  shutdownDelayMs: number,
  work: HostWorkSpec = { reboots: 2, commandRounds: RECOVERY_CYCLE_COMMAND_ROUNDS },
): Bounds {
  let incompleteHosts = 0;
  const measured: HostWork[] = [];
  const nominal: HostWork[] = [];
  for (const h of hosts) {
    const t = timings[h.name];
    if (!t) throw new Error(`no timings for ${h.name}`);
    const planned = Array.from({ length: work.reboots }, () => t.bootTimeMs);
    const boots = bootsIn(t, w).filter((b) => b.downMs !== undefined);
    if (boots.length !== work.reboots) incompleteHosts += 1;
    const down = boots.length === work.reboots ? boots.map((b) => b.downMs as number) : planned;
    const common = {
      commandLatencyMs: t.commandLatencyMs,
      shutdownDelayMs,
      commandRounds: work.commandRounds,
      vmShutdownMs: work.vmShutdownMs?.[h.name] ?? 0,
    };
    measured.push({ name: h.name, cluster: h.cluster, workMs: hostWorkMs({ ...common, downMs: down }) });
    nominal.push({ name: h.name, cluster: h.cluster, workMs: hostWorkMs({ ...common, downMs: planned }) });
  }
  return {
    measured: lowerBound(measured, limits),
    nominal: lowerBound(nominal, limits),
    incompleteHosts,
    works: measured,
  };
}

export interface Distribution {
  n: number;
  medianMs?: number;
  p99Ms?: number;
  maxMs?: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    n: values.length,
    medianMs: percentile(values, 50),
    p99Ms: percentile(values, 99),
    maxMs: values.length ? Math.max(...values) : undefined,
  };
}

/** Per reboot: from the host's SSH answering again (upAt) to the await-return step's completion. */
export function returnToProgress(
  histories: readonly HostHistory[],
  timings: Record<string, HostTimings>,
  w: Window,
): { values: number[]; unmatched: number } {
  const values: number[] = [];
  let unmatched = 0;
  for (const h of histories) {
    const boots = bootsIn(timings[h.name], w);
    const n = Math.max(boots.length, h.awaitReturnCompletedAtMs.length);
    for (let i = 0; i < n; i++) {
      const up = boots[i]?.upAt;
      const done = h.awaitReturnCompletedAtMs[i];
      if (up === undefined || done === undefined) {
        unmatched += 1;
        continue;
      }
      values.push(done - Date.parse(up));
    }
  }
  return { values, unmatched };
}

/** Per host: time in the rollout (child started → finished) minus its intrinsic work. */
export function hostOverheads(progress: readonly HostProgress[], works: readonly HostWork[]): number[] {
  const work = new Map(works.map((w) => [w.name, w.workMs]));
  const out: number[] = [];
  for (const h of progress) {
    if (!h.startedAt || !h.finishedAt) continue;
    const w = work.get(h.name);
    if (w === undefined) continue;
    out.push(Date.parse(h.finishedAt) - Date.parse(h.startedAt) - w);
  }
  return out;
}
