// vim-cmd prints a failed call's vSphere fault as a data object [V, ESXi 9.0 session], e.g.
//   (vim.fault.InvalidPowerState) {
//      faultCause = (vmodl.MethodFault) null,<space>
//      faultMessage = <unset>,<space>
//      requestedState = "poweredOn",<space>
//      existingState = "poweredOff"
//      msg = "The attempted operation cannot be performed in the current state (Powered off)."
//   }
// Every field ends in ", " (comma, space) except the one before `msg`. Power operations prefix
// "Power on failed: " etc. (vim-cmd.ts).

/** One field as printed: `name = value` (value already formatted, may span lines). */
export type FaultField = [string, string];

const quote = (s: string) => `"${s}"`;

export function vimFault(type: string, fields: FaultField[], msg: string): string {
  const all: FaultField[] = [['faultCause', '(vmodl.MethodFault) null'], ...fields];
  if (!fields.some(([k]) => k === 'faultMessage')) all.splice(1, 0, ['faultMessage', '<unset>']);
  const body = all.map(([k, v]) => `   ${k} = ${v}`).join(', \n');
  return `(vim.fault.${type}) {\n${body}\n   msg = ${quote(msg)}\n}\n`;
}

const STATE_TEXT: Record<string, string> = { poweredOn: 'Powered on', poweredOff: 'Powered off' };

/** The VM is not in the power state the operation needs [V form and message]. */
export function vimInvalidPowerState(requested: string, existing: string): string {
  return vimFault(
    'InvalidPowerState',
    [
      ['requestedState', quote(requested)],
      ['existingState', quote(existing)],
    ],
    `The attempted operation cannot be performed in the current state (${STATE_TEXT[existing] ?? existing}).`,
  );
}

export interface Localizable {
  key: string;
  args?: string[];
  message: string;
}

function localizableList(messages: Localizable[]): string {
  const item = (m: Localizable) => {
    const arg = m.args?.length
      ? `(vmodl.KeyAnyValue) [\n${m.args
          .map(
            (a, i) =>
              `            (vmodl.KeyAnyValue) {\n               key = "${i + 1}", \n               value = ${quote(a)}\n            }`,
          )
          .join(', \n')}\n         ]`
      : '<unset>';
    return `      (vmodl.LocalizableMessage) {\n         key = ${quote(m.key)}, \n         arg = ${arg}, \n         message = ${quote(m.message)}\n      }`;
  };
  return `(vmodl.LocalizableMessage) [\n${messages.map(item).join(', \n')}\n   ]`;
}

/** A GenericVmConfigFault: the VMX's messages (first the reason), then `reason` and `msg`. */
export function vimConfigFault(messages: Localizable[], reason: string): string {
  return vimFault(
    'GenericVmConfigFault',
    [
      ['faultMessage', localizableList(messages)],
      ['reason', quote(reason)],
    ],
    reason,
  );
}

/**
 * A VM that failed to power on because of its devices: the VMX's reason, then "Module
 * 'DevicePowerOn' power on failed." and "Failed to start the virtual machine." [V: messages and
 * form from an ESXi 9.0 capture and Broadcom KBs; the first message's key is [R]].
 */
export function vimGenericVmConfigFault(reason: string): string {
  return vimConfigFault(
    [
      { key: 'msg.pciPassthru.powerOnFailed', message: reason },
      {
        key: 'msg.moduletable.powerOnFailed',
        args: ['DevicePowerOn'],
        message: "Module 'DevicePowerOn' power on failed.\n",
      },
      { key: 'msg.vmx.poweron.failed', message: 'Failed to start the virtual machine.' },
    ],
    reason,
  );
}
