import type { ExecResult } from '../machine';
import type { IbIdentity } from './identity';
import type { NormalizedLink } from './link';

// `ibstat` as infiniband-diags prints it [S: rdma-core infiniband-diags/ibstat.c]: a CA block with one tab
// of indent, then each port with "\tPort N:" and two tabs before its fields. A Down VF port has no LID.

export interface IbstatDevice {
  name: string;
  identity: IbIdentity;
  link: NormalizedLink;
  /** Port speed in Gb/s (400 for NDR). */
  rate: number;
}

function portLines(d: IbstatDevice, pre: string): string[] {
  const active = d.link.up;
  return [
    `${pre}State: ${d.link.portState}`,
    `${pre}Physical state: LinkUp`,
    `${pre}Rate: ${d.rate}`,
    `${pre}Base lid: ${active ? d.identity.lid : 0}`,
    `${pre}LMC: 0`,
    `${pre}SM lid: ${active ? d.identity.smLid : 0}`,
    `${pre}Capability mask: ${d.identity.capabilityMask}`,
    `${pre}Port GUID: ${d.identity.portGuid}`,
    `${pre}Link layer: InfiniBand`,
  ];
}

export function renderIbstat(d: IbstatDevice): string {
  return (
    [
      `CA '${d.name}'`,
      `\tCA type: ${d.identity.caType}`,
      `\tNumber of ports: 1`,
      `\tFirmware version: ${d.identity.firmwareVersion}`,
      `\tHardware version: 0`,
      `\tNode GUID: ${d.identity.nodeGuid}`,
      `\tSystem image GUID: ${d.identity.systemImageGuid}`,
      `\tPort 1:`,
      ...portLines(d, '\t\t'),
    ].join('\n') + '\n'
  );
}

/** `ibstat [-l] [-p] [-s] [ca_name [port]]`. */
export function runIbstat(argv: string[], device: IbstatDevice | undefined): ExecResult {
  const flags = argv.slice(1).filter((a) => a.startsWith('-'));
  const positional = argv.slice(1).filter((a) => !a.startsWith('-'));
  const unknown = flags.find(
    (f) => !['-l', '-p', '-s', '--list_of_cas', '--port_list', '--short'].includes(f),
  );
  if (unknown) {
    return { stdout: '', stderr: `ibstat: unrecognized option '${unknown}'\n`, code: 255 };
  }
  const panic = (msg: string): ExecResult => ({
    stdout: '',
    stderr: `ibpanic: [4242] main: ${msg}\n`,
    code: 255,
  });
  if (positional.length > 0 && (!device || !positional[0].startsWith(device.name))) {
    return panic(`'${positional[0]}' IB device can't be found`);
  }
  if (!device) return { stdout: '', stderr: '', code: 0 };
  if (flags.includes('-l') || flags.includes('--list_of_cas'))
    return { stdout: `${device.name}\n`, stderr: '', code: 0 };
  if (flags.includes('-p') || flags.includes('--port_list')) {
    return { stdout: `${device.identity.portGuid}\n`, stderr: '', code: 0 };
  }
  if (positional.length > 1) {
    const port = Number(positional[1]);
    if (port !== 1) {
      return {
        stdout: '',
        stderr:
          `ibwarn: [4242] ca_stat: CA: '${device.name}' has no port number ${positional[1]} - max (1)\n` +
          `ibpanic: [4242] main: stat of IB device '${device.name}' failed\n`,
        code: 255,
      };
    }
    return {
      stdout: [`CA: '${device.name}'`, 'Port 1:', ...portLines(device, '')].join('\n') + '\n',
      stderr: '',
      code: 0,
    };
  }
  if (flags.includes('-s') || flags.includes('--short')) {
    const full = renderIbstat(device).split('\n');
    return { stdout: full.slice(0, full.indexOf('\tPort 1:')).join('\n') + '\n', stderr: '', code: 0 };
  }
  return { stdout: renderIbstat(device), stderr: '', code: 0 };
}
