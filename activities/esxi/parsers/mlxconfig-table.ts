import { keyValueOf } from './esxcli-keyvalue';
import { ParseError } from './parse-error';
import { isBlank, tokensOf } from './text';

// The parts mlxconfig prints for every device (query and set): the "Device #N:" block and the
// "Configurations:" table. Rows are "<*><RO>     NAME  value...", values never contain spaces, so
// rows are read by whitespace: column widths changed between MFT versions (48-wide names and
// value columns sized for hex BYTES values in newer releases), and published copies collapse them.
// A row must hold one value per column: a row that does not is refused (ParseError), never read
// into the wrong column. Lines that are no row (a copy's "...", the prompt) are skipped; the table
// ends at "The '*' shows ..." or the next device.

export interface MlxDeviceInfo {
  /** N of "Device #N:". */
  index: number;
  /** "ConnectX6". */
  deviceType: string;
  /** Part number, e.g. "MCX653106A-HDA_Ax". */
  name: string;
  description: string;
  /** "mt4123_pciconf0". */
  device: string;
}

export type MlxColumn = 'default' | 'current' | 'nextBoot' | 'new';

export interface MlxConfigRow {
  name: string;
  /** The '*' marker: next value differs from default or current. */
  changed: boolean;
  /** The 'RO' marker (newer MFT): read-only parameter. */
  readOnly: boolean;
  values: Partial<Record<MlxColumn, string>>;
}

export interface MlxDeviceBlock {
  device: MlxDeviceInfo;
  columns: MlxColumn[];
  rows: MlxConfigRow[];
}

const DEVICE_HEADER = /^\s*Device #(\d+):\s*$/;
const COLUMN_TITLES: [RegExp, MlxColumn][] = [
  [/^Default/, 'default'],
  [/^Current/, 'current'],
  [/^Next Boot/, 'nextBoot'],
  [/^New/, 'new'],
];
/** Parameter names are upper case: SRIOV_EN, LINK_TYPE_P1, ESWITCH_HAIRPIN_DESCRIPTORS[0]. */
const PARAM_NAME = /^[A-Z][A-Z0-9_]*(?:\[\d+(?:\.\.\d+)?\])?$/;
const CONFIGURATIONS = /^\s*Configurations:/;

function columnsOf(titles: string): MlxColumn[] {
  const columns: MlxColumn[] = [];
  let rest = titles.trim();
  while (rest !== '') {
    const hit = COLUMN_TITLES.find(([re]) => re.test(rest));
    if (!hit) break;
    columns.push(hit[1]);
    rest = rest.replace(hit[0], '').trim();
  }
  // A single value column is the next-boot value whatever its title (older "q" output).
  return columns.length <= 1 ? ['nextBoot'] : columns;
}

/** The row on `line`, undefined for a line that is no row; throws when the values do not fit the columns. */
function rowOf(
  line: string,
  columns: readonly MlxColumn[],
  lines: readonly string[],
): MlxConfigRow | undefined {
  const words = tokensOf(line).map((t) => t.text);
  let i = 0;
  let [changed, readOnly] = [false, false];
  if (words[i] === '*' || words[i] === '*RO') [changed, readOnly, i] = [true, words[i] === '*RO', i + 1];
  if (words[i] === 'RO') [readOnly, i] = [true, i + 1];
  const name = words[i] ?? '';
  const found = words.slice(i + 1);
  if (!PARAM_NAME.test(name) || found.length === 0) return undefined;
  if (found.length !== columns.length)
    throw new ParseError(
      'mlxconfig',
      `${columns.length} value(s) for ${name} (one per column), not ${JSON.stringify(found.join(' '))}`,
      lines.join('\n'),
    );
  const values: Partial<Record<MlxColumn, string>> = {};
  found.forEach((v, k) => (values[columns[k]] = v));
  return { name, changed, readOnly, values };
}

/** Every "Device #N:" block with its configuration table (empty when the block has none). */
export function parseMlxDeviceBlocks(lines: readonly string[]): MlxDeviceBlock[] {
  const blocks: MlxDeviceBlock[] = [];
  let current: MlxDeviceBlock | undefined;
  let inTable = false;
  for (const line of lines) {
    const header = DEVICE_HEADER.exec(line);
    if (header) {
      const device = { index: Number(header[1]), deviceType: '', name: '', description: '', device: '' };
      current = { device, columns: [], rows: [] };
      blocks.push(current);
      inTable = false;
    } else if (current && CONFIGURATIONS.test(line)) {
      current.columns = columnsOf(line.replace(CONFIGURATIONS, ''));
      inTable = true;
    } else if (current && inTable) {
      if (/^\s*The '/.test(line)) inTable = false;
      else if (!isBlank(line)) {
        const row = rowOf(line, current.columns, lines);
        if (row) current.rows.push(row);
      }
    } else if (current) readDeviceField(current.device, line);
  }
  return blocks;
}

function readDeviceField(device: MlxDeviceInfo, line: string): void {
  const kv = keyValueOf(line);
  if (!kv) return;
  const [key, value] = [kv[0].toLowerCase(), kv[1]];
  if (key === 'device type') device.deviceType = value;
  else if (key === 'name') device.name = value;
  else if (key === 'description') device.description = value;
  // "PCI device:" in older MFT.
  else if (key === 'device' || key === 'pci device') device.device = value;
}

/** The messages of `-E-` lines (mlxconfig prints its errors on stdout), without the prefix. */
export function mlxErrorLines(lines: readonly string[]): string[] {
  return lines.filter((l) => /^\s*-E-/.test(l)).map((l) => l.replace(/^\s*-E-\s*/, '').trim());
}
