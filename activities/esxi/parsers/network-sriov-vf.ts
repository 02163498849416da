import { SHAPES } from './cell-shapes';
import { cell, readEsxcliTable, type ColumnSpec } from './esxcli-table';

// `esxcli network sriovnic vf list -n vmnicN`: VF ID, Active, PCI Address, Owner World ID ("-" when
// no VM owns the VF).

const COMMAND = 'esxcli network sriovnic vf list';

export interface SriovVf {
  vfId: number;
  active: boolean;
  pciAddress: string;
  /** Undefined when no world owns the VF ("-"). */
  ownerWorldId?: number;
}

const COLUMNS: ColumnSpec[] = [
  { title: 'VF ID', shape: SHAPES.number },
  { title: 'Active', shape: SHAPES.bool },
  { title: 'PCI Address', shape: SHAPES.pciAddress },
  { title: 'Owner World ID', shape: SHAPES.worldIdOrDash, optional: true },
];

export function parseSriovVfList(text: string): SriovVf[] {
  return readEsxcliTable(text, COMMAND, COLUMNS, /^VF ID\s+Active\b/).map((row) => {
    const owner = cell(row, 'Owner World ID');
    const vf: SriovVf = {
      vfId: Number(cell(row, 'VF ID')),
      active: cell(row, 'Active')?.toLowerCase() === 'true',
      pciAddress: cell(row, 'PCI Address') ?? '',
    };
    if (owner !== undefined && owner !== '-') vf.ownerWorldId = Number(owner);
    return vf;
  });
}
