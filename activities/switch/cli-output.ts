import { ParseError } from '../esxi/parsers/parse-error';

// Generic handling of MLNX-OS CLI text: line splitting, `%` error lines, and interactive transcripts
// (prompts, echoed commands, pager remnants) reduced to the commands' own output.
//
// Prompts [V]: "sw1 [standalone: master] > ", "sw1 [standalone: master] # ",
// "sw1 [standalone: master] (config) # ". The hostname is optional here because terminals (and the
// guide's PDF) can wrap it onto its own line; other roles than "standalone: master" are accepted.

/** ANSI escape sequences (colour, cursor moves) that terminals and pagers emit. */
// eslint-disable-next-line no-control-regex -- matching the ESC control character is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

/** Splits on LF, CRLF or CR, drops ANSI sequences, trims line ends. */
export function cliLines(text: string): string[] {
  return text
    .replace(ANSI, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd());
}

/** `%`-prefixed error lines of the CLI, without the `% ` ("Unrecognized command "foo"."). */
export function findCliErrors(text: string): string[] {
  return cliLines(text)
    .map((l) => /^\s*%\s?(.*\S)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1]);
}

export class MlnxCliError extends Error {
  override readonly name = 'MlnxCliError';
  constructor(
    readonly command: string,
    readonly errors: string[],
  ) {
    super(
      `${command}: the switch answered "% ${errors[0]}"${errors.length > 1 ? ` (+${errors.length - 1} more)` : ''}`,
    );
  }
}

/** Throws MlnxCliError when the text holds a `%` error line. */
export function assertNoCliError(command: string, text: string): void {
  const errors = findCliErrors(text);
  if (errors.length > 0) throw new MlnxCliError(command, errors);
}

export type CliPromptMode = 'user' | 'enable' | 'config';

export interface CliPrompt {
  hostname?: string;
  mode: CliPromptMode;
  /** Text after the prompt on the same line (the echoed command, if any). */
  rest: string;
}

const PROMPT = /^(?:(\S+)\s+)?\[[^\]]*\]\s*(?:\(([^)]*)\)\s*)?([>#])(?:\s(.*)|$)/;

/** Recognizes a prompt at the start of a line. */
export function matchPrompt(line: string): CliPrompt | undefined {
  const m = PROMPT.exec(line);
  if (!m) return undefined;
  const mode: CliPromptMode =
    m[3] === '>' ? 'user' : m[2] !== undefined && m[2].startsWith('config') ? 'config' : 'enable';
  return { hostname: m[1], mode, rest: (m[4] ?? '').trim() };
}

/** Pager and terminal remnants that are not command output. */
function isPagerLine(line: string): boolean {
  return (
    /^\s*lines \d+-\d+(?:\/\d+)?(?: \(END\))?\s*$/.test(line) ||
    /^\s*\(END\)\s*$/.test(line) ||
    /^\s*--More--\s*$/.test(line)
  );
}

export interface TranscriptEntry {
  /** The command typed after the prompt ('' for an empty line or the final prompt). */
  command: string;
  mode: CliPromptMode;
  /** The lines the command printed. */
  output: string[];
  /** Text before the first prompt (banner, login messages), not a command's output. */
  preamble?: boolean;
}

/**
 * Splits an interactive transcript into commands and their output. Text before the first prompt
 * (banner, login messages) is returned as an entry with command '' and the mode of the first prompt.
 */
export function splitCliTranscript(text: string): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  let current: TranscriptEntry | undefined;
  const preamble: string[] = [];
  for (const line of cliLines(text)) {
    if (isPagerLine(line)) continue;
    const p = matchPrompt(line);
    if (p) {
      if (!current && preamble.some((l) => l.trim() !== '')) {
        entries.push({ command: '', mode: p.mode, output: preamble.splice(0), preamble: true });
      }
      current = { command: p.rest, mode: p.mode, output: [] };
      entries.push(current);
    } else if (current) {
      current.output.push(line);
    } else {
      preamble.push(line);
    }
  }
  if (!current && preamble.length)
    entries.push({ command: '', mode: 'user', output: preamble, preamble: true });
  return entries;
}

/** The output of one command in a transcript: the entry whose command is `command` (last one wins). */
export function outputOfCommand(text: string, command: string): string {
  const want = command.trim().replace(/\s+/g, ' ');
  const hit = splitCliTranscript(text)
    .filter((e) => e.command.replace(/\s+/g, ' ') === want)
    .pop();
  if (!hit) throw new ParseError(command, `a prompt followed by "${want}" in the CLI transcript`, text);
  return hit.output.join('\n');
}

/** Only the output lines of a transcript: prompts, echoed commands and pager remnants removed. */
export function stripCliTranscript(text: string): string {
  // Without any prompt this is already plain output (an exec request's stdout).
  if (!cliLines(text).some((l) => matchPrompt(l)))
    return cliLines(text)
      .filter((l) => !isPagerLine(l))
      .join('\n');
  return splitCliTranscript(text)
    .filter((e) => !e.preamble)
    .flatMap((e) => e.output)
    .join('\n');
}
