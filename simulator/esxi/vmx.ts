import { cardCatalog } from './catalog';
import { decimalPciId, nmlxPorts } from './derived';
import type { EsxiState } from './state';
import { vmAtPath, type VmDevice, type VmState } from './vm-state';

// The .vmx file of each VM (`cat /vmfs/volumes/datastore1/NAME/NAME.vmx`): `key = "value"` lines
// [V]. Passthrough and SR-IOV entries follow a real host's lines [V]: DirectPath
// `pciPassthruN.id = "00000:026:01.2"` with deviceId/vendorId/systemId; an SR-IOV adapter
// `pciPassthruN.id` = `pciPassthruN.pfId` = the PF, systemId "BYPASS", deviceId/vendorId "0". The
// other lines and their order are [R].

/** The host's system UUID (pciPassthruN.systemId). */
export function hostSystemId(state: EsxiState): string {
  const u = state.datastore.uuid.replace(/-/g, '');
  return `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20, 32)}`;
}

function deviceLines(state: EsxiState, index: number, d: VmDevice): [string, string][] {
  const key = (k: string) => `pciPassthru${index}.${k}`;
  if (d.kind === 'sriov') {
    return [
      [key('deviceId'), '0'],
      [key('id'), decimalPciId(d.pf)],
      [key('networkName'), 'IB-SRIOV'],
      [key('pfId'), decimalPciId(d.pf)],
      [key('present'), 'TRUE'],
      [key('systemId'), 'BYPASS'],
      [key('vendorId'), '0'],
    ];
  }
  const port = nmlxPorts(state).find((p) => p.pci === d.pci);
  const deviceId = port ? cardCatalog[port.card.model].pciDeviceId : 0;
  return [
    [key('deviceId'), `0x${deviceId.toString(16)}`],
    [key('id'), decimalPciId(d.pci)],
    [key('present'), 'TRUE'],
    [key('systemId'), hostSystemId(state)],
    [key('vendorId'), '0x15b3'],
  ];
}

export function vmxText(state: EsxiState, vm: VmState): string {
  const lines: [string, string][] = [
    ['.encoding', 'UTF-8'],
    ['config.version', '8'],
    ['virtualHW.version', vm.hwVersion.replace(/^vmx-/, '')],
    ['displayName', vm.name],
    ['guestOS', vm.vmxGuestOs],
    ['firmware', 'efi'],
    ['numvcpus', String(vm.numCpu)],
    ['memSize', String(vm.memoryMB)],
    ['uuid.bios', vm.uuid],
    ['ethernet0.present', 'TRUE'],
    ['ethernet0.virtualDev', 'vmxnet3'],
    ['ethernet0.networkName', 'VM Network'],
    ['ethernet0.addressType', 'generated'],
  ];
  if (vm.devices.length > 0) {
    // Passthrough needs the whole memory reserved.
    lines.push(['sched.mem.min', String(vm.memoryMB)], ['sched.mem.pin', 'TRUE']);
    lines.push(['pciPassthru.use64bitMMIO', 'TRUE'], ['pciPassthru.64bitMMIOSizeGB', '64']);
  }
  vm.devices.forEach((d, i) => lines.push(...deviceLines(state, i, d)));
  lines.push(['tools.syncTime', 'FALSE']);
  return lines.map(([k, v]) => `${k} = "${v}"\n`).join('');
}

/** The .vmx at `path`, if a VM has it. */
export function readVmx(state: EsxiState, path: string): string | undefined {
  const vm = vmAtPath(state.datastore, state.vms, path);
  return vm ? vmxText(state, vm) : undefined;
}
