import type { HostRef } from '../../common/targets';
import type { Inventory } from '../inventory/types';

// What `plan` and `apply` both require of their hosts before anything is contacted: each host's cluster
// declares a desired state (otherwise there is nothing to converge it to).

export function missingDesiredProblems(
  inventory: Inventory,
  file: string,
  hosts: readonly HostRef[],
): string[] {
  const problems: string[] = [];
  inventory.clusters.forEach((c, ci) => {
    if (c.desired) return;
    const selected = hosts.filter((h) => h.cluster === c.name).map((h) => h.name);
    if (selected.length === 0) return;
    problems.push(
      `${file}: clusters[${ci}].desired: is required to plan or apply cluster ${c.name} ` +
        `(selected: ${selected.join(', ')}); declare mode: sriov (numVfs, maxVfs) or mode: passthrough, ` +
        'or --select other hosts',
    );
  });
  return problems;
}
