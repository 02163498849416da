import { segmentsOf, tokensOf, type Segment } from './text';

// Assigning the cells of a printed row to table columns. esxcli widens every column to its longest
// cell, but published samples (and hand-edited ones) drift by a character or two, and some tools
// print header words without an underline. So: position first (overlap with the column's span),
// order second (when positions are inconsistent but the cell count matches the column count).

/** A column's horizontal extent (0-based, end exclusive); the last column is open-ended. */
export interface Span {
  start: number;
  end: number;
}

/** Spans from the dash runs of an esxcli underline ("------  ----"). */
export function spansFromDashes(rule: string): Span[] {
  const spans = tokensOf(rule).map((t) => ({ start: t.start, end: t.end }));
  return openLast(spans);
}

/**
 * Spans from a header line without underline: each column runs from its title to the next title.
 * `splitTitles` = 'words' when titles have no spaces (mst status -vv), 'cells' for esxcli titles.
 */
export function spansFromHeader(header: string, splitTitles: 'words' | 'cells'): Span[] {
  const titles = splitTitles === 'words' ? tokensOf(header) : segmentsOf(header);
  const spans = titles.map((t, i) => ({ start: t.start, end: titles[i + 1]?.start ?? t.end }));
  return openLast(spans);
}

function openLast(spans: Span[]): Span[] {
  const last = spans[spans.length - 1];
  if (last !== undefined) last.end = Number.POSITIVE_INFINITY;
  return spans;
}

function overlap(seg: Segment, span: Span): number {
  return Math.max(0, Math.min(seg.end, span.end) - Math.max(seg.start, span.start));
}

/** The column a cell belongs to: most overlap, else the nearest span. */
function columnOf(seg: Segment, spans: readonly Span[]): number {
  let best = -1;
  let bestOverlap = 0;
  spans.forEach((span, i) => {
    const o = overlap(seg, span);
    if (o > bestOverlap) [best, bestOverlap] = [i, o];
  });
  if (best >= 0) return best;
  let bestDistance = Number.POSITIVE_INFINITY;
  spans.forEach((span, i) => {
    const d = seg.end <= span.start ? span.start - seg.end : seg.start - span.end;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  });
  return best;
}

/**
 * The cells of `line` for the given columns ('' where a column is blank). `split` chooses how the
 * line is cut: esxcli 'cells' (two or more spaces) or plain whitespace 'words'.
 */
export function assignCells(
  line: string,
  spans: readonly Span[],
  split: 'cells' | 'words' = 'cells',
): string[] {
  const segs = split === 'words' ? tokensOf(line) : segmentsOf(line);
  const last = spans.length - 1;
  let columns = segs.map((s) => columnOf(s, spans));
  // Drift shows as a cell spanning several columns, or cells out of order / sharing a column.
  const straddles = segs.some((s) => spans.filter((span) => overlap(s, span) > 0).length > 1);
  const ordered = columns.every(
    (c, i) => i === 0 || c > columns[i - 1] || (c === last && columns[i - 1] === last),
  );
  if (straddles || !ordered) {
    columns =
      segs.length === spans.length
        ? segs.map((_, i) => i) // whitespace fallback: one cell per column, in order
        : columns.map((_, i) => Math.max(...columns.slice(0, i + 1))); // keep order, merge strays left
  }
  const cells = spans.map(() => '');
  for (let c = 0; c < spans.length; c++) {
    const mine = segs.filter((_, i) => columns[i] === c);
    if (mine.length > 0) cells[c] = line.slice(mine[0].start, mine[mine.length - 1].end);
  }
  return cells;
}
