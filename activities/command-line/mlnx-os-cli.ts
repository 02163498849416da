import { UnsafeValueError, valueShapes } from '../../common/command-values';
import type { CommandValue } from './value';

// Lines typed into the MLNX-OS CLI (an interactive session on the switch). The CLI has its own
// quoting rules, so nothing is quoted: every word, fixed or value, must be a plain CLI word.

declare const cliLineBrand: unique symbol;
/** A line made by cliLine(): plain words only. */
export type CliLine = string & { readonly [cliLineBrand]: true };

export function cliLine(...parts: (string | CommandValue)[]): CliLine {
  const words = parts.flatMap((part) => (typeof part === 'string' ? part.split(' ') : [part.text]));
  for (const word of words) {
    if (!valueShapes.mlnxOsWord.test(word)) throw new UnsafeValueError(valueShapes.mlnxOsWord, word);
  }
  return words.join(' ') as CliLine;
}
