import { forEachLimited } from '../../common/for-each-limited';
import type { Timing } from '../../common/procedures';
import type { HostRef } from '../../common/targets';
import type { MaintenanceEntry, MaintenanceExit, PeerMaintenance } from '../contract';
import type { SshRunner } from '../ssh';
import { outputExcerpt, quoteOutput, StepCommands } from '../step-context';
import { esxCommands, isReadOnlyCommand } from './commands';
import { ParseError, parseMaintenanceMode, parseMaintenanceSetError, parseVmProcessList } from './parsers';
import { maintenanceCommands, vmCommands } from './vm-commands';

// Entering and leaving maintenance mode as one idempotent step each. Entering waits on the host until no
// VM runs, so it is always given a timeout (`-t`): a command without one would hang like the host's own
// task, and an attempt given up by its SSH timeout would leave the host's entry request pending. The
// request belongs to the host: a retried attempt that finds it pending simply joins it.

const readMode = async (cmd: StepCommands) =>
  parseMaintenanceMode(await cmd.check(esxCommands.maintenanceGet));

/** What the host said when `set` failed, when ibfleet knows the answer. */
function knownError(stderr: string, stdout: string) {
  try {
    return parseMaintenanceSetError(stderr || stdout);
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

export async function enterMaintenance(
  cmd: StepCommands,
  timing: Timing,
  input: { timeoutSeconds: number; vsanMode?: string },
): Promise<Omit<MaintenanceEntry, 'commands'>> {
  // Built first: a timeout or mode of the wrong shape stops the step before anything runs.
  const command = maintenanceCommands.enter(input.timeoutSeconds, input.vsanMode);
  if (await readMode(cmd)) return { entered: true, already: true };
  // The host answers within -t; the SSH command gets that plus one command timeout.
  const r = await cmd.run(command, { timeoutMs: input.timeoutSeconds * 1000 + timing.commandTimeoutMs });
  if (r.code === 0) {
    if (await readMode(cmd)) return { entered: true, already: false };
    return {
      entered: false,
      already: false,
      failure: 'refused',
      message: 'set -e true succeeded but the host is not in maintenance mode',
    };
  }
  const known = knownError(r.stderr, r.stdout);
  // Whatever it said, the state decides (an entry may complete just as -t expires).
  if (await readMode(cmd)) return { entered: true, already: known === 'already-enabled' };
  const running = parseVmProcessList(await cmd.check(vmCommands.processList)).map((p) => p.displayName);
  if (known === 'timed-out' || known === 'canceled')
    return {
      entered: false,
      already: false,
      failure: known,
      message: quoteOutput(r.stderr || r.stdout),
      blockedBy: running,
    };
  return {
    entered: false,
    already: false,
    failure: 'refused',
    message: outputExcerpt(r),
    blockedBy: running,
  };
}

export async function exitMaintenance(cmd: StepCommands): Promise<Omit<MaintenanceExit, 'commands'>> {
  if (!(await readMode(cmd))) return { exited: true, already: true };
  const r = await cmd.run(maintenanceCommands.exit);
  if (!(await readMode(cmd)))
    return { exited: true, already: r.code !== 0 && knownError(r.stderr, r.stdout) === 'already-disabled' };
  return {
    exited: false,
    already: false,
    message:
      r.code === 0 ? 'set -e false succeeded but the host is still in maintenance mode' : outputExcerpt(r),
  };
}

const PEER_CONCURRENCY = 8;

/** `esxcli system maintenanceMode get` on each peer; a peer that cannot be read is reported as such. */
export async function readPeerMaintenance(
  runner: SshRunner,
  timing: Timing,
  step: string,
  peers: readonly HostRef[],
): Promise<PeerMaintenance> {
  const state = new Map<string, PeerState>();
  const commands: PeerMaintenance['commands'] = [];
  await forEachLimited(peers, PEER_CONCURRENCY, async (peer) => {
    const cmd = new StepCommands(runner, peer, timing, `${step} (${peer.name})`, isReadOnlyCommand);
    try {
      state.set(peer.name, { on: await readMode(cmd) });
    } catch (err) {
      state.set(peer.name, { reason: quoteOutput((err as Error).message) });
    }
    commands.push(...cmd.commands);
  });
  return { ...peersByState(peers, state), commands };
}

/** What each peer's read said, or why it could not be read. */
export type PeerState = { on: boolean } | { reason: string };

/** The peers in maintenance mode and those that could not be read, in the peers' order. */
export function peersByState(
  peers: readonly HostRef[],
  state: ReadonlyMap<string, PeerState>,
): Pick<PeerMaintenance, 'inMaintenance' | 'unreadable'> {
  const inMaintenance: string[] = [];
  const unreadable: PeerMaintenance['unreadable'] = [];
  for (const peer of peers) {
    const s = state.get(peer.name);
    if (s && 'reason' in s) unreadable.push({ name: peer.name, reason: s.reason });
    else if (s?.on) inMaintenance.push(peer.name);
  }
  return { inMaintenance, unreadable };
}
