import { cardCatalog } from './catalog';
import type { CardState, EsxiState } from './state';

// Views computed from an EsxiState: option strings, ports and vmnics, what mst can see, VFs.

/** Parses a module option string ("k=v k2=v2") into an ordered map. */
export function parseOptions(options: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const tok of options.trim().split(/\s+/)) {
    if (!tok) continue;
    const eq = tok.indexOf('=');
    if (eq < 0) map.set(tok, '');
    else map.set(tok.slice(0, eq), tok.slice(eq + 1));
  }
  return map;
}

export function mstName(card: CardState): string {
  return `${cardCatalog[card.model].mstPrefix}_pciconf${card.mstIndex}`;
}

/** One access path of a card as `mst status` lists it, with the PCI function it reaches. */
export interface MstAccessPath {
  name: string;
  fn: number;
}

/** The paths `mst status` lists for a card: mstName first, then per state.mstPaths (derived order). */
export function mstAccessPaths(state: EsxiState, card: CardState): MstAccessPath[] {
  const style = state.mstPaths ?? {};
  const prefix = style.vmklinux ? '/dev/' : '';
  const base = mstName(card);
  const paths: MstAccessPath[] = [{ name: base, fn: 0 }];
  if (style.functions) for (let fn = 1; fn < card.ports; fn++) paths.push({ name: `${base}.${fn}`, fn });
  if (style.crSpace)
    paths.push({ name: `${cardCatalog[card.model].mstPrefix}_pci_cr${card.mstIndex}`, fn: 0 });
  return paths.map((p) => ({ ...p, name: prefix + p.name }));
}

/** "0000:65:00.0" */
export function pciAddress(bus: number, device: number, fn: number): string {
  return `0000:${bus.toString(16).padStart(2, '0')}:${device.toString(16).padStart(2, '0')}.${fn.toString(16)}`;
}

/** ESXi's form in VF lists and .vmx files: "0000:65:00.1" -> "00000:101:00.1" (decimal) [V]. */
export function decimalPciId(pci: string): string {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-9a-f])$/.exec(pci);
  if (!m) return pci;
  const dec = (h: string, w: number) => String(parseInt(h, 16)).padStart(w, '0');
  return `${dec(m[1], 5)}:${dec(m[2], 3)}:${dec(m[3], 2)}.${parseInt(m[4], 16)}`;
}

/** Onboard NICs before the Mellanox ports (vmnic0, vmnic1). */
export const ONBOARD_NICS = [
  { vmnic: 'vmnic0', pci: '0000:01:00.0', mac: '3c:ec:ef:10:20:30' },
  { vmnic: 'vmnic1', pci: '0000:01:00.1', mac: '3c:ec:ef:10:20:31' },
];

export interface NmlxPort {
  card: CardState;
  cardIndex: number;
  port: number;
  /** Index among all nmlx5 ports of the host, PCI order (max_vfs position). */
  index: number;
  pci: string;
  vmnic: string;
  mac: string;
}

export function nmlxPorts(state: EsxiState): NmlxPort[] {
  const ports: NmlxPort[] = [];
  const cards = [...state.cards].sort((a, b) => a.pciBus - b.pciBus);
  for (const card of cards) {
    for (let p = 0; p < card.ports; p++) {
      const index = ports.length;
      const mac = (parseInt(card.baseMac, 16) + p).toString(16).padStart(12, '0');
      ports.push({
        card,
        cardIndex: state.cards.indexOf(card),
        port: p,
        index,
        pci: pciAddress(card.pciBus, 0, p),
        vmnic: `vmnic${ONBOARD_NICS.length + index}`,
        mac: mac.match(/../g)?.join(':') ?? mac,
      });
    }
  }
  return ports;
}

/** max_vfs: one value per nmlx5 port in PCI order; a single value applies to every port. [R] */
export function maxVfsPerPort(params: Map<string, string>, portCount: number): number[] {
  const raw = params.get('max_vfs');
  const values =
    raw === undefined || raw === '' ? [] : raw.split(',').map((v) => Math.max(0, parseInt(v, 10) || 0));
  return Array.from({ length: portCount }, (_v, i) =>
    Math.min(128, values.length === 1 ? values[0] : (values[i] ?? 0)),
  );
}

/**
 * VFs the driver creates when it claims the cards: per card, only with SRIOV_EN=1 (Current) and
 * NUM_OF_VFS (Current) >= the sum of that card's max_vfs + 1 (one reserved for the PF).
 */
export function computeVfs(state: EsxiState, params: Map<string, string>): number[] {
  const ports = nmlxPorts(state);
  const wanted = maxVfsPerPort(params, ports.length);
  const vfs = wanted.map(() => 0);
  for (const card of state.cards) {
    const own = ports.filter((p) => p.card === card);
    const sum = own.reduce((s, p) => s + wanted[p.index], 0);
    const sriov = card.mlxconfig.SRIOV_EN?.current === 1;
    const numVfs = card.mlxconfig.NUM_OF_VFS?.current ?? 0;
    if (sriov && sum > 0 && numVfs >= sum + 1) for (const p of own) vfs[p.index] = wanted[p.index];
  }
  return vfs;
}

export function nmlx5CoreLoaded(state: EsxiState): boolean {
  return state.boot.loaded.nmlx5_core !== undefined;
}

/** Parameters nmlx5_core runs with in this boot (stored string at boot, or hand-given at load). */
export function effectiveCoreParams(state: EsxiState): Map<string, string> {
  return parseOptions(state.boot.loaded.nmlx5_core ?? '');
}

export function recoveryModeActive(state: EsxiState): boolean {
  return nmlx5CoreLoaded(state) && effectiveCoreParams(state).get('mst_recovery') === '1';
}

/** The vmnics of the Mellanox ports exist: the driver has claimed cards that are present. */
export function nicsPresent(state: EsxiState): boolean {
  return state.power === 'on' && state.boot.cardsPresent && state.boot.claimed && nmlx5CoreLoaded(state);
}

/** Cards `mst status` lists (also the ones mlxconfig/flint can open). */
export function mstVisibleCards(state: EsxiState): CardState[] {
  if (!state.vibs.nmst || !nicsPresent(state)) return [];
  if (state.cardsHidden && !recoveryModeActive(state)) return [];
  return [...state.cards].sort((a, b) => a.pciBus - b.pciBus);
}

/**
 * Finds a card by any of its mst access paths (with or without /dev/ or /dev/mst/) or by PCI address
 * (with or without domain).
 */
export function findMstDevice(state: EsxiState, dev: string): CardState | undefined {
  const bare = (path: string) => path.replace(/^\/dev\/(?:mst\/)?/, '');
  const name = bare(dev);
  return mstVisibleCards(state).find((card) => {
    if (mstName(card) === name || mstAccessPaths(state, card).some((p) => bare(p.name) === name)) return true;
    const pci = pciAddress(card.pciBus, 0, 0);
    return pci === name || pci.slice(5) === name;
  });
}

/** "0000:65:00.2" for VF `vf` of `port`: VFs follow the PFs' functions (ARI routing ids). */
export function vfPciAddress(port: NmlxPort, vfsBefore: number, vf: number): string {
  const rid = port.card.ports + vfsBefore + vf;
  return pciAddress(port.card.pciBus, Math.floor(rid / 8), rid % 8);
}

export function uptimeMicros(state: EsxiState, now: number): number {
  return Math.max(0, Math.round((now - state.boot.bootedAt) * 1000));
}

/** The host runs SR-IOV with at least one VF (a guest VM can have its VF). */
export function hasVfs(state: EsxiState): boolean {
  return nicsPresent(state) && state.boot.vfs.some((n) => n > 0);
}
