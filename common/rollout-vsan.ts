import { procedures, type ProcedureName } from './procedures';
import type { HostRef, TargetRef } from './targets';

// vSAN clusters (inventory `vsan: true`, issue #13) keep their data on their hosts' disks: a rollout of
// a rebooting procedure takes at most one host of such a cluster out at a time, whatever --per-cluster
// says, and gives each host the other hosts of its cluster (`vsanPeers` in its input), which it reads
// (through their vCenter if they have one, else over SSH) so that it does not enter maintenance mode
// while one of them is in it (whoever put it there).

/** The rollout limits vSAN clusters to one host at a time for procedures that reboot (and so take hosts out). */
export function vsanLimitApplies(procedure: ProcedureName): boolean {
  return procedures[procedure].reboots > 0;
}

export function isVsanHost(target: TargetRef): target is HostRef {
  return target.kind === 'esxi' && target.vsan === true;
}

/** The vSAN hosts among `targets`, by cluster. */
export function vsanHostsByCluster(targets: readonly TargetRef[]): Map<string, HostRef[]> {
  const out = new Map<string, HostRef[]>();
  for (const t of targets) if (isVsanHost(t)) out.set(t.cluster, [...(out.get(t.cluster) ?? []), t]);
  return out;
}

/** The clusters of `targets` that run vSAN, each once, in order of first appearance. */
export function vsanClusters(targets: readonly TargetRef[]): string[] {
  return [...vsanHostsByCluster(targets).keys()];
}

/** The other vSAN hosts of the target's cluster (undefined: not a vSAN host, or alone in its cluster). */
export function vsanPeersOf(
  target: TargetRef,
  byCluster: ReadonlyMap<string, readonly HostRef[]>,
): HostRef[] | undefined {
  if (!isVsanHost(target)) return undefined;
  const peers = (byCluster.get(target.cluster) ?? []).filter((p) => p.name !== target.name);
  return peers.length > 0 ? peers : undefined;
}
