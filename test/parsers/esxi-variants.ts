import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { ParseError } from '../../activities/esxi/parsers';

// Shared by the esxi-*.test.ts parser tests: the reference samples and the ways real output differs
// from them (line ends, trailing spaces, blank lines, column widths).

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'outputs', 'esxi');

/** A reference sample, byte for byte. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export function trailingSpaces(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `${l}   `))
    .join('\n');
}

/** Blank lines before and after the output, as some SSH sessions and wrappers add. */
export function surroundingBlankLines(text: string): string {
  return `\n\n${text}\n\n`;
}

/** The standard whitespace variants of a sample, with a label each. */
export function whitespaceVariants(text: string): [string, string][] {
  return [
    ['CRLF line ends', crlf(text)],
    ['trailing spaces', trailingSpaces(text)],
    ['surrounding blank lines', surroundingBlankLines(text)],
    ['no final newline', text.replace(/\n+$/, '')],
  ];
}

/**
 * An esxcli table as esxcli prints it: each column as wide as its longest cell (or `minWidth`),
 * two spaces between columns, cells in `right` right-aligned.
 */
export function esxcliTable(
  header: string[],
  rows: string[][],
  opts: { right?: number[]; extra?: number } = {},
): string {
  const width = header.map(
    (h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)) + (opts.extra ?? 0),
  );
  const pad = (s: string, i: number) => (opts.right?.includes(i) ? s.padStart(width[i]) : s.padEnd(width[i]));
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** Asserts that `fn(text)` throws a ParseError whose message names `command`. */
export function assertParseError(
  fn: (text: string) => unknown,
  text: string,
  command: string | RegExp,
): void {
  assert.throws(
    () => fn(text),
    (e: unknown) => {
      assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
      if (typeof command === 'string') assert.ok(e.message.startsWith(`${command}:`), e.message);
      else assert.match(e.message, command);
      return true;
    },
  );
}

/** Outputs that are no parser's input: an error, another command's output. */
export const NOT_OUTPUT = {
  notFound: 'sh: /opt/mellanox/bin/mst: not found\n',
  esxcliError: 'Error: Unknown command or namespace system module frob\n',
  flint:
    'Image type:            FS4\nFW Version:            20.35.1012\nPSID:                  MT_0000000228\n',
};
