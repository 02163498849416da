import { assignCells, spansFromDashes, spansFromHeader, type Span } from './columns';
import { ParseError } from './parse-error';
import { isBlank, isDashRule, toLines } from './text';

// The table format every esxcli "list" command prints: a header row, a row of dashes per column,
// then one row per item. Columns come from the dash runs (see columns.ts for drift tolerance).
// Lines above the header (a warning, a blank line) are ignored.

/** One row, keyed by the column titles as printed ("PCI Device"). Use `cell` to look up. */
export type EsxcliRow = Readonly<Record<string, string>>;

export interface EsxcliTable {
  columns: string[];
  rows: EsxcliRow[];
}

/** Index of the header line (the line above the first dash rule), or -1. */
export function findTableHeader(lines: readonly string[]): number {
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!isBlank(lines[i]) && isDashRule(lines[i + 1])) return i;
  }
  return -1;
}

/**
 * `header`: a pattern for the header row, accepted without its dash row (some published
 * samples drop it); columns then run from one title to the next.
 */
export function parseEsxcliTable(text: string, command = 'esxcli', header?: RegExp): EsxcliTable {
  const lines = toLines(text);
  let h = findTableHeader(lines);
  let spans: Span[];
  let first: number;
  if (h >= 0) [spans, first] = [spansFromDashes(lines[h + 1]), h + 2];
  else {
    h = header ? lines.findIndex((l) => header.test(l)) : -1;
    if (h < 0) throw new ParseError(command, 'a table: a header row followed by a row of dashes', text);
    [spans, first] = [spansFromHeader(lines[h], 'cells'), h + 1];
  }
  const columns = assignCells(lines[h], spans).map((title, i) => title || `column${i + 1}`);
  const rows = lines
    .slice(first)
    .filter((line) => !isBlank(line))
    .map((line) => {
      const cells = assignCells(line, spans);
      return Object.fromEntries(columns.map((title, i) => [title, cells[i] ?? '']));
    });
  return { columns, rows };
}

/** Column titles compare without case and spacing: "PCI Device" = "pci device" = "PCIDevice". */
function normalizeTitle(title: string): string {
  return title.replace(/\s+/g, '').toLowerCase();
}

/** A cell by column title (case- and space-insensitive); undefined when the table has no such column. */
export function cell(row: EsxcliRow, title: string): string | undefined {
  if (title in row) return row[title];
  const wanted = normalizeTitle(title);
  const key = Object.keys(row).find((k) => normalizeTitle(k) === wanted);
  return key === undefined ? undefined : row[key];
}

/** Throws a ParseError naming the command when a required column is missing. */
export function requireColumns(
  table: EsxcliTable,
  command: string,
  titles: readonly string[],
  text: string,
): void {
  const have = new Set(table.columns.map(normalizeTitle));
  const missing = titles.filter((t) => !have.has(normalizeTitle(t)));
  if (missing.length > 0)
    throw new ParseError(command, `columns ${missing.map((m) => `"${m}"`).join(', ')}`, text);
}
