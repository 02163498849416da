import type { ExecContext, ExecResult } from '../machine';
import { isError, parseBool, parseOptions } from './esxcli-args';
import { err, out, type EsxiContext } from './host-context';
import { requestMaintenance } from './vm-power';

// esxcli system maintenanceMode get|set. Entering waits until no VM is powered on, as hostd's
// EnterMaintenanceMode task does: the esxcli command (and the SSH session) blocks meanwhile. The
// request belongs to the host, not to the session: a client that disconnects leaves it pending
// until the VMs stop (then the host enters) or its timeout passes [R]. While it is pending,
// powering a VM on fails. See simulator/README.md "Maintenance mode".

/** vSAN data modes (esxcli -m|--vsanmode; vSphere VsanHostDecommissionModeObjectAction). */
export const VSAN_MODES = ['ensureObjectAccessibility', 'evacuateAllData', 'noAction'] as const;

export const MESSAGES = {
  alreadyEnabled: 'Maintenance mode is already enabled.\n', // [V]
  alreadyDisabled: 'Maintenance mode is already disabled.\n', // [R]
  /** -t expired with VMs still running [R: vim.fault.Timeout's text, as vim-cmd prints it]. */
  timedOut: 'Operation timed out.\n',
  /** The entry was cancelled by `set -e false` while this command waited [R: RequestCanceled]. */
  canceled: 'The task was canceled by a user.\n',
  /** [R] wording; "Invalid data constraint for parameter" is esxcli's enum error [S]. */
  badVsanMode: "Error: Invalid data constraint for parameter 'vsanmode'.\n",
};

export function maintenanceModeGet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  host.settle();
  return out(host.state.maintenanceMode ? 'Enabled\n' : 'Disabled\n');
}

export async function maintenanceModeSet(
  host: EsxiContext,
  args: string[],
  ctx: Pick<ExecContext, 'signal'>,
): Promise<ExecResult> {
  const opts = parseOptions(args, [
    { short: 'e', long: 'enable', required: true },
    { short: 't', long: 'timeout' },
    { short: 'm', long: 'vsanmode' },
  ]);
  if (isError(opts)) return opts;
  const enable = parseBool(opts.get('enable'));
  if (enable === undefined)
    return err(`Error: Invalid value for option -e|--enable: ${String(opts.get('enable'))}\n`);
  const timeoutText = opts.get('timeout');
  const timeout = typeof timeoutText === 'string' ? Number(timeoutText) : 0;
  if (!Number.isInteger(timeout))
    return err(`Error: Invalid value for option -t|--timeout: ${String(timeoutText)}\n`);
  const mode = opts.get('vsanmode');
  if (mode !== undefined && !(VSAN_MODES as readonly unknown[]).includes(mode))
    return err(MESSAGES.badVsanMode);

  host.settle();
  const state = host.state;
  if (!enable) {
    if (state.maintenanceRequest) {
      // Cancels the pending entry [R]; the host was not in maintenance mode.
      delete state.maintenanceRequest;
      host.changed();
      return out('');
    }
    if (!state.maintenanceMode) return err(MESSAGES.alreadyDisabled);
    state.maintenanceMode = false;
    host.changed();
    return out('');
  }
  if (state.maintenanceMode) return err(MESSAGES.alreadyEnabled);
  // Timeout <= 0 means none, as for EnterMaintenanceMode_Task.
  const deadline = timeout > 0 ? host.now() + timeout * 1000 : null;
  requestMaintenance(state, host.now(), deadline);
  host.changed();
  const entered = await host.waitUntil(
    () => state.maintenanceMode || state.maintenanceRequest === undefined,
    deadline,
    ctx.signal,
  );
  if (entered && state.maintenanceMode) return out('');
  if (ctx.signal.aborted) return out('');
  return err(deadline !== null && host.now() >= deadline ? MESSAGES.timedOut : MESSAGES.canceled);
}
