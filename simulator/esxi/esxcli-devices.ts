import type { ExecResult } from '../machine';
import { baseVibs, cardCatalog, mellanoxVibs } from './catalog';
import { decimalPciId, nicsPresent, nmlxPorts, ONBOARD_NICS, vfPciAddress, type NmlxPort } from './derived';
import { isError, parseOptions } from './esxcli-args';
import { esxcliBlocks, esxcliTable, type Cell } from './format';
import { err, out, type EsxiContext } from './host-context';
import { rebootingImageVibs } from './software';
import { vfOwners } from './vm-power';

// esxcli software vib, network nic / sriovnic, hardware pci.

const ONBOARD_DESCRIPTION = 'Intel(R) Ethernet Controller X710 for 10GbE SFP+';

export function vibList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [{ long: 'rebooting-image', flag: true }]);
  if (isError(opts)) return opts;
  // The running image; with --rebooting-image, the one the next boot runs (VIBs installed since included).
  const tools = opts.has('rebooting-image') ? rebootingImageVibs(host.state) : host.state.vibs;
  const rows = [...baseVibs(host.state.version), ...mellanoxVibs(host.state.version, tools)]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((v) => [v.name, v.version, v.vendor, v.acceptance, v.installDate, 'host']);
  return out(
    esxcliTable(['Name', 'Version', 'Vendor', 'Acceptance Level', 'Install Date', 'Platforms'], rows),
  );
}

export function vibGet(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [{ short: 'n', long: 'vibname', required: true }]);
  if (isError(opts)) return opts;
  const name = opts.get('vibname') as string;
  const vib = [...baseVibs(host.state.version), ...mellanoxVibs(host.state.version, host.state.vibs)].find(
    (v) => v.name === name,
  );
  if (!vib)
    return err(
      `[NoMatchError]\n No VIB matching VIB search specification '${name}'.\nPlease refer to the log file for more details.\n`,
    );
  return out(
    `${vib.vendor}_bootbank_${vib.name}_${vib.version}\n` +
      [
        ['Name', vib.name],
        ['Version', vib.version],
        ['Type', 'bootbank'],
        ['Vendor', vib.vendor],
        ['Acceptance Level', vib.acceptance],
        ['Install Date', vib.installDate],
        ['Platforms', 'host'],
      ]
        .map(([k, v]) => `   ${k}: ${v}\n`)
        .join(''),
  );
}

function mellanoxDescription(port: NmlxPort): string {
  return `Mellanox Technologies ${cardCatalog[port.card.model].pciName}`;
}

export function nicList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  const rows: Cell[][] = ONBOARD_NICS.map((n) => [
    n.vmnic,
    n.pci,
    'i40en',
    'Up',
    'Up',
    10000,
    'Full',
    n.mac,
    1500,
    ONBOARD_DESCRIPTION,
  ]);
  if (nicsPresent(host.state)) {
    for (const p of nmlxPorts(host.state)) {
      rows.push([
        p.vmnic,
        p.pci,
        'nmlx5_core',
        'Up',
        'Up',
        cardCatalog[p.card.model].speedMbps,
        'Full',
        p.mac,
        1500,
        mellanoxDescription(p),
      ]);
    }
  }
  const headers = [
    'Name',
    'PCI Device',
    'Driver',
    'Admin Status',
    'Link Status',
    'Speed',
    'Duplex',
    'MAC Address',
    'MTU',
    'Description',
  ];
  return out(
    esxcliTable(
      headers,
      rows,
      headers.map((h) => h === 'Speed' || h === 'MTU'),
    ),
  );
}

function sriovPorts(host: EsxiContext): NmlxPort[] {
  if (!nicsPresent(host.state)) return [];
  return nmlxPorts(host.state).filter((p) => (host.state.boot.vfs[p.index] ?? 0) > 0);
}

export function sriovnicList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, []);
  if (isError(opts)) return opts;
  const rows: Cell[][] = sriovPorts(host).map((p) => [
    p.vmnic,
    p.pci,
    'nmlx5_core',
    'Up',
    cardCatalog[p.card.model].speedMbps,
    'Full',
    p.mac,
    1500,
    mellanoxDescription(p),
  ]);
  const headers = [
    'Name',
    'PCI Device',
    'Driver',
    'Link',
    'Speed',
    'Duplex',
    'MAC Address',
    'MTU',
    'Description',
  ];
  return out(
    esxcliTable(
      headers,
      rows,
      headers.map((h) => h === 'Speed' || h === 'MTU'),
    ),
  );
}

/** VFs of each port, with PCI addresses: [port, vf index, address]. */
export function vfAddresses(host: EsxiContext): { port: NmlxPort; vf: number; pci: string }[] {
  const result: { port: NmlxPort; vf: number; pci: string }[] = [];
  if (!nicsPresent(host.state)) return result;
  const before = new Map<number, number>();
  for (const p of nmlxPorts(host.state)) {
    const n = host.state.boot.vfs[p.index] ?? 0;
    const prior = before.get(p.cardIndex) ?? 0;
    for (let vf = 0; vf < n; vf++) result.push({ port: p, vf, pci: vfPciAddress(p, prior, vf) });
    before.set(p.cardIndex, prior + n);
  }
  return result;
}

export function sriovnicVfList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [{ short: 'n', long: 'nic-name', required: true }]);
  if (isError(opts)) return opts;
  const nic = opts.get('nic-name') as string;
  if (!sriovPorts(host).some((p) => p.vmnic === nic))
    return err(`Error: ${nic} is not an SR-IOV NIC or does not exist\n`);
  host.settle();
  // A running VM with an SR-IOV adapter on this PF holds the next VF [R: allocation order].
  const owners = vfOwners(host.state);
  const rows: Cell[][] = vfAddresses(host)
    .filter((v) => v.port.vmnic === nic)
    .map((v) => {
      const owner = owners.get(v.port.pci)?.[v.vf];
      return [v.vf, owner !== undefined, decimalPciId(v.pci), owner === undefined ? '-' : String(owner)];
    });
  return out(
    esxcliTable(['VF ID', 'Active', 'PCI Address', 'Owner World ID'], rows, [true, true, false, false]),
  );
}

function hex(n: number, width: number): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

function pciBlock(
  pci: string,
  fields: {
    vmkName: string;
    vendor: string;
    device: string;
    deviceId: number;
    vendorId: number;
    className: string;
    classId: number;
    module: string;
  },
) {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-9a-f])$/.exec(pci);
  const [seg, bus, slot, fn] = m ? [m[1], m[2], m[3], m[4]] : ['0000', '00', '00', '0'];
  const pairs: [string, Cell][] = [
    ['Address', pci],
    ['Segment', `0x${seg}`],
    ['Bus', `0x${bus}`],
    ['Slot', `0x${slot}`],
    ['Function', `0x${fn}`],
    ['VMkernel Name', fields.vmkName],
    ['Vendor Name', fields.vendor],
    ['Device Name', fields.device],
    ['Configured Owner', 'VMkernel'],
    ['Current Owner', 'VMkernel'],
    ['Vendor ID', hex(fields.vendorId, 4)],
    ['Device ID', hex(fields.deviceId, 4)],
    ['SubVendor ID', hex(fields.vendorId, 4)],
    ['SubDevice ID', '0x0008'],
    ['Device Class', hex(fields.classId, 4)],
    ['Device Class Name', fields.className],
    ['Programming Interface', '0x00'],
    ['Revision ID', '0x00'],
    ['Module Name', fields.module],
    ['Passthru Capable', true],
    ['NUMA Node', parseInt(bus, 16) >= 0x80 ? 1 : 0],
  ];
  return { title: pci, pairs };
}

export function pciList(host: EsxiContext, args: string[]): ExecResult {
  const opts = parseOptions(args, [{ short: 'c', long: 'class' }]);
  if (isError(opts)) return opts;
  const blocks = ONBOARD_NICS.map((n) =>
    pciBlock(n.pci, {
      vmkName: n.vmnic,
      vendor: 'Intel(R)',
      device: 'Ethernet Controller X710 for 10GbE SFP+',
      deviceId: 0x1572,
      vendorId: 0x8086,
      className: 'Ethernet controller',
      classId: 0x0200,
      module: 'i40en',
    }),
  );
  if (host.state.boot.cardsPresent) {
    const claimed = nicsPresent(host.state);
    for (const p of nmlxPorts(host.state)) {
      const info = cardCatalog[p.card.model];
      blocks.push(
        pciBlock(p.pci, {
          vmkName: claimed ? p.vmnic : '',
          vendor: 'Mellanox Technologies',
          device: info.pciName,
          deviceId: info.pciDeviceId,
          vendorId: 0x15b3,
          className: 'Ethernet controller',
          classId: 0x0200,
          module: claimed ? 'nmlx5_core' : 'None',
        }),
      );
    }
    for (const v of vfAddresses(host)) {
      const info = cardCatalog[v.port.card.model];
      blocks.push(
        pciBlock(v.pci, {
          vmkName: '',
          vendor: 'Mellanox Technologies',
          device: info.vfPciName,
          deviceId: info.vfDeviceId,
          vendorId: 0x15b3,
          className: 'Ethernet controller',
          classId: 0x0200,
          module: 'None',
        }),
      );
    }
  }
  blocks.sort((a, b) => (a.title < b.title ? -1 : 1));
  return out(esxcliBlocks(blocks));
}
