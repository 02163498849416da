import { cell, findTableHeader, parseEsxcliTable, requireColumns } from './esxcli-table';
import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// `esxcli software vib list`, full (header + dashes; ESXi 8 adds Platforms) or filtered through
// `| grep -i nmlx5` (rows only, no header). VIB fields never contain spaces, so header-less rows are
// split on any whitespace (the guide's copy of the grep output is even tab-separated).

const COMMAND = 'esxcli software vib list';
const HEADER = /^Name\s+Version\s+Vendor\b/;

export interface VibEntry {
  name: string;
  version: string;
  vendor: string;
  acceptanceLevel: string;
  installDate: string;
  /** ESXi 8 only ("host"). */
  platforms?: string;
}

function withPlatforms(entry: Omit<VibEntry, 'platforms'>, platforms: string | undefined): VibEntry {
  return platforms ? { ...entry, platforms } : entry;
}

function parseTable(text: string): VibEntry[] {
  const table = parseEsxcliTable(text, COMMAND, HEADER);
  requireColumns(table, COMMAND, ['Name', 'Version', 'Vendor', 'Acceptance Level', 'Install Date'], text);
  return table.rows.map((row) =>
    withPlatforms(
      {
        name: cell(row, 'Name') ?? '',
        version: cell(row, 'Version') ?? '',
        vendor: cell(row, 'Vendor') ?? '',
        acceptanceLevel: cell(row, 'Acceptance Level') ?? '',
        installDate: cell(row, 'Install Date') ?? '',
      },
      cell(row, 'Platforms'),
    ),
  );
}

function parseRow(line: string): VibEntry | undefined {
  const f = line.trim().split(/\s+/);
  // The install date (YYYY-MM-DD) tells a VIB row from any other five- or six-word line.
  if ((f.length !== 5 && f.length !== 6) || !/^\d{4}-\d{2}-\d{2}/.test(f[4] ?? '')) return undefined;
  const [name, version, vendor, acceptanceLevel, installDate, platforms] = f as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return withPlatforms({ name, version, vendor, acceptanceLevel, installDate }, platforms);
}

/**
 * All VIBs listed. Empty output gives [] (a grep that matched nothing); header-less lines that are
 * not VIB rows are skipped, but output with no VIB row at all is not this command's.
 */
export function parseVibList(text: string): VibEntry[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  if (lines.length === 0) return [];
  if (findTableHeader(toLines(text)) >= 0 || HEADER.test(lines[0])) return parseTable(text);
  const entries = lines.map(parseRow).filter((e): e is VibEntry => e !== undefined);
  if (entries.length === 0)
    throw new ParseError(COMMAND, 'VIB rows (name version vendor acceptance date)', text);
  return entries;
}
