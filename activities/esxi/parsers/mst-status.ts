import { mstDeviceId } from './card-model';
import { ParseError } from './parse-error';
import { isBlank, isDashRule, toLines, tokensOf } from './text';

// `/opt/mellanox/bin/mst status` and `mst status -vv`. One card can be listed under several access
// paths: mt4099_pciconf0 and mt4099_pci_cr0 (configuration cycles and direct CR-space access),
// mt4121_pciconf0.1 for its second PCI function; names are bare on ESXi, /dev/-prefixed under the
// legacy vmklinux driver and /dev/mst/... on Linux (whose mst status also prints each path's
// domain:bus:dev.fn). mst-cards.ts groups the paths into cards. What ESXi prints when there are no
// devices is not known: an empty list under the header, or mstflint's "No MST devices were found",
// both give [].

const PLAIN = 'mst status';
const VERBOSE = 'mst status -vv';
const NO_DEVICES = /No MST devices were found/i;
/** An access path: mt<id>_<kind><n>[.<function>], optionally under /dev/ or /dev/mst/. */
const DEVICE = /^(?:\/dev\/(?:mst\/)?)?mt\d+_[a-z_]+\d+(?:\.\d+)?$/;
/** "ConnectX5(rev:0)". */
const DEVICE_TYPE = /^\S+\(rev:[0-9a-fA-F]+\)$/;
/** "02:00.0" or "0000:3b:00.1" (mst prints bus:dev.fn, with the domain on some versions). */
const MST_PCI = /^(?:[0-9a-fA-F]{4,5}:)?[0-9a-fA-F]{2,3}:[0-9a-fA-F]{2}\.[0-7]$/;
const SECTION_TITLE = /^\S.*:$/;

export interface MstDevice {
  /** As printed, e.g. "mt4121_pciconf0", "/dev/mt4099_pci_cr0". */
  name: string;
  /** "mt4121"; undefined for names of another shape. */
  deviceId?: string;
  /** "0000:13:00.0" where mst status prints it (Linux: "domain:bus:dev.fn=..."). */
  pci?: string;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * Lines of the section under `title` (after its dash rule), up to the next section title, and the
 * margin (the title's indentation: published copies indent the whole output).
 */
function sectionLines(
  lines: readonly string[],
  title: RegExp,
): { body: string[]; margin: number } | undefined {
  const start = lines.findIndex((l) => title.test(l.trim()));
  if (start < 0) return undefined;
  const margin = indentOf(lines[start]);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (isDashRule(line) && body.length === 0) continue;
    if (SECTION_TITLE.test(line.trim()) && indentOf(line) <= margin) break;
    body.push(line);
  }
  return { body, margin };
}

function withId<T extends object>(entry: T, name: string): T & { deviceId?: string } {
  const deviceId = mstDeviceId(name);
  return deviceId ? { ...entry, deviceId } : entry;
}

/**
 * The access paths listed under "MST devices:". A line that starts at the margin must be a device
 * name; indented lines describe the device above (Linux), of which the PCI address is kept.
 */
export function parseMstStatus(text: string): MstDevice[] {
  const section = sectionLines(toLines(text), /^MST devices:$/i);
  if (section === undefined) {
    if (NO_DEVICES.test(text)) return [];
    throw new ParseError(PLAIN, 'an "MST devices:" section', text);
  }
  const devices: MstDevice[] = [];
  for (const line of section.body) {
    if (isBlank(line) || NO_DEVICES.test(line)) continue;
    if (indentOf(line) > section.margin) {
      const pci = /domain:bus:dev\.fn=([0-9a-fA-F:.]+)/.exec(line)?.[1];
      const last = devices[devices.length - 1];
      if (pci && last && last.pci === undefined) last.pci = pci;
      continue;
    }
    const name = tokensOf(line)[0]?.text ?? '';
    if (!DEVICE.test(name))
      throw new ParseError(PLAIN, `device names such as mt4123_pciconf0, not ${JSON.stringify(name)}`, text);
    devices.push(withId({ name }, name));
  }
  return devices;
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

/**
 * One row of `mst status -vv`, read by the shapes of its cells (widths differ between MFT versions and
 * published copies collapse the spaces): DEVICE_TYPE, MST and PCI first, then whichever of RDMA,
 * NET (net-...) and NUMA (a number) are printed.
 */
function verboseRow(line: string, n: number, text: string): MstPciDevice {
  const words = tokensOf(line).map((t) => t.text);
  const [deviceType = '', mst = '', pci = ''] = words;
  if (!DEVICE_TYPE.test(deviceType) || !DEVICE.test(mst) || !MST_PCI.test(pci))
    throw new ParseError(
      VERBOSE,
      `rows "<device type>(rev:N)  <mst device>  <bus:dev.fn>  ..." (row ${n + 1}: ${JSON.stringify(line.trim())})`,
      text,
    );
  let [rdma, net, numa]: (string | undefined)[] = [];
  const rest = words.slice(3);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (word.startsWith('net-')) {
      // Some MFT versions pad "net-" and the interface name apart.
      const joined = word === 'net-' && rest[i + 1] !== undefined && !/^-?\d+$/.test(rest[i + 1]);
      net = joined ? `net-${rest[++i]}` : word;
    } else if (/^-?\d+$/.test(word) && numa === undefined && (net !== undefined || i === rest.length - 1))
      numa = word;
    else if (net === undefined && rdma === undefined) rdma = word;
  }
  return withId(
    {
      deviceType,
      mst,
      pci,
      ...(rdma ? { rdma } : {}),
      ...(net ? { net } : {}),
      ...(numa ? { numa } : {}),
    },
    mst,
  );
}

export function parseMstStatusVerbose(text: string): MstPciDevice[] {
  const lines = toLines(text);
  const h = lines.findIndex((l) => /^\s*DEVICE_TYPE\s+MST\s+PCI\b/.test(l));
  if (h < 0) {
    if (NO_DEVICES.test(text)) return [];
    throw new ParseError(VERBOSE, 'a "DEVICE_TYPE  MST  PCI ..." table', text);
  }
  const rows: MstPciDevice[] = [];
  // Linux separates rows with blank lines; the table ends at the next section title.
  for (const line of lines.slice(h + 1)) {
    if (SECTION_TITLE.test(line.trim())) break;
    if (!isBlank(line)) rows.push(verboseRow(line, rows.length, text));
  }
  return rows;
}
