import { SHAPES } from './cell-shapes';
import { cell, findTableHeader, readEsxcliTable, type ColumnSpec } from './esxcli-table';
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

const COLUMNS: ColumnSpec[] = [
  { title: 'Name', shape: SHAPES.name },
  { title: 'Version', shape: SHAPES.version },
  { title: 'Vendor', shape: SHAPES.word },
  { title: 'Acceptance Level', shape: SHAPES.acceptanceLevel },
  { title: 'Install Date', shape: SHAPES.installDate },
  { title: 'Platforms', shape: SHAPES.word, optional: true },
];

function entryOf(cells: readonly string[]): VibEntry {
  const [name, version, vendor, acceptanceLevel, installDate, platforms] = cells;
  const entry = { name, version, vendor, acceptanceLevel, installDate };
  return platforms ? { ...entry, platforms } : entry;
}

function parseTable(text: string): VibEntry[] {
  return readEsxcliTable(text, COMMAND, COLUMNS, HEADER).map((row) =>
    entryOf(COLUMNS.map((c) => cell(row, c.title) ?? '')),
  );
}

/** A header-less row, or undefined for a line that is no VIB row at all. */
function parseRow(line: string, text: string): VibEntry | undefined {
  const f = line.trim().split(/\s+/);
  // The install date (YYYY-MM-DD) tells a VIB row from any other five- or six-word line.
  if ((f.length !== 5 && f.length !== 6) || !SHAPES.installDate.test(f[4] ?? '')) return undefined;
  const bad = f.findIndex((value, i) => !COLUMNS[i].shape.test(value));
  if (bad >= 0)
    throw new ParseError(
      COMMAND,
      `${COLUMNS[bad].title} to be ${COLUMNS[bad].shape.what}, not ${JSON.stringify(f[bad])}`,
      text,
    );
  return entryOf(f);
}

/**
 * All VIBs listed. Empty output gives [] (a grep that matched nothing); header-less lines that are
 * not VIB rows are skipped, but output with no VIB row at all is not this command's.
 */
export function parseVibList(text: string): VibEntry[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  if (lines.length === 0) return [];
  if (findTableHeader(toLines(text)) >= 0 || HEADER.test(lines[0].trim())) return parseTable(text);
  const entries = lines.map((l) => parseRow(l, text)).filter((e): e is VibEntry => e !== undefined);
  if (entries.length === 0)
    throw new ParseError(COMMAND, 'VIB rows (name version vendor acceptance date)', text);
  return entries;
}
