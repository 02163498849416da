import { ParseError } from '../esxi/parsers/parse-error';
import { assertNoCliError, stripCliTranscript } from './cli-output';

// `show ib sm` prints `enable` or `disable` [S]; `show ib sm virt` prints `Enabled` or `Disabled` [V].
// Both parsers accept either spelling in any case, ignore blank lines, prompts and echoed commands, and
// refuse anything else (two contradicting answers included).

const ON = /^(?:enable|enabled)$/i;
const OFF = /^(?:disable|disabled)$/i;

function parseState(command: string, expected: string, text: string): boolean {
  assertNoCliError(command, text);
  const lines = stripCliTranscript(text)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const answers = lines
    .map((l) => l.replace(/^(?:state|status|sm|virtualization)\s*:\s*/i, ''))
    .filter((l) => ON.test(l) || OFF.test(l));
  if (answers.length === 0) throw new ParseError(command, expected, text);
  const values = new Set(answers.map((a) => ON.test(a)));
  if (values.size > 1) throw new ParseError(command, `one answer (${expected}), not both`, text);
  return [...values][0];
}

/** `show ib sm`: true when the subnet manager is enabled. */
export function parseShowIbSm(text: string): boolean {
  return parseState('show ib sm', '"enable" or "disable"', text);
}

/** `show ib sm virt`: true when SM virtualization is enabled. */
export function parseShowIbSmVirt(text: string): boolean {
  return parseState('show ib sm virt', '"Enabled" or "Disabled"', text);
}
