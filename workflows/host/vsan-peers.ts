import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { HostStepInput, PeerMaintenance } from '../../activities/contract';
import { VSAN_PEER_IN_MAINTENANCE } from '../../common/procedure-failures';
import { maintenanceWindowSteps as steps } from '../../common/procedure-steps';
import type { HostRef } from '../../common/targets';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';
import { vcenterActivities } from './vcenter-path';

/**
 * Workflows started before this patch read every vSAN peer over SSH, so a peer with SSH disabled was
 * unreadable and kept the host out of maintenance mode. Since then a peer whose inventory names a
 * vCenter is read through it (connection and maintenance state, activities/vcenter/peers.ts), the
 * others over SSH as before, in the same step. Checked only when a peer has a vCenter: other histories
 * are exactly as before.
 */
export const VSAN_PEERS_VCENTER_PATCH = 'ibfleet-vsan-peers-vcenter';

/**
 * Step `vsan-peers` (Workloads.checkVsanPeers): another host of the vSAN cluster in maintenance mode
 * (whoever put it there), or one that cannot be read, keeps this one out of it.
 */
export async function checkVsanPeers(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
): Promise<void> {
  const host = base.host;
  if (!host.vsan) return;
  const peers = (run.input.vsanPeers ?? []).filter((p) => p.name !== host.name);
  if (peers.length === 0) {
    run.skip(steps.vsanPeers, "no peers given: one host of the cluster at a time is the rollout's limit");
    return;
  }
  const summary = `read maintenance mode of ${peers.length} vSAN peer(s)`;
  const describe = (p: PeerMaintenance) =>
    p.inMaintenance.length + p.unreadable.length === 0
      ? `no peer of ${host.cluster} in maintenance mode`
      : [
          ...(p.inMaintenance.length ? [`in maintenance mode: ${p.inMaintenance.join(', ')}`] : []),
          ...p.unreadable.map((u) => `${u.name} unreadable: ${u.reason}`),
        ].join('; ');
  const r =
    peers.some((p) => p.vcenter !== undefined) && patched(VSAN_PEERS_VCENTER_PATCH)
      ? await run.step(steps.vsanPeers, () => readPeers(run, acts, base, peers, summary), describe)
      : await run.call(
          steps.vsanPeers,
          summary,
          acts.local.readPeerMaintenance,
          { ...base, peers },
          describe,
        );
  if (r.inMaintenance.length + r.unreadable.length > 0)
    throw ApplicationFailure.create({
      type: VSAN_PEER_IN_MAINTENANCE,
      message: `vSAN cluster ${host.cluster}: ${[
        ...(r.inMaintenance.length ? [`${r.inMaintenance.join(', ')} in maintenance mode`] : []),
        ...r.unreadable.map((u) => `${u.name} could not be read (${u.reason})`),
      ].join(
        '; ',
      )}; ${host.name} does not enter maintenance mode while another host of its vSAN cluster may be in it (nothing was changed)`,
      nonRetryable: true,
    });
}

/** The peers with a vCenter through it, the others over SSH (a local activity, as before), in the peers' order. */
async function readPeers(
  run: ProcedureRun,
  acts: HostActs,
  base: Omit<HostStepInput, 'step'>,
  peers: readonly HostRef[],
  summary: string,
): Promise<PeerMaintenance> {
  const throughVcenter = peers.filter((p) => p.vcenter !== undefined);
  const overSsh = peers.filter((p) => p.vcenter === undefined);
  const [vc, ssh] = await Promise.all([
    vcenterActivities(base.timing).steps.vcenterPeerMaintenance({ peers: throughVcenter }),
    overSsh.length === 0
      ? undefined
      : acts.local.readPeerMaintenance.executeWithOptions(
          { summary: `${summary} over SSH — ${run.input.target.name}` },
          [{ ...base, step: steps.vsanPeers, peers: overSsh }],
        ),
  ]);
  const inMaintenance = new Set([...vc.inMaintenance, ...(ssh?.inMaintenance ?? [])]);
  const unreadable = [...vc.unreadable, ...(ssh?.unreadable ?? [])];
  return {
    inMaintenance: peers.map((p) => p.name).filter((n) => inMaintenance.has(n)),
    unreadable: peers.flatMap((p) => unreadable.filter((u) => u.name === p.name)),
    commands: ssh?.commands ?? [],
  };
}
