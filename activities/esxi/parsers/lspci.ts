import { ParseError } from './parse-error';
import { PCI_ADDRESS } from './pci-address';
import { isBlank, toLines } from './text';

// ESXi `lspci`: "<address> <class>: <vendor and device> [<alias>]", where the alias is the vmkernel
// name (vmnic2) or, for a VF, PF_<a>.<bus>.<c>_VF_<n> with the PF's bus in decimal.

const COMMAND = 'lspci';
const LINE = /^(\S+)\s+([^:]+):\s+(.*)$/;
const ALIAS = /\s*\[((?:vm[a-z]+\d+)|(?:PF_(\d+)\.(\d+)\.(\d+)_VF_(\d+)))\]$/;

export interface LspciEntry {
  address: string;
  /** "Network controller". */
  className: string;
  /** "Mellanox Technologies MT28800 Family [ConnectX-5 Ex]". */
  description: string;
  /** "vmnic2" or "PF_0.175.0_VF_0". */
  alias?: string;
  /** For a VF alias: the PF as "0.175.0" (third part: 0 in every known sample), its bus, the VF index. */
  vf?: { pf: string; pfBus: number; index: number };
}

function entryOf(line: string): LspciEntry | undefined {
  const m = LINE.exec(line.trim());
  if (!m || !PCI_ADDRESS.test(m[1])) return undefined;
  const entry: LspciEntry = { address: m[1], className: m[2].trim(), description: m[3] };
  const a = ALIAS.exec(m[3]);
  if (a) {
    entry.description = m[3].slice(0, a.index).trim();
    entry.alias = a[1];
    if (a[5] !== undefined)
      entry.vf = { pf: `${a[2]}.${a[3]}.${a[4]}`, pfBus: Number(a[3]), index: Number(a[5]) };
  }
  return entry;
}

/** Devices listed; [] for empty output (a grep that matched nothing). */
export function parseLspci(text: string): LspciEntry[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  const entries = lines.map(entryOf).filter((e): e is LspciEntry => e !== undefined);
  if (lines.length > 0 && entries.length === 0) {
    throw new ParseError(COMMAND, 'lines "<pci address> <class>: <description>"', text);
  }
  return entries;
}
