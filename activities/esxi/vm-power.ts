import { Context } from '@temporalio/activity';
import type { Timing } from '../../common/procedures';
import type { VmRef, VmStartOutcome, VmStopOutcome } from '../contract';
import { heartbeat, quoteOutput, type StepCommands } from '../step-context';
import { ParseError, parsePowerState, parseVimPowerOutput } from './parsers';
import { vmCommands } from './vm-commands';
import { runningAmong } from './vm-list';

// Stopping and starting the VMs of the shutdown policy. Both steps read before they act, so a retried
// attempt (worker killed, connection lost) neither asks twice nor starts a VM that is already on: a VM
// is powered on only after `power.getstate` said "Powered off" in this attempt.

/** What an interrupted stopVms attempt had done, kept in its heartbeat for the next attempt. */
interface StopProgress {
  /** vmid → when its guest shutdown was requested. */
  requested: Record<string, string>;
  /** vmid → why the guest shutdown was refused (no VMware Tools…). */
  refused: Record<string, string>;
  /** vmid → when ibfleet powered it off hard. */
  hardOff: Record<string, string>;
  /** vmid → when it was seen off. */
  stoppedAt: Record<string, string>;
}

function previousProgress(): StopProgress | undefined {
  try {
    return Context.current().info.heartbeatDetails as StopProgress | undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  try {
    return Context.current().sleep(ms);
  } catch {
    return new Promise((r) => setTimeout(r, ms));
  }
}

/** The vSphere fault of a failed vim-cmd power operation (its message), or the output quoted. */
function faultOf(output: string): { type?: string; message: string } {
  try {
    const fault = parseVimPowerOutput(output).fault;
    // The host's own words go into the history: bounded and redacted like any output.
    if (fault) return { type: fault.type, message: quoteOutput(fault.message) };
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  return { message: quoteOutput(output) };
}

const now = () => new Date().toISOString();

export async function stopVms(
  cmd: StepCommands,
  timing: Timing,
  input: { vms: VmRef[]; deadlineAt: number; forcePowerOff: boolean },
): Promise<{ vms: VmStopOutcome[] }> {
  const p: StopProgress = previousProgress() ?? { requested: {}, refused: {}, hardOff: {}, stoppedAt: {} };
  const save = () => heartbeat(p);
  const key = (vm: VmRef) => String(vm.vmid);
  const pending = () => input.vms.filter((vm) => p.stoppedAt[key(vm)] === undefined);
  const markStopped = (running: Set<number>) => {
    for (const vm of pending()) if (!running.has(vm.vmid)) p.stoppedAt[key(vm)] = now();
  };

  markStopped(await runningAmong(cmd, input.vms));
  for (const vm of pending()) {
    if (p.requested[key(vm)] !== undefined || p.refused[key(vm)] !== undefined) continue;
    const r = await cmd.run(vmCommands.guestShutdown(vm.vmid));
    if (r.code === 0) p.requested[key(vm)] = now();
    else {
      const fault = faultOf(r.stdout + r.stderr);
      // InvalidPowerState: it stopped meanwhile (the next read sees it off).
      if (fault.type !== 'InvalidPowerState') p.refused[key(vm)] = `guest shutdown refused: ${fault.message}`;
    }
    save();
  }

  let delay = timing.pollIntervalMs;
  // Wait while a requested guest shutdown may still finish.
  while (pending().some((vm) => p.requested[key(vm)] !== undefined) && Date.now() < input.deadlineAt) {
    await sleep(Math.min(delay, Math.max(0, input.deadlineAt - Date.now())));
    delay = Math.min(Math.round(delay * 1.5), Math.max(timing.maxPollIntervalMs, timing.pollIntervalMs));
    markStopped(await runningAmong(cmd, pending(), { record: false }));
    save();
  }

  if (input.forcePowerOff) {
    for (const vm of pending()) {
      const r = await cmd.run(vmCommands.powerOff(vm.vmid));
      const fault = r.code === 0 ? undefined : faultOf(r.stdout + r.stderr);
      if (fault && fault.type !== 'InvalidPowerState')
        p.refused[key(vm)] =
          `${p.refused[key(vm)] ?? 'guest shutdown timed out'}; power off failed: ${fault.message}`;
      else if (!fault) p.hardOff[key(vm)] = now();
      save();
    }
    if (pending().length > 0) markStopped(await runningAmong(cmd, pending()));
  }

  return {
    vms: input.vms.map((vm): VmStopOutcome => {
      const k = key(vm);
      const stoppedAt = p.stoppedAt[k];
      const how =
        stoppedAt === undefined
          ? undefined
          : p.hardOff[k] !== undefined
            ? 'hard-off'
            : p.requested[k] !== undefined
              ? 'guest-shutdown'
              : 'already-off';
      const detail =
        stoppedAt !== undefined
          ? undefined
          : (p.refused[k] ??
            (p.requested[k] !== undefined
              ? 'still running when the guest shutdown timeout passed'
              : undefined));
      return {
        vmid: vm.vmid,
        name: vm.name,
        ...(how ? { how } : {}),
        ...(p.requested[k] ? { shutdownRequestedAt: p.requested[k] } : {}),
        ...(stoppedAt ? { stoppedAt } : {}),
        ...(detail ? { detail } : {}),
      };
    }),
  };
}

export async function startVms(
  cmd: StepCommands,
  input: { vms: VmRef[] },
): Promise<{ vms: VmStartOutcome[] }> {
  // An attempt retried after a lost heartbeat or a worker crash resumes from the outcomes the previous
  // attempt recorded, so a VM it powered on is reported as powered on by ibfleet, not "already on".
  const outcomes: VmStartOutcome[] = [...(previousStartOutcomes() ?? [])];
  const record = (outcome: VmStartOutcome) => {
    outcomes.push(outcome);
    heartbeat(outcomes);
  };
  for (const vm of input.vms) {
    if (outcomes.some((o) => o.vmid === vm.vmid)) continue;
    const state = await cmd.run(vmCommands.powerState(vm.vmid));
    if (state.code !== 0) {
      record({
        vmid: vm.vmid,
        name: vm.name,
        result: 'failed',
        at: now(),
        error: faultOf(state.stdout + state.stderr).message,
      });
      continue;
    }
    if (parsePowerState(state.stdout) === 'on') {
      record({ vmid: vm.vmid, name: vm.name, result: 'already-on', at: now() });
      continue;
    }
    const r = await cmd.run(vmCommands.powerOn(vm.vmid));
    record(
      r.code === 0
        ? { vmid: vm.vmid, name: vm.name, result: 'powered-on', at: now() }
        : {
            vmid: vm.vmid,
            name: vm.name,
            result: 'failed',
            at: now(),
            error: faultOf(r.stdout + r.stderr).message,
          },
    );
  }
  return { vms: outcomes };
}

function previousStartOutcomes(): VmStartOutcome[] | undefined {
  try {
    const details = Context.current().info.heartbeatDetails as unknown;
    return Array.isArray(details) ? (details as VmStartOutcome[]) : undefined;
  } catch {
    return undefined;
  }
}
