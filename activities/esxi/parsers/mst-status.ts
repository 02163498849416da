import { assignCells, spansFromHeader } from './columns';
import { mstDeviceId } from './card-model';
import { ParseError } from './parse-error';
import { isBlank, isDashRule, toLines } from './text';

// `/opt/mellanox/bin/mst status` and `mst status -vv` on ESXi (bare device names, e.g.
// mt4121_pciconf0; Linux prints /dev/mst/... paths, accepted too). What ESXi prints when there are
// no devices is not known: an empty list under the header, or mstflint's "No MST devices were
// found", both give [].

const PLAIN = 'mst status';
const VERBOSE = 'mst status -vv';
const NO_DEVICES = /No MST devices were found/i;
const DEVICE = /^(?:\/dev\/mst\/)?mt\d+_\S+$/;

export interface MstDevice {
  /** As printed, e.g. "mt4121_pciconf0". */
  name: string;
  /** "mt4121"; undefined for names of another shape. */
  deviceId?: string;
}

/** Lines of the section under `title` (after its dash rule), up to a blank line or the next section. */
function sectionLines(lines: readonly string[], title: RegExp): string[] | undefined {
  const start = lines.findIndex((l) => title.test(l.trim()));
  if (start < 0) return undefined;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (isDashRule(line) && body.length === 0) continue;
    if (isBlank(line) || /^\S.*:$/.test(line)) break;
    body.push(line);
  }
  return body;
}

function device(name: string): MstDevice {
  const deviceId = mstDeviceId(name);
  return deviceId ? { name, deviceId } : { name };
}

export function parseMstStatus(text: string): MstDevice[] {
  const lines = toLines(text);
  const body = sectionLines(lines, /^MST devices:$/i);
  if (body === undefined) {
    if (NO_DEVICES.test(text)) return [];
    throw new ParseError(PLAIN, 'an "MST devices:" section', text);
  }
  return body
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((name) => DEVICE.test(name))
    .map(device);
}

export interface MstPciDevice {
  /** "ConnectX3(rev:1)". */
  deviceType: string;
  mst: string;
  deviceId?: string;
  /** "01:00.0". */
  pci: string;
  rdma?: string;
  /** "net-vmnic0". */
  net?: string;
  numa?: string;
}

export function parseMstStatusVerbose(text: string): MstPciDevice[] {
  const lines = toLines(text);
  const h = lines.findIndex((l) => /^\s*DEVICE_TYPE\s+MST\s+PCI\b/.test(l));
  if (h < 0) {
    if (NO_DEVICES.test(text)) return [];
    throw new ParseError(VERBOSE, 'a "DEVICE_TYPE  MST  PCI ..." table', text);
  }
  const spans = spansFromHeader(lines[h], 'words');
  const titles = assignCells(lines[h], spans, 'words').map((t) => t.toUpperCase());
  const rows: MstPciDevice[] = [];
  for (const line of lines.slice(h + 1)) {
    if (isBlank(line) || /^\S.*:$/.test(line)) break;
    const cells = assignCells(line, spans, 'words');
    const get = (title: string) => cells[titles.indexOf(title)] || undefined;
    let [rdma, net] = [get('RDMA'), get('NET')];
    // Blank cells collapse in published samples: a net-<nic> value is the NET column wherever it lands.
    if (rdma?.startsWith('net-') && net === undefined) [rdma, net] = [undefined, rdma];
    const mst = get('MST') ?? '';
    const deviceId = mstDeviceId(mst);
    rows.push({
      deviceType: get('DEVICE_TYPE') ?? '',
      mst,
      ...(deviceId ? { deviceId } : {}),
      pci: get('PCI') ?? '',
      ...(rdma ? { rdma } : {}),
      ...(net ? { net } : {}),
      ...(get('NUMA') ? { numa: get('NUMA') } : {}),
    });
  }
  return rows;
}
