import { forEachLimited } from '../../common/for-each-limited';
import type { HostRef } from '../../common/targets';
import type { Timing } from '../../common/procedures';
import type { RebootDurations } from '../contract';
import type { SshRunner } from '../ssh';
import { activitySignal, heartbeat, StepCommands } from '../step-context';
import { esxCommands, isReadOnlyCommand } from './commands';
import { parseLastRebootDurationMs } from './parsers';

/** Hosts read at once: each costs one SSH handshake; the runner bounds concurrent handshakes too. */
const CONCURRENCY = 32;

/**
 * How long each host's last reboot took, from its own vmksummary.log, for a rollout that starts the
 * slowest hosts first. Only reads; a host that cannot be read is listed as such, never an error (the
 * order is an optimisation, not a precondition). Connections are closed after the read: the rollout may
 * reach a host only much later.
 */
export async function readRebootDurations(
  runner: SshRunner,
  input: { hosts: HostRef[]; timing: Timing },
): Promise<RebootDurations> {
  const durationsMs: Record<string, number> = {};
  const unknown: string[] = [];
  let done = 0;
  const readOne = async (host: HostRef) => {
    const cmd = new StepCommands(runner, host, input.timing, 'order-hosts', isReadOnlyCommand);
    try {
      // grep exits 1 when there is no such line: no reboot on record.
      const r = await cmd.run(esxCommands.rebootHistory, { record: false });
      const ms = r.code === 0 ? parseLastRebootDurationMs(r.stdout) : undefined;
      if (ms === undefined) unknown.push(host.name);
      else durationsMs[host.name] = ms;
    } catch {
      unknown.push(host.name);
    } finally {
      runner.evict(host);
    }
  };
  await forEachLimited(input.hosts, CONCURRENCY, async (host) => {
    if (activitySignal()?.aborted) return;
    await readOne(host);
    done += 1;
    heartbeat({ done });
  });
  return { durationsMs, unknown };
}
