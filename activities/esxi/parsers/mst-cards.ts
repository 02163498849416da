// mst lists access paths, not cards: one ConnectX card can show as mt4099_pciconf0 and mt4099_pci_cr0
// (configuration cycles, direct CR-space access), as mt4121_pciconf0 and mt4121_pciconf0.1 (its second
// PCI function), with /dev/ or /dev/mst/ in front. Firmware settings belong to the card, so ibfleet
// counts, configures and reports cards: one mlxconfig -d per card, through the path chosen here.

/** A path as mst lists it, with its PCI address where mst printed one (-vv, Linux status). */
export interface MstAccessPath {
  name: string;
  pci?: string;
}

export interface MstCard {
  /** The path ibfleet gives mlxconfig: the card's configuration-cycles path, first function, as printed. */
  device: string;
  /** Every path of the card as printed, in listing order. */
  paths: string[];
  /** The PCI address printed for `device` (or another path of the card), where known. */
  pci?: string;
}

interface PathName {
  /** "mt4121". */
  id: string;
  /** "pciconf", "pci_cr". */
  kind: string;
  index: number;
  /** The ".1" of a second function; 0 without. */
  fn: number;
}

function pathName(name: string): PathName | undefined {
  const m = /(?:^|\/)(mt\d+)_([a-z_]+?)(\d+)(?:\.(\d+))?$/.exec(name.trim());
  return m ? { id: m[1], kind: m[2], index: Number(m[3]), fn: Number(m[4] ?? 0) } : undefined;
}

/** The same card under another kind or function: "mt4099 #0" for mt4099_pciconf0, mt4099_pci_cr0, .1. */
function nameKey(name: string): string {
  const p = pathName(name);
  return p ? `${p.id} #${p.index}` : name.replace(/^\/dev\/(?:mst\/)?/, '');
}

/** "0000:3b:00.1", "3b:00.0" → "0:3b:0": the functions of one card share domain, bus and device. */
function pciKey(pci: string): string | undefined {
  const m = /^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.[0-7]$/.exec(pci.trim());
  if (!m) return undefined;
  const hex = (s: string | undefined) => Number.parseInt(s ?? '0', 16).toString(16);
  return `${hex(m[1])}:${hex(m[2])}:${hex(m[3])}`;
}

/** Lower is better for mlxconfig: pciconf of function 0, pciconf of another function, pci_cr, others. */
function rank(name: string): number {
  const p = pathName(name);
  if (!p) return 4;
  if (p.kind === 'pciconf') return p.fn === 0 ? 0 : 1;
  return p.kind === 'pci_cr' ? 2 : 3;
}

/**
 * The cards behind the listed paths, in listing order. Paths with a PCI address are grouped by
 * domain:bus:device (authoritative); a path without one joins the card whose paths share its device id
 * and number (mt4099_pci_cr0 with mt4099_pciconf0), or makes a card of its own.
 */
export function groupMstCards(paths: readonly MstAccessPath[]): MstCard[] {
  const groups: { key: string; members: MstAccessPath[] }[] = [];
  const withPci = paths.filter((p) => p.pci !== undefined && pciKey(p.pci) !== undefined);
  for (const p of withPci) {
    const key = `pci ${pciKey(p.pci ?? '')}`;
    const group = groups.find((g) => g.key === key);
    if (group) group.members.push(p);
    else groups.push({ key, members: [p] });
  }
  for (const p of paths.filter((x) => !withPci.includes(x))) {
    const key = nameKey(p.name);
    const group = groups.find((g) => g.members.some((m) => nameKey(m.name) === key));
    if (group) group.members.push(p);
    else groups.push({ key: `name ${key}`, members: [p] });
  }
  const order = (p: MstAccessPath) => paths.indexOf(p);
  return groups
    .map((g) => g.members.sort((a, b) => order(a) - order(b)))
    .sort((a, b) => order(a[0]) - order(b[0]))
    .map((members) => {
      const chosen = [...members].sort((a, b) => rank(a.name) - rank(b.name) || order(a) - order(b))[0];
      const pci = chosen.pci ?? members.find((m) => m.pci !== undefined)?.pci;
      return { device: chosen.name, paths: members.map((m) => m.name), ...(pci ? { pci } : {}) };
    });
}
