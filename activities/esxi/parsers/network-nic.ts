import { SHAPES } from './cell-shapes';
import { cell, readEsxcliTable, type ColumnSpec, type EsxcliRow } from './esxcli-table';
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
  /** Mb/s. */
  speed?: number;
  duplex?: string;
  macAddress?: string;
  mtu?: number;
  description?: string;
}

const COLUMNS: ColumnSpec[] = [
  { title: 'Name', shape: SHAPES.nicName },
  { title: 'PCI Device', shape: SHAPES.pciDevice },
  { title: 'Driver', shape: SHAPES.name },
  { title: 'Admin Status', shape: SHAPES.upDown, optional: true },
  { title: 'Link Status', shape: SHAPES.upDown, optional: true },
  { title: 'Link', shape: SHAPES.upDown, optional: true },
  { title: 'Speed', shape: SHAPES.number, optional: true },
  { title: 'Duplex', shape: SHAPES.duplex, optional: true },
  { title: 'MAC Address', shape: SHAPES.mac, optional: true },
  { title: 'MTU', shape: SHAPES.number, optional: true },
  { title: 'Description', shape: SHAPES.text, optional: true },
];

function nicOf(row: EsxcliRow): NicEntry {
  const text = (title: string) => cell(row, title) || undefined;
  const number = (title: string) => {
    const value = cell(row, title);
    return value === undefined ? undefined : Number(value);
  };
  return definedOnly<NicEntry>({
    name: cell(row, 'Name') ?? '',
    pciDevice: cell(row, 'PCI Device') ?? '',
    driver: cell(row, 'Driver') ?? '',
    adminStatus: text('Admin Status'),
    linkStatus: text('Link Status'),
    link: text('Link'),
    speed: number('Speed'),
    duplex: text('Duplex'),
    macAddress: text('MAC Address'),
    mtu: number('MTU'),
    description: text('Description'),
  });
}

function parseNics(text: string, command: string): NicEntry[] {
  return readEsxcliTable(text, command, COLUMNS, /^Name\s+PCI Device\s+Driver\b/).map(nicOf);
}

export function parseNicList(text: string): NicEntry[] {
  return parseNics(text, 'esxcli network nic list');
}

export function parseSriovNicList(text: string): NicEntry[] {
  return parseNics(text, 'esxcli network sriovnic list');
}
