import { cell, parseEsxcliTable, requireColumns, type EsxcliRow } from './esxcli-table';
import { definedOnly } from './text';

// `esxcli network nic list` and `esxcli network sriovnic list` (same table, "Link" instead of
// "Admin Status"/"Link Status").

export interface NicEntry {
  name: string;
  pciDevice: string;
  driver: string;
  adminStatus?: string;
  linkStatus?: string;
  /** sriovnic list's single "Link" column. */
  link?: string;
  /** Mb/s; undefined when not a number. */
  speed?: number;
  duplex?: string;
  macAddress?: string;
  mtu?: number;
  description?: string;
}

function numberOrUndefined(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function nicOf(row: EsxcliRow): NicEntry {
  const text = (title: string) => cell(row, title) || undefined;
  return definedOnly<NicEntry>({
    name: cell(row, 'Name') ?? '',
    pciDevice: cell(row, 'PCI Device') ?? '',
    driver: cell(row, 'Driver') ?? '',
    adminStatus: text('Admin Status'),
    linkStatus: text('Link Status'),
    link: text('Link'),
    speed: numberOrUndefined(cell(row, 'Speed')),
    duplex: text('Duplex'),
    macAddress: text('MAC Address'),
    mtu: numberOrUndefined(cell(row, 'MTU')),
    description: text('Description'),
  });
}

function parseNics(text: string, command: string): NicEntry[] {
  const table = parseEsxcliTable(text, command, /^Name\s+PCI Device\s+Driver\b/);
  requireColumns(table, command, ['Name', 'PCI Device', 'Driver'], text);
  return table.rows.map(nicOf);
}

export function parseNicList(text: string): NicEntry[] {
  return parseNics(text, 'esxcli network nic list');
}

export function parseSriovNicList(text: string): NicEntry[] {
  return parseNics(text, 'esxcli network sriovnic list');
}
