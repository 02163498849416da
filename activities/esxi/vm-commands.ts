// The commands ibfleet runs about a host's VMs and its maintenance mode with a timeout, made by the
// command builder like every other (commands.ts): a vmid is a whole number, a .vmx path an absolute
// path of its own shape (quoted: datastore names hold spaces), a timeout a positive number of seconds.

import { valueShapes as shapes } from '../../common/command-values';
import { shellCommand as sh, text, value } from '../command-line';

export const vmCommands = {
  /** The registered VMs: Vmid, Name, File, Guest OS, Version, Annotation. */
  getAllVms: sh('vim-cmd vmsvc/getallvms'),
  /** The running VMs' worlds (display name, world ID, config file). */
  processList: sh('esxcli vm process list'),
  powerState: (vmid: number) => sh('vim-cmd vmsvc/power.getstate', value(shapes.vmid, vmid)),
  /** A guest shutdown through VMware Tools: returns at once; the guest powers off when it is done. */
  guestShutdown: (vmid: number) => sh('vim-cmd vmsvc/power.shutdown', value(shapes.vmid, vmid)),
  /** A hard power-off (only with --force-power-off). */
  powerOff: (vmid: number) => sh('vim-cmd vmsvc/power.off', value(shapes.vmid, vmid)),
  powerOn: (vmid: number) => sh('vim-cmd vmsvc/power.on', value(shapes.vmid, vmid)),
  /** The .vmx file: its pciPassthruN lines say which devices the VM passes through. */
  readVmx: (path: string) => sh('cat', text(shapes.vmxPath, path)),
};

export const maintenanceCommands = {
  /**
   * Entering maintenance mode waits until no VM runs; without `-t` (or with `-t 0`) it waits for ever, so
   * ibfleet always gives a timeout. `-m` is the vSAN data mode of a vSAN host.
   */
  enter: (timeoutSeconds: number, vsanMode?: string) =>
    vsanMode === undefined
      ? sh(
          'esxcli system maintenanceMode set -e true -t',
          value(shapes.maintenanceTimeoutSeconds, timeoutSeconds),
        )
      : sh(
          'esxcli system maintenanceMode set -e true -t',
          value(shapes.maintenanceTimeoutSeconds, timeoutSeconds),
          '-m',
          value(shapes.vsanMode, vsanMode),
        ),
  exit: sh('esxcli system maintenanceMode set -e false'),
};
