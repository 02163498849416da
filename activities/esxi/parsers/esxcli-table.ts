import type { CellShape } from './cell-shapes';
import { cellsBySpans, cellsInOrder, spansFromDashes, spansFromHeader, type Span } from './columns';
import { ParseError } from './parse-error';
import { isBlank, isDashRule, segmentsOf, toLines } from './text';

// The table format every esxcli "list" command prints: a header row, a row of dashes per column,
// then one row per item. Columns come from the dash runs, whatever the space between them (see
// columns.ts). Lines above the header (a warning, a blank line) are ignored. Parsers read tables with
// readEsxcliTable, which checks every cell against the shape of its column.

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

interface Layout {
  columns: string[];
  spans: Span[];
  /** The non-blank lines below the header (and its underline). */
  rows: string[];
}

function layoutOf(text: string, command: string, header: RegExp | undefined): Layout {
  const lines = toLines(text);
  let h = findTableHeader(lines);
  let spans: Span[];
  let first: number;
  if (h >= 0) {
    spans = spansFromDashes(lines[h + 1]);
    // One dash run under several titles is a separator line, not an underline (a Cisco sample).
    if (spans.length === 1 && segmentsOf(lines[h]).length > 1) spans = spansFromHeader(lines[h], 'cells');
    first = h + 2;
  } else {
    h = header ? lines.findIndex((l) => header.test(l.trim())) : -1;
    if (h < 0) throw new ParseError(command, 'a table: a header row followed by a row of dashes', text);
    [spans, first] = [spansFromHeader(lines[h], 'cells'), h + 1];
  }
  const titles = cellsBySpans(lines[h], spans);
  if (!titles) throw new ParseError(command, 'column titles over the dash runs', text);
  return {
    columns: titles.map((title, i) => title || `column${i + 1}`),
    spans,
    rows: lines.slice(first).filter((line) => !isBlank(line)),
  };
}

/**
 * The table as printed, cells cut by position only. `header`: a pattern for the header row, accepted
 * without its dash row (some published samples drop it); columns then run from one title to the next.
 */
export function parseEsxcliTable(text: string, command = 'esxcli', header?: RegExp): EsxcliTable {
  const { columns, spans, rows } = layoutOf(text, command, header);
  return {
    columns,
    rows: rows.map((line, n) => {
      const cells = cellsBySpans(line, spans);
      if (!cells) throw new ParseError(command, `row ${n + 1} to fit the columns of the header`, text);
      return Object.fromEntries(columns.map((title, i) => [title, cells[i] ?? '']));
    }),
  };
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
  table: Pick<EsxcliTable, 'columns'>,
  command: string,
  titles: readonly string[],
  text: string,
): void {
  const have = new Set(table.columns.map(normalizeTitle));
  const missing = titles.filter((t) => !have.has(normalizeTitle(t)));
  if (missing.length > 0)
    throw new ParseError(command, `columns ${missing.map((m) => `"${m}"`).join(', ')}`, text);
}

/** A column a parser reads, with the shape of its cells. */
export interface ColumnSpec {
  title: string;
  shape: CellShape;
  /** The column may be absent from the table (other ESXi versions, the sriovnic variant). */
  optional?: boolean;
}

/**
 * The rows of a table whose columns have known shapes. Cells are cut by position; a row that does not
 * fit the shapes is read again by order (one word per column) when every column but the last holds
 * single words, and refused with a ParseError naming the column and the cell when neither fits.
 * Columns not in `spec` are kept as printed.
 */
export function readEsxcliTable(
  text: string,
  command: string,
  spec: readonly ColumnSpec[],
  header?: RegExp,
): EsxcliRow[] {
  const { columns, spans, rows } = layoutOf(text, command, header);
  requireColumns(
    { columns },
    command,
    spec.filter((s) => !s.optional).map((s) => s.title),
    text,
  );
  const shapes = columns.map(
    (title) => spec.find((s) => normalizeTitle(s.title) === normalizeTitle(title))?.shape,
  );
  const misfit = (cells: readonly string[]) =>
    shapes.findIndex((s, i) => s !== undefined && !s.test(cells[i]));
  const byOrder = shapes.every((s, i) => s !== undefined && (s.oneWord || i === shapes.length - 1));
  return rows.map((line, n) => {
    let cells = cellsBySpans(line, spans);
    if (cells === undefined || misfit(cells) >= 0) {
      const ordered = byOrder ? cellsInOrder(line, columns.length) : undefined;
      if (ordered !== undefined && misfit(ordered) < 0) cells = ordered;
      else if (cells === undefined)
        throw new ParseError(command, `row ${n + 1} to fit the columns of the header`, text);
      else {
        const bad = misfit(cells);
        const what = shapes[bad]?.what ?? '';
        throw new ParseError(
          command,
          `column "${columns[bad]}" to hold ${what}, not ${JSON.stringify(cells[bad])} (row ${n + 1}: the table does not fit its header)`,
          text,
        );
      }
    }
    const row = cells;
    return Object.fromEntries(columns.map((title, i) => [title, row[i] ?? '']));
  });
}
