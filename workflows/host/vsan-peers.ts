import { ApplicationFailure } from '@temporalio/workflow';
import type { HostStepInput } from '../../activities/contract';
import { VSAN_PEER_IN_MAINTENANCE } from '../../common/procedure-failures';
import { maintenanceWindowSteps as steps } from '../../common/procedure-steps';
import type { HostActs } from './activity-proxies';
import type { ProcedureRun } from './procedure-run';

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
  const r = await run.call(
    steps.vsanPeers,
    `read maintenance mode of ${peers.length} vSAN peer(s)`,
    acts.local.readPeerMaintenance,
    { ...base, peers },
    (p) =>
      p.inMaintenance.length + p.unreadable.length === 0
        ? `no peer of ${host.cluster} in maintenance mode`
        : [
            ...(p.inMaintenance.length ? [`in maintenance mode: ${p.inMaintenance.join(', ')}`] : []),
            ...p.unreadable.map((u) => `${u.name} unreadable: ${u.reason}`),
          ].join('; '),
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
