// Thrown when a text is not the output of the command a parser reads at all (an error message, a
// different command's output, an empty reply). Activities turn it into a non-retryable failure that
// names the command, so an operator sees "mlxconfig query: expected ..." rather than a crash.

const EXCERPT_LENGTH = 80;

/** The first non-blank line of the input, shortened, for error messages. */
function excerptOf(input: string): string {
  const line = input.split(/\r\n|\r|\n/).find((l) => l.trim() !== '');
  if (line === undefined) return input.length === 0 ? 'empty output' : 'only blank lines';
  const trimmed = line.trim();
  const short = trimmed.length > EXCERPT_LENGTH ? `${trimmed.slice(0, EXCERPT_LENGTH)}...` : trimmed;
  return JSON.stringify(short);
}

export class ParseError extends Error {
  override readonly name = 'ParseError';
  /** The command whose output was expected, e.g. "esxcli software vib list". */
  readonly command: string;
  /** What the parser looked for and did not find. */
  readonly expected: string;
  /** The first non-blank line of the input (shortened), or "empty output". */
  readonly excerpt: string;

  constructor(command: string, expected: string, input: string) {
    const excerpt = excerptOf(input);
    super(`${command}: expected ${expected}; got ${excerpt}`);
    this.command = command;
    this.expected = expected;
    this.excerpt = excerpt;
  }
}
