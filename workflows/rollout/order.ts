import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { FleetActivities } from '../../activities/contract';
import type { Timing } from '../../common/procedures';
import type { HostRef, TargetRef } from '../../common/targets';
import { classify } from '../host/failures';

/**
 * --order slowest-first: each ESXi host's last reboot duration, read from its own vmksummary.log (by
 * host name); undefined without ESXi hosts. An optimisation, never a reason not to roll out: a read
 * that fails gives its error, and the rollout keeps inventory order.
 */
export async function readRebootDurations(
  targets: readonly TargetRef[],
  timing: Timing,
): Promise<{ durationsMs: Record<string, number>; unknown: number } | { error: string } | undefined> {
  const hosts = targets.filter((t): t is HostRef => t.kind === 'esxi');
  if (hosts.length === 0) return undefined;
  const { readRebootDurations: read } = proxyActivities<FleetActivities>({
    // Liveness by heartbeat (one per host read); the whole read has a generous bound.
    heartbeatTimeout: timing.connectTimeoutMs + timing.commandTimeoutMs + 30_000,
    startToCloseTimeout: 30 * 60_000,
    retry: { maximumAttempts: 2 },
    summary: `read the last reboot duration of ${hosts.length} host(s) to start the slowest first`,
  });
  try {
    const result = await read({ hosts, timing });
    return { durationsMs: result.durationsMs, unknown: result.unknown.length };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { error: classify(err).message };
  }
}
