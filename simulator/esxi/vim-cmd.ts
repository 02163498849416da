import type { ExecResult } from '../machine';
import { decimalPciId } from './derived';
import { err, out, type EsxiContext } from './host-context';
import { findVm, powerOff, powerOn, requestGuestShutdown, type PowerOnRefusal } from './vm-power';
import { vmDatastorePath, type VmState } from './vm-state';
import { vimFault, vimGenericVmConfigFault, vimInvalidPowerState } from './vim-faults';

// vim-cmd vmsvc/...: the registered VMs and their power. Output forms from public captures (see
// simulator/README.md "VMs" for each one's provenance); faults go to stderr with exit 1 [R].

/**
 * `vim-cmd vmsvc/getallvms` [V layout, inferred from five captures of ESXi 5 to 9]: every column
 * as wide as its widest cell or its title, cells left-aligned and padded (so rows end in spaces),
 * three spaces between columns; each title is centred over its column (rounded left).
 */
export function getAllVmsTable(rows: string[][]): string {
  const titles = ['Vmid', 'Name', 'File', 'Guest OS', 'Version', 'Annotation'];
  const widths = titles.map((t, c) => Math.max(t.length, ...rows.map((r) => r[c].length)));
  const header = titles
    .map((t, c) => {
      const left = Math.floor((widths[c] - t.length) / 2);
      return `${' '.repeat(left)}${t}`.padEnd(widths[c]);
    })
    .join('   ')
    .trimEnd();
  const lines = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('   '));
  return [header, ...lines].map((l) => `${l}\n`).join('');
}

function getAllVms(host: EsxiContext): ExecResult {
  const ds = host.state.datastore;
  return out(
    getAllVmsTable(
      host.state.vms.map((vm) => [
        String(vm.vmid),
        vm.name,
        vmDatastorePath(ds, vm),
        vm.guestId,
        vm.hwVersion,
        '',
      ]),
    ),
  );
}

function notFound(vmidText: string): ExecResult {
  return err(vimFault('NotFound', [], `Unable to find a VM corresponding to "${vmidText}"`));
}

function refusalFault(r: PowerOnRefusal): string {
  if (r.kind === 'already-on') return vimInvalidPowerState('poweredOff', 'poweredOn');
  // The message of a host in maintenance mode [V: vmware/vic #2244]; the fault form [R].
  if (r.kind === 'host-state')
    return vimFault('InvalidState', [], 'The operation is not allowed in the current state.');
  const d = r.device;
  if (d.kind === 'sriov') {
    // [V: Broadcom KB 309346]
    return vimGenericVmConfigFault(
      `pciPassthru:${r.index}: No SR-IOV virtual function (VF) is available for given physical function (PF) (${d.pf}).`,
    );
  }
  // "Device 6:0.0 is not a passthrough device." [V: Broadcom KB]: bus and slot in decimal.
  const [, bus, slotFn] = decimalPciId(d.pci).split(':');
  const short = `${Number(bus)}:${Number(slotFn.split('.')[0])}.${slotFn.split('.')[1]}`;
  return vimGenericVmConfigFault(
    r.reason === 'in-use'
      ? `Device ${short} is already in use.`
      : `Device ${short} is not a passthrough device.`,
  );
}

function powerCommand(host: EsxiContext, op: string, vm: VmState): ExecResult {
  const state = host.state;
  switch (op) {
    case 'power.getstate':
      return out(`Retrieved runtime info\n${vm.power === 'on' ? 'Powered on' : 'Powered off'}\n`);
    case 'power.on': {
      const refusal = powerOn(state, vm);
      host.changed();
      if (refusal) return err(`Power on failed: ${refusalFault(refusal)}`, 1, 'Powering on VM:\n');
      return out('Powering on VM:\n');
    }
    case 'power.off': {
      if (!powerOff(vm))
        return err(
          `Power off failed: ${vimInvalidPowerState('poweredOn', 'poweredOff')}`,
          1,
          'Powering off VM:\n',
        );
      host.settle();
      host.changed();
      return out('Powering off VM:\n');
    }
    case 'power.shutdown': {
      const r = requestGuestShutdown(vm, host.now(), { soft: false, hangs: host.guestShutdownHangs() });
      if (r === 'not-running') return err(vimInvalidPowerState('poweredOn', 'poweredOff'));
      if (r === 'no-tools')
        return err(
          vimFault(
            'ToolsUnavailable',
            [],
            'Cannot complete operation because VMware Tools is not running in this virtual machine.',
          ),
        );
      host.changed();
      // Returns at once: the guest shuts down in the background [V: prints nothing].
      return out('');
    }
    case 'get.config':
      return out(configInfo(host, vm));
    default:
      return err(`Invalid command 'vmsvc/${op}'\n`);
  }
}

const GUEST_FULL_NAMES: Record<string, string> = {
  ubuntu64Guest: 'Ubuntu Linux (64-bit)',
  rhel9_64Guest: 'Red Hat Enterprise Linux 9 (64-bit)',
};

/** `vim-cmd vmsvc/get.config VMID`: a reduced vim.vm.ConfigInfo [R]; devices are in the .vmx. */
function configInfo(host: EsxiContext, vm: VmState): string {
  const ds = host.state.datastore;
  const dir = `[${ds.name}] ${vm.name}`;
  const hex = vm.uuid.replace(/[ -]/g, '');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return [
    'Configuration:',
    '',
    '(vim.vm.ConfigInfo) {',
    `   name = "${vm.name}", `,
    `   guestFullName = "${GUEST_FULL_NAMES[vm.guestId] ?? vm.guestId}", `,
    `   version = "${vm.hwVersion}", `,
    `   uuid = "${uuid}", `,
    `   guestId = "${vm.guestId}", `,
    '   annotation = "", ',
    '   files = (vim.vm.FileInfo) {',
    `      vmPathName = "${vmDatastorePath(ds, vm)}", `,
    `      snapshotDirectory = "${dir}", `,
    `      suspendDirectory = "${dir}", `,
    `      logDirectory = "${dir}"`,
    '   }, ',
    '   hardware = (vim.vm.VirtualHardware) {',
    `      numCPU = ${vm.numCpu}, `,
    `      memoryMB = ${vm.memoryMB}`,
    '   }',
    '}',
    '',
  ].join('\n');
}

/** `vim-cmd vmsvc/<op> [VMID]`. */
export function vimCmd(host: EsxiContext, argv: string[]): ExecResult {
  const command = argv[1];
  if (command === undefined) return err('Usage: vim-cmd [options] command [args]\n');
  const m = /^vmsvc\/(.+)$/.exec(command);
  if (!m) return err(`Invalid command '${command}'\n`);
  host.settle();
  if (m[1] === 'getallvms') return getAllVms(host);
  const vmidText = argv[2];
  if (vmidText === undefined) return err('Insufficient arguments.\n');
  const vm = /^\d+$/.test(vmidText) ? findVm(host.state, Number(vmidText)) : undefined;
  if (!vm) return notFound(vmidText);
  return powerCommand(host, m[1], vm);
}
