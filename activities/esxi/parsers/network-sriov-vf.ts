import { cell, parseEsxcliTable, requireColumns } from './esxcli-table';
import { ParseError } from './parse-error';

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

export function parseSriovVfList(text: string): SriovVf[] {
  const table = parseEsxcliTable(text, COMMAND, /^VF ID\s+Active\b/);
  requireColumns(table, COMMAND, ['VF ID', 'Active', 'PCI Address'], text);
  return table.rows.map((row) => {
    const [id, active, owner] = [
      cell(row, 'VF ID') ?? '',
      cell(row, 'Active') ?? '',
      cell(row, 'Owner World ID'),
    ];
    if (!/^\d+$/.test(id) || !/^(true|false)$/i.test(active)) {
      throw new ParseError(COMMAND, `rows "<VF ID>  true|false  <PCI address>"`, text);
    }
    const vf: SriovVf = {
      vfId: Number(id),
      active: active.toLowerCase() === 'true',
      pciAddress: cell(row, 'PCI Address') ?? '',
    };
    if (owner !== undefined && /^\d+$/.test(owner)) vf.ownerWorldId = Number(owner);
    return vf;
  });
}
