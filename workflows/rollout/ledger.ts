import type { HostPhase } from '../../common/rollout';
import { isTerminal } from './budget';

// One compact entry per host of a rollout, by index (the target's place in the inventory): its phase,
// its cluster and its place in the start order; no name, no target. This is what the rollout's rules
// need of every host, and what it carries across continue-as-new: a few bytes per host, so a rollout
// of 100,000 targets still fits one Temporal payload. Names and details live with the hosts (the
// rollout's input, or its shard workflows).

const letters: Record<HostPhase, string> = {
  pending: 'p',
  running: 'r',
  succeeded: 's',
  failed: 'f',
  'needs-attention': 'a',
  skipped: 'k',
  cancelled: 'c',
};
const phaseOfLetter = Object.fromEntries(Object.entries(letters).map(([p, l]) => [l, p])) as Record<
  string,
  HostPhase
>;

export const hostPhases = Object.keys(letters) as HostPhase[];

/** The ledger as carried across continue-as-new. */
export interface CarriedLedger {
  /** Distinct clusters, in order of first appearance. */
  clusters: string[];
  /** Each host's cluster, run-length encoded: [cluster index, hosts, cluster index, hosts, ...]; -1 unknown yet. */
  clusterRuns: number[];
  /** One letter per host (p r s f a k c). */
  phases: string;
  /** The start order (host indices), when it is not the inventory order. */
  order?: number[];
  /** Hosts with an index below this are canaries (they come first in any order). */
  canaries: number;
  /** The clusters (indices into `clusters`) that run vSAN: one host of each at a time. */
  vsan?: number[];
}

export class HostLedger {
  readonly clusters: string[];
  readonly counts: Record<HostPhase, number>;
  readonly canaries: number;
  private readonly phase: HostPhase[];
  private readonly clusterOf: number[];
  private order?: number[];
  private position?: number[];
  /** Start-order positions below it hold no pending host. */
  private cursor = 0;
  private readonly running = new Set<number>();
  private readonly vsan: Set<number>;

  /** Every host pending, clusters not known yet (they come with the targets). */
  static sized(total: number, canaries: number): CarriedLedger {
    return { clusters: [], clusterRuns: [-1, total], phases: 'p'.repeat(total), canaries };
  }

  /** Every host pending, with its cluster; `vsanClusters` run vSAN. */
  static of(
    clusterOfHost: readonly string[],
    canaries: number,
    vsanClusters: readonly string[] = [],
  ): CarriedLedger {
    const ledger = new HostLedger(HostLedger.sized(clusterOfHost.length, canaries));
    ledger.setClusters(0, clusterOfHost, vsanClusters);
    return ledger.toCarried();
  }

  constructor(carried: CarriedLedger) {
    this.clusters = [...carried.clusters];
    this.phase = [...carried.phases].map((l) => phaseOfLetter[l] ?? 'pending');
    this.clusterOf = [];
    for (let i = 0; i < carried.clusterRuns.length; i += 2)
      for (let n = 0; n < carried.clusterRuns[i + 1]; n++) this.clusterOf.push(carried.clusterRuns[i]);
    this.canaries = carried.canaries;
    this.vsan = new Set(carried.vsan ?? []);
    this.counts = Object.fromEntries(hostPhases.map((p) => [p, 0])) as Record<HostPhase, number>;
    this.phase.forEach((p, i) => {
      this.counts[p] += 1;
      if (p === 'running') this.running.add(i);
    });
    if (carried.order) this.reorder(carried.order);
  }

  get total(): number {
    return this.phase.length;
  }

  phaseOf(index: number): HostPhase {
    return this.phase[index];
  }

  cluster(index: number): string {
    return this.clusters[this.clusterOf[index]] ?? '';
  }

  isCanary(index: number): boolean {
    return index < this.canaries;
  }

  /** The cluster of the host runs vSAN. */
  isVsan(index: number): boolean {
    return this.vsan.has(this.clusterOf[index]);
  }

  /** The clusters of hosts from `offset` on (as their targets arrive), and which of them run vSAN. */
  setClusters(offset: number, clusterOfHost: readonly string[], vsanClusters: readonly string[] = []): void {
    clusterOfHost.forEach((name, i) => (this.clusterOf[offset + i] = this.clusterIndex(name)));
    for (const name of vsanClusters) this.vsan.add(this.clusterIndex(name));
  }

  set(index: number, phase: HostPhase): void {
    this.counts[this.phase[index]] -= 1;
    this.counts[phase] += 1;
    this.phase[index] = phase;
    // Back to pending (stopped when a maintenance window closed): the pending scan starts over.
    if (phase === 'pending') this.cursor = 0;
    if (phase === 'running') this.running.add(index);
    else this.running.delete(index);
  }

  /** Hosts in flight, in start order. */
  runningHosts(): number[] {
    return [...this.running].sort((a, b) => this.positionOf(a) - this.positionOf(b));
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Pending hosts in start order. */
  *pending(): Generator<number> {
    const total = this.total;
    while (this.cursor < total && this.phase[this.hostAt(this.cursor)] !== 'pending') this.cursor += 1;
    for (let pos = this.cursor; pos < total; pos++) {
      const i = this.hostAt(pos);
      if (this.phase[i] === 'pending') yield i;
    }
  }

  /** How many canary hosts succeeded. */
  canariesSucceeded(): number {
    let n = 0;
    for (let i = 0; i < Math.min(this.canaries, this.total); i++) if (this.phase[i] === 'succeeded') n += 1;
    return n;
  }

  /** Every canary host has ended. */
  canaryDone(): boolean {
    for (let i = 0; i < Math.min(this.canaries, this.total); i++)
      if (!isTerminal(this.phase[i])) return false;
    return true;
  }

  /** A new start order (a permutation of every host index). */
  reorder(order: readonly number[]): void {
    this.order = [...order];
    this.position = [];
    this.order.forEach((host, pos) => (this.position![host] = pos));
    this.cursor = 0;
  }

  /** Every pending host as skipped; returns how many. */
  skipPending(): number {
    let n = 0;
    for (const i of [...this.pending()]) {
      this.set(i, 'skipped');
      n += 1;
    }
    return n;
  }

  toCarried(): CarriedLedger {
    const clusterRuns: number[] = [];
    for (const c of this.clusterOf) {
      const last = clusterRuns.length - 2;
      if (last >= 0 && clusterRuns[last] === c) clusterRuns[last + 1] += 1;
      else clusterRuns.push(c ?? -1, 1);
    }
    return {
      clusters: this.clusters,
      clusterRuns,
      phases: this.phase.map((p) => letters[p]).join(''),
      ...(this.order ? { order: this.order } : {}),
      canaries: this.canaries,
      ...(this.vsan.size > 0 ? { vsan: [...this.vsan].sort((a, b) => a - b) } : {}),
    };
  }

  private clusterIndex(name: string): number {
    const c = this.clusters.indexOf(name);
    return c >= 0 ? c : this.clusters.push(name) - 1;
  }

  private hostAt(pos: number): number {
    return this.order ? this.order[pos] : pos;
  }

  private positionOf(host: number): number {
    return this.position ? this.position[host] : host;
  }
}
