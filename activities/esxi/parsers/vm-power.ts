import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// What `vim-cmd vmsvc/power.*` prints (samples: test/fixtures/outputs/esxi/vm/). power.getstate:
// "Retrieved runtime info" and the state. power.on/off/reset: a progress line ("Powering on VM:"), and
// on failure "<Op> failed: " with the vSphere fault as a data object whose top-level `msg` (indented three
// spaces) says why; power.shutdown prints nothing, or the bare fault.

export type VmPowerState = 'on' | 'off' | 'suspended';

const STATES: Record<string, VmPowerState> = {
  'Powered on': 'on',
  'Powered off': 'off',
  Suspended: 'suspended',
};

/** `vim-cmd vmsvc/power.getstate VMID`. */
export function parsePowerState(text: string): VmPowerState {
  const lines = toLines(text).filter((l) => !isBlank(l));
  const state = lines.length === 2 && lines[0] === 'Retrieved runtime info' ? STATES[lines[1]] : undefined;
  if (state === undefined)
    throw new ParseError(
      'vim-cmd vmsvc/power.getstate',
      '"Retrieved runtime info", then "Powered on", "Powered off" or "Suspended"',
      text,
    );
  return state;
}

export interface VimFault {
  /** "InvalidPowerState", "GenericVmConfigFault", "InvalidState", "ToolsUnavailable", "NotFound"… */
  type: string;
  /** The fault's own message (its top-level `msg`). */
  message: string;
}

export interface VimPowerOutput {
  /** The progress line without its colon: "Powering on VM", "Powering off VM", "Reset VM"… */
  progress?: string;
  /** Set when the operation failed. */
  fault?: VimFault;
}

const PROGRESS = /^(Powering on VM|Powering off VM|Reset VM|Suspending VM|Shutting down VM):$/;
const FAULT_START =
  /^(?:(Power on|Power off|Reset|Suspend|Shutdown) failed: )?\((?:vim|vmodl)\.fault\.([A-Za-z]+)\) \{$/;
const MESSAGE = /^ {3}msg = "(.*)"$/;

/** Output of `vim-cmd vmsvc/power.on|off|shutdown|reset VMID` (stdout and stderr together). */
export function parseVimPowerOutput(text: string): VimPowerOutput {
  const command = 'vim-cmd vmsvc/power.*';
  const lines = toLines(text);
  while (lines.length > 0 && isBlank(lines[0])) lines.shift();
  while (lines.length > 0 && isBlank(lines[lines.length - 1])) lines.pop();
  const result: VimPowerOutput = {};
  let i = 0;
  const progress = PROGRESS.exec(lines[0] ?? '');
  if (progress) {
    result.progress = progress[1];
    i = 1;
  }
  if (i === lines.length) return result;
  const start = FAULT_START.exec(lines[i]);
  if (!start) throw new ParseError(command, 'a progress line such as "Powering on VM:" or a vim.fault', text);
  // The fault object ends with a "}" in column 0; its own msg is the one line indented by three spaces.
  const end = lines.indexOf('}', i + 1);
  if (end !== lines.length - 1) throw new ParseError(command, 'one vim.fault object ending in "}"', text);
  const messages = lines
    .slice(i + 1, end)
    .map((l) => MESSAGE.exec(l)?.[1])
    .filter((m) => m !== undefined);
  if (messages.length !== 1) throw new ParseError(command, 'the fault\'s msg = "..." line', text);
  result.fault = { type: start[2], message: messages[0] };
  return result;
}
