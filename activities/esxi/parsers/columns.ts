import { segmentsOf, tokensOf } from './text';

// Cutting printed table rows into cells. The columns are given by the underline: one run of dashes per
// column, whatever the space between the runs (esxcli prints two spaces; a published ESXi 7.0U3 capture
// has one). Each word of a row goes to the column whose span it overlaps most (or the nearest), so a
// cell may drift a character or two past its dashes, as published samples do, and single spaces stay
// inside a cell ("Admin Status", "array of uint"). Whether the cells make sense is for the caller to
// check against their shapes (cell-shapes.ts): positions alone cannot prove a table was cut right.

/** A column's horizontal extent (0-based, end exclusive); the last column is open-ended. */
export interface Span {
  start: number;
  end: number;
}

/** Spans from the dash runs of an underline ("------  ----" or "------ ----"). */
export function spansFromDashes(rule: string): Span[] {
  return openLast(tokensOf(rule).map((t) => ({ start: t.start, end: t.end })));
}

/**
 * Spans from a header line without underline: each column runs from its title to the next title.
 * `splitTitles` = 'words' when titles have no spaces (mst status -vv), 'cells' for esxcli titles
 * (separated by two spaces or more).
 */
export function spansFromHeader(header: string, splitTitles: 'words' | 'cells'): Span[] {
  const titles = splitTitles === 'words' ? tokensOf(header) : segmentsOf(header);
  return openLast(titles.map((t, i) => ({ start: t.start, end: titles[i + 1]?.start ?? t.end })));
}

function openLast(spans: Span[]): Span[] {
  const last = spans[spans.length - 1];
  if (last !== undefined) last.end = Number.POSITIVE_INFINITY;
  return spans;
}

function overlap(start: number, end: number, span: Span): number {
  return Math.max(0, Math.min(end, span.end) - Math.max(start, span.start));
}

/** The column a word belongs to: most overlap (the first on a tie), else the nearest span. */
function columnOf(start: number, end: number, spans: readonly Span[]): number {
  let best = -1;
  let bestOverlap = 0;
  spans.forEach((span, i) => {
    const o = overlap(start, end, span);
    if (o > bestOverlap) [best, bestOverlap] = [i, o];
  });
  if (best >= 0) return best;
  let bestDistance = Number.POSITIVE_INFINITY;
  spans.forEach((span, i) => {
    const d = end <= span.start ? span.start - end : start - span.end;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  });
  return best;
}

/**
 * The cells of `line` by position ('' where a column is blank; words of one cell keep the text between
 * them). Undefined when the words do not fall into the columns in order.
 */
export function cellsBySpans(line: string, spans: readonly Span[]): string[] | undefined {
  const words = tokensOf(line);
  const columns = words.map((w) => columnOf(w.start, w.end, spans));
  if (columns.some((c, i) => i > 0 && c < columns[i - 1])) return undefined;
  return spans.map((_, c) => {
    const mine = words.filter((_w, i) => columns[i] === c);
    return mine.length === 0 ? '' : line.slice(mine[0].start, mine[mine.length - 1].end);
  });
}

/**
 * The cells of `line` by order: one word per column, the last column taking the rest of the line.
 * Only for tables whose cells are single words but the last; undefined when the word count does not
 * fit (a blank cell, a cell with spaces).
 */
export function cellsInOrder(line: string, count: number): string[] | undefined {
  const words = tokensOf(line);
  if (count === 0 || words.length < count) return undefined;
  const last = words[count - 1];
  return [...words.slice(0, count - 1).map((w) => w.text), line.slice(last.start).trim()];
}
