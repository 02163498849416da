import * as assert from 'node:assert/strict';
import { restoredOptions } from '../../activities/esxi/module-options';
import {
  formatModuleOptionString,
  getModuleOption,
  mergeModuleOption,
  ModuleOptionsError,
  overrideModuleOption,
  parseModuleOptionString,
  removeModuleOption,
} from '../../activities/esxi/parsers';
import { mulberry32 } from '../../simulator/prng';

// Properties of the module option string parser over thousands of generated strings (seeded, so every
// run checks the same ones): quotes of both kinds, `=` in values, repeated and bare keys, tabs, runs of
// blanks, control characters and non-ASCII. Every string is either refused with ModuleOptionsError or
// read exactly as every plausible reader reads it, and every edit changes only its one key.

const KEY = 'mst_recovery';

/**
 * How a module loader might split an option string into words: blanks separate words except inside a
 * quoted part, for the quote characters in `quotes` ('' = quotes are plain characters; Linux's loader
 * treats " so). Any ASCII or Latin-1 blank counts. `open` tells whether the string ended inside quotes.
 */
function readerWords(options: string, quotes: string): { words: string[]; open: boolean } {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const c of options) {
    if (quote === undefined && /[\s\u0085\u00a0]/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    if (quote === undefined && quotes.includes(c)) quote = c;
    else if (c === quote) quote = undefined;
    word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return { words, open: quote !== undefined };
}

const READERS = ['', '"', "'", `"'`];

const NAMES = [KEY, KEY, 'max_vfs', 'pfctx', 'desc', 'a', 'DRSS', 'k9_', '_x', '9bad', 'mst-recovery', ''];
const VALUE_PIECES = [
  '0',
  '00',
  '1',
  '4,4',
  '0x08',
  'x',
  '=',
  'a=b',
  ',',
  '"',
  "'",
  '""',
  "''",
  '"q"',
  "'q'",
  '\\',
  '$',
  'é',
  '日本',
  '😀',
  '\u00a0',
  '\n',
  '\r',
  '\x00',
  '\x7f',
  '-',
  '.',
  ':',
];
const BLANKS = [' ', ' ', ' ', '  ', '\t', ' \t ', '   '];

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** A word: a name, maybe "=", then value pieces; mostly well-formed, sometimes not. */
function generatedWord(rng: () => number): string {
  const name = pick(rng, NAMES);
  if (rng() < 0.15) return name; // bare key
  const pieces = Array.from({ length: Math.floor(rng() * 3) }, () =>
    rng() < 0.6 ? pick(rng, ['0', '1', '00', '4,4', '0x08', 'x', '8,8']) : pick(rng, VALUE_PIECES),
  );
  return `${name}=${pieces.join('')}`;
}

function generatedString(rng: () => number): string {
  const n = Math.floor(rng() * 6);
  let s = rng() < 0.2 ? pick(rng, BLANKS) : '';
  for (let i = 0; i < n; i++) s += (i > 0 ? pick(rng, BLANKS) : '') + generatedWord(rng);
  if (rng() < 0.2) s += pick(rng, BLANKS);
  // Now and then a quoted part with a blank in it, across two words.
  if (rng() < 0.1) s += ` desc="x ${KEY}=1 y"`;
  return s;
}

function strings(count: number, seed: number): string[] {
  const rng = mulberry32(seed);
  const fixed = ['', ' ', "desc=it's", `desc=it's ${KEY}=1`, `${KEY}=0`, `${KEY}=00`, KEY, 'a="x y"'];
  return [...fixed, ...Array.from({ length: count }, () => generatedString(rng))];
}

/** The parsed string, or undefined when refused; anything but ModuleOptionsError fails the test. */
function parsedOrRefused(options: string) {
  try {
    return parseModuleOptionString(options);
  } catch (e) {
    assert.ok(e instanceof ModuleOptionsError, `${JSON.stringify(options)}: ${String(e)}`);
    return undefined;
  }
}

describe('esxi parsers: module option string properties (generated strings)', () => {
  const all = strings(4000, 18);
  const accepted = all.filter((s) => parsedOrRefused(s) !== undefined);

  it('accepts a good share and refuses the rest only with ModuleOptionsError', () => {
    assert.ok(accepted.length > 1000, `only ${accepted.length} of ${all.length} accepted`);
    assert.ok(accepted.length < all.length - 500, 'the generator produces refusals too');
    assert.ok(accepted.some((s) => s.includes('"')) && accepted.some((s) => s.includes("'")));
    assert.ok(
      accepted.some((s) => /=\S*=/.test(s)),
      'values with "=" in them',
    );
  });

  it('round-trips every accepted string byte for byte', () => {
    for (const s of accepted) {
      const parsed = parseModuleOptionString(s);
      assert.equal(formatModuleOptionString(parsed), s, JSON.stringify(s));
    }
  });

  it('every reader (quotes literal, ", \', both) splits an accepted string into the parsed words', () => {
    for (const s of accepted) {
      const words = parseModuleOptionString(s).words.map((w) =>
        w.value === null ? w.key : `${w.key}=${w.value}`,
      );
      for (const quotes of READERS) {
        const read = readerWords(s, quotes);
        assert.equal(read.open, false, `${JSON.stringify(s)} ends inside ${quotes} quotes`);
        assert.deepEqual(
          read.words,
          words,
          `${JSON.stringify(s)} read with quotes ${JSON.stringify(quotes)}`,
        );
      }
    }
  });

  it("refuses every string on which the readers disagree (the desc=it's case)", () => {
    for (const s of all) {
      const readings = READERS.map((q) => JSON.stringify(readerWords(s, q)));
      if (new Set(readings).size > 1) assert.equal(parsedOrRefused(s), undefined, JSON.stringify(s));
    }
  });

  it('the override is the last word for every reader, and restoring gives the string back (also on a re-run)', () => {
    for (const original of accepted) {
      const label = JSON.stringify(original);
      const overridden = overrideModuleOption(original, KEY, '1');
      for (const quotes of READERS) {
        const words = readerWords(overridden, quotes).words;
        const last = words.filter((w) => w === KEY || w.startsWith(`${KEY}=`)).pop();
        assert.equal(last, `${KEY}=1`, `${label} read with ${JSON.stringify(quotes)}`);
      }
      assert.equal(overrideModuleOption(overridden, KEY, '1'), overridden, `${label}: written once`);
      if (getModuleOption(original, KEY) === '1') {
        assert.equal(overridden, original, `${label}: already in recovery mode`);
        assert.notEqual(getModuleOption(restoredOptions(original, KEY), KEY), '1', `${label}: normal mode`);
      } else {
        assert.equal(restoredOptions(original, KEY), original, `${label}: first run`);
        assert.equal(restoredOptions(overridden, KEY), original, `${label}: run after an interrupted one`);
      }
    }
  });

  it('merging and removing a key in place change that key only', () => {
    for (const original of accepted) {
      const label = JSON.stringify(original);
      const before = parseModuleOptionString(original);
      const merged = parseModuleOptionString(mergeModuleOption(original, 'max_vfs', '2,2'));
      const others = (p: typeof before) => p.words.filter((w) => w.key !== 'max_vfs');
      assert.deepEqual(others(merged), others(before), label);
      assert.equal(merged.trailing, before.trailing, label);
      assert.ok(
        merged.words.filter((w) => w.key === 'max_vfs').every((w) => w.value === '2,2'),
        label,
      );
      if (!before.words.some((w) => w.key === 'max_vfs'))
        assert.equal(
          removeModuleOption(mergeModuleOption(original, 'max_vfs', '2,2'), 'max_vfs'),
          original,
          label,
        );
      const removed = parseModuleOptionString(removeModuleOption(original, KEY)).words;
      assert.deepEqual(
        removed.map((w) => [w.key, w.value]),
        before.words.filter((w) => w.key !== KEY).map((w) => [w.key, w.value]),
        label,
      );
    }
  });
});
