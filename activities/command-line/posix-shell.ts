import { UnsafeValueError, type ValueShape } from '../../common/command-values';
import type { CommandValue } from './value';

// Command lines for POSIX shells: busybox ash on ESXi, and the Linux guests' shell (perftest). Code
// writes the fixed words; every value comes in as a CommandValue (checked against its shape) and is
// quoted here. The only way to make a ShellCommand is shellCommand(), so StepCommands runs nothing else.

declare const shellCommandBrand: unique symbol;
/** A command line made by shellCommand() (or pipeline()): fixed words and quoted, checked values. */
export type ShellCommand = string & { readonly [shellCommandBrand]: true };

/** Characters no POSIX shell treats specially anywhere in a word (as in Python's shlex.quote). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

const fixedWord: ValueShape = {
  name: 'fixed command word',
  rule: 'a plain word (letters, digits and _ @ % + = : , . / -): values must be passed as checked values',
  test: (word) => PLAIN_WORD.test(word),
};

/**
 * Double quotes, with the four characters that stay special inside them ($ ` " \) escaped by a backslash:
 * nothing is expanded, split or globbed, in ash, dash and bash alike. Double rather than single quotes so
 * the commands read like the guide's (`-p "mst_recovery=1"`).
 */
export function quoteText(textValue: string): string {
  return `"${textValue.replace(/[\\"$`]/g, '\\$&')}"`;
}

/** A word as is when it is plain, else quoted. */
export function quoteWord(word: string): string {
  return PLAIN_WORD.test(word) ? word : quoteText(word);
}

/** The value quoteWord() or quoteText() made `word` from, or undefined if neither could have made it. */
export function unquoteWord(word: string): string | undefined {
  if (PLAIN_WORD.test(word)) return word;
  const m = /^"((?:[^"\\$`]|\\[\\"$`])*)"$/.exec(word);
  return m ? m[1].replace(/\\([\\"$`])/g, '$1') : undefined;
}

/**
 * A command line from fixed text (split at spaces; each word must be plain, so a value pasted into it
 * by mistake is refused, never run) and checked values (quoted as they need).
 */
export function shellCommand(...parts: (string | CommandValue)[]): ShellCommand {
  const words: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      for (const word of part.split(' ')) {
        if (!fixedWord.test(word)) throw new UnsafeValueError(fixedWord, word);
        words.push(word);
      }
    } else {
      words.push(part.alwaysQuoted ? quoteText(part.text) : quoteWord(part.text));
    }
  }
  return words.join(' ') as ShellCommand;
}

/** `a | b | ...`. */
export function pipeline(...commands: ShellCommand[]): ShellCommand {
  return commands.join(' | ') as ShellCommand;
}
