import type { HostProgress } from '../../common/rollout';
import { sshRead } from '../helpers/ibfleet-harness';
import {
  bootCount,
  loggedSinceMark,
  rebootCommands,
  storedOptions,
  type HostMark,
} from '../procedures/host-audit';

// The marks, shell.log and boot-count reads are the procedure tests' (test/procedures/host-audit.ts).
export { markHost, rebootCommands, storedOptions, type HostMark } from '../procedures/host-audit';

// An operator's audit of simulated hosts after a rollout, over real SSH: what changed on each host
// since a mark (shell.log), how often it booted (vmksummary.log), and what it stores now. The durability
// tests collect every discrepancy as a line instead of stopping at the first, so one run shows them all.

const SET_OPTIONS = 'esxcli system module parameters set -m nmlx5_core -p ';

/** Commands run on the host since its mark, without the audit's own shell.log reads; undefined when shell.log (200 lines in the simulator) lost the mark. */
export async function commandsSince(m: HostMark): Promise<string[] | undefined> {
  return (await loggedSinceMark(m))?.filter((c) => c !== 'cat /var/log/shell.log');
}

export const setOptionsCommands = (commands: string[]) => commands.filter((c) => c.startsWith(SET_OPTIONS));
/** `set -e true` always carries a timeout (-t), and -m for vSAN hosts. */
export const maintenanceSets = (commands: string[], on: boolean) =>
  commands.filter((c) =>
    on
      ? /^esxcli system maintenanceMode set -e true -t \d+(?: -m \S+)?$/.test(c)
      : c === 'esxcli system maintenanceMode set -e false',
  );

/**
 * What must hold for a host after one recovery cycle: exactly two boots and two reboot commands, the
 * two option writes (recovery mode, then the original string) each sent once, maintenance mode entered
 * and left once, the original options stored, and a report saying the same.
 */
export async function auditRecoveryCycle(
  m: HostMark,
  original: string,
  reported: HostProgress | undefined,
): Promise<string[]> {
  const name = m.host.name;
  const problems: string[] = [];
  const commands = await commandsSince(m);
  if (!commands) return [`${name}: shell.log no longer holds the mark`];
  const sets = setOptionsCommands(commands);
  const wanted = [`${SET_OPTIONS}"${original} mst_recovery=1"`, `${SET_OPTIONS}"${original}"`];
  if (JSON.stringify(sets) !== JSON.stringify(wanted))
    problems.push(`${name}: option writes ${JSON.stringify(sets)}`);
  const reboots = rebootCommands(commands).length;
  if (reboots !== 2) problems.push(`${name}: ${reboots} reboot commands`);
  const mmOn = maintenanceSets(commands, true).length;
  const mmOff = maintenanceSets(commands, false).length;
  if (mmOn !== 1 || mmOff !== 1) problems.push(`${name}: maintenance mode set on ${mmOn}x, off ${mmOff}x`);
  const boots = (await bootCount(m.host)) - m.boots;
  if (boots !== 2) problems.push(`${name}: booted ${boots} times`);
  const options = await storedOptions(m.host);
  if (options !== original) problems.push(`${name}: stored options '${options}'`);
  if ((await sshRead(m.host, 'esxcli system maintenanceMode get')).trim() !== 'Disabled') {
    problems.push(`${name}: left in maintenance mode`);
  }
  if (reported?.phase !== 'succeeded' || reported.reboots !== 2) {
    problems.push(
      `${name}: reported ${reported?.phase ?? 'missing'} with ${reported?.reboots ?? '?'} reboots (${reported?.reason ?? ''})`,
    );
  }
  return problems;
}
