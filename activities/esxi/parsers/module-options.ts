import { valueShapes } from '../../../common/command-values';
import { MODULE_OPTIONS_UNSUPPORTED } from '../../../common/procedure-failures';
import { ParseError } from './parse-error';

// A module's stored option string ("pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4"), as
// `esxcfg-module -g` shows it. `esxcli system module parameters set -p` REPLACES the whole string, so
// changing one key means: read the string, change that key only, write it all back; every other byte
// (order, values, spacing) must survive, and a temporary key must come off again byte for byte.
//
// The module loader reads the string as words separated by blanks, each `name` or `name=value`, and
// applies them in order (the last of a repeated name wins). What it does with quote characters is not
// documented: it may take them literally or let a quoted part run across blanks (Linux's loader does so
// for "). ibfleet therefore accepts only strings that every such reading splits into the same words:
// printable ASCII, words separated by spaces (tabs too, once the command builder can write them back),
// a name of letters, digits and `_`, and in a value quotes of one kind in pairs (never a quote that a
// blank would end). Anything else — `desc=it's`, `b="x y"`, a backslash, a control character, a
// non-ASCII byte (which a loader may read as a blank) — is refused with a ModuleOptionsError: an edit
// could hide a word from the driver, or show it one that ibfleet cannot see. Accepted strings
// round-trip exactly: formatModuleOptionString(parseModuleOptionString(s)) === s.

/** One word of an option string: `key` alone (value null) or `key=value` (value as written). */
export interface ModuleOption {
  key: string;
  value: string | null;
}

/** A word with the blanks in front of it, so the string can be put back together byte for byte. */
export interface ModuleOptionWord extends ModuleOption {
  before: string;
}

export interface ModuleOptionString {
  words: ModuleOptionWord[];
  /** Blanks after the last word (the whole string when it has no word). */
  trailing: string;
}

/** A stored option string ibfleet cannot edit without risking what the driver reads; nothing is written. */
export class ModuleOptionsError extends ParseError {
  readonly failureType = MODULE_OPTIONS_UNSUPPORTED;

  constructor(reason: string, options: string) {
    super(
      'module option string',
      `words "name" or "name=value" that every reading of the string splits alike, but ${reason} ` +
        '(ibfleet will not edit it: fix the stored options by hand with esxcli system module parameters set)',
      options,
    );
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Printable ASCII except the backslash (an escape character to some readers), plus space and tab. */
const ALLOWED = /^[\t\x20-\x5b\x5d-\x7e]*$/;

function describeChar(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function parseWord(word: string, index: number, options: string): ModuleOption {
  const eq = word.indexOf('=');
  const key = eq < 0 ? word : word.slice(0, eq);
  const value = eq < 0 ? null : word.slice(eq + 1);
  const where = `word ${index + 1} ${JSON.stringify(word)}`;
  if (!KEY.test(key)) throw new ModuleOptionsError(`${where} does not start with a parameter name`, options);
  const double = value?.split('"').length ?? 1;
  const single = value?.split("'").length ?? 1;
  if (double > 1 && single > 1) throw new ModuleOptionsError(`${where} mixes " and ' quotes`, options);
  if (double % 2 === 0 || single % 2 === 0)
    throw new ModuleOptionsError(`${where} has an unbalanced ${double % 2 === 0 ? '"' : "'"} quote`, options);
  return { key, value };
}

/** The words of an option string and the blanks around them, or ModuleOptionsError (see above). */
export function parseModuleOptionString(options: string): ModuleOptionString {
  if (!ALLOWED.test(options)) {
    const i = [...options].findIndex((c) => !ALLOWED.test(c));
    const c = [...options][i] ?? '';
    const what =
      c === '\\'
        ? `a backslash (at character ${i + 1}) may be an escape to the driver`
        : `character ${describeChar(c)} (at character ${i + 1}) is not printable ASCII`;
    throw new ModuleOptionsError(what, options);
  }
  // Read now what could not be written back later: the refusal comes before any write.
  if (!valueShapes.moduleOptions.test(options))
    throw new ModuleOptionsError(
      `it could not be written back: it is not ${valueShapes.moduleOptions.rule}`,
      options,
    );
  const words: ModuleOptionWord[] = [];
  let end = 0;
  for (const m of options.matchAll(/[^ \t]+/g)) {
    const start = m.index ?? 0;
    words.push({ before: options.slice(end, start), ...parseWord(m[0], words.length, options) });
    end = start + m[0].length;
  }
  return { words, trailing: options.slice(end) };
}

/** The string back, byte for byte: the inverse of parseModuleOptionString. */
export function formatModuleOptionString(parsed: ModuleOptionString): string {
  return (
    parsed.words.map((w) => `${w.before}${w.key}${w.value === null ? '' : `=${w.value}`}`).join('') +
    parsed.trailing
  );
}

/** The options in order, values exactly as written (repeated keys kept). */
export function parseModuleOptions(options: string): ModuleOption[] {
  return parseModuleOptionString(options).words.map(({ key, value }) => ({ key, value }));
}

/**
 * The value the module loader applies for `key` (the last occurrence): undefined when absent, null
 * for a bare `key` without "=".
 */
export function getModuleOption(options: string, key: string): string | null | undefined {
  const found = parseModuleOptions(options).filter((o) => o.key === key);
  return found.length === 0 ? undefined : found[found.length - 1].value;
}

function checkKey(key: string): void {
  if (!KEY.test(key)) throw new RangeError(`invalid module option name ${JSON.stringify(key)}`);
}

/** A value ibfleet writes: one word of plain characters, so it cannot change any other option. */
function checkValue(key: string, value: string): void {
  if (!/^[A-Za-z0-9_.,:+-]+$/.test(value))
    throw new RangeError(`invalid value for module option ${key}: ${JSON.stringify(value)}`);
}

/** Appends key=value after the last word, one space apart; blanks after the last word stay last. */
function appendWord(parsed: ModuleOptionString, key: string, value: string): ModuleOptionString {
  const before = parsed.words.length === 0 ? '' : ' ';
  return { words: [...parsed.words, { before, key, value }], trailing: parsed.trailing };
}

/**
 * Without word `i`: it goes with the blanks in front of it, or (the first word) with the blanks after
 * it, so removing a word appendWord added gives back exactly the string it was added to.
 */
function removeWord(parsed: ModuleOptionString, i: number): ModuleOptionString {
  const words = parsed.words.slice();
  const [removed] = words.splice(i, 1);
  if (i > 0) return { words, trailing: parsed.trailing };
  if (words.length > 0) {
    words[0] = { ...words[0], before: removed.before };
    return { words, trailing: parsed.trailing };
  }
  return { words, trailing: removed.before + parsed.trailing };
}

/**
 * `current` with `key` set to `value`: every occurrence gets the new value in place; a new key is
 * appended after the last option. Nothing else changes. For settings meant to stay (max_vfs).
 */
export function mergeModuleOption(current: string, key: string, value: string): string {
  checkKey(key);
  checkValue(key, value);
  const parsed = parseModuleOptionString(current);
  if (!parsed.words.some((w) => w.key === key))
    return formatModuleOptionString(appendWord(parsed, key, value));
  const words = parsed.words.map((w) => (w.key === key ? { ...w, value } : w));
  return formatModuleOptionString({ words, trailing: parsed.trailing });
}

/** `current` without `key` (every occurrence, each with the blanks that separated it). */
export function removeModuleOption(current: string, key: string): string {
  checkKey(key);
  let parsed = parseModuleOptionString(current);
  for (let i = parsed.words.length - 1; i >= 0; i--)
    if (parsed.words[i].key === key) parsed = removeWord(parsed, i);
  return formatModuleOptionString(parsed);
}

/**
 * `current` with `key=value` appended as an override (the loader applies the last occurrence), unless
 * the applied value already is `value`. Existing occurrences stay as they are, so the string from before
 * is still in it: withoutModuleOptionOverride gets it back byte for byte, even in a later workflow that
 * only sees the overridden string. For temporary settings (mst_recovery=1 between two reboots).
 */
export function overrideModuleOption(current: string, key: string, value: string): string {
  checkKey(key);
  checkValue(key, value);
  if (getModuleOption(current, key) === value) return current;
  return formatModuleOptionString(appendWord(parseModuleOptionString(current), key, value));
}

/**
 * `options` without the override `key=value`: while the applied value is `value`, the last occurrence
 * of the key is removed. The inverse of overrideModuleOption; an options string whose applied value is
 * something else (not overridden) comes back unchanged.
 */
export function withoutModuleOptionOverride(options: string, key: string, value: string): string {
  checkKey(key);
  let parsed = parseModuleOptionString(options);
  for (;;) {
    const i = parsed.words.map((w) => w.key).lastIndexOf(key);
    if (i < 0 || parsed.words[i].value !== value) return formatModuleOptionString(parsed);
    parsed = removeWord(parsed, i);
  }
}
