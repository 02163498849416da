// The module option string of nmlx5_core ("pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4").
// `esxcli system module parameters set -p` REPLACES the whole stored string, so changing one key
// means: read the string, change that key only, write it all back. merge/remove edit the string in
// place so every other byte (order, values, spacing) survives: merging a new key and removing it
// again gives back exactly the original string.

export interface ModuleOption {
  key: string;
  /** The value exactly as written (quotes included, if any); null for a bare word without "=". */
  value: string | null;
}

interface Token extends ModuleOption {
  start: number;
  end: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whitespace-separated words; a quoted part ('...' or "...") may contain spaces. */
function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i])) {
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && !/\s/.test(s[i])) {
      const quote = s[i];
      if (quote === '"' || quote === "'") {
        const close = s.indexOf(quote, i + 1);
        i = close < 0 ? s.length : close + 1;
      } else i++;
    }
    const word = s.slice(start, i);
    const eq = word.indexOf('=');
    tokens.push({
      key: eq < 0 ? word : word.slice(0, eq),
      value: eq < 0 ? null : word.slice(eq + 1),
      start,
      end: i,
    });
  }
  return tokens;
}

/** The options in order, values exactly as written (duplicates kept). */
export function parseModuleOptions(s: string): ModuleOption[] {
  return tokenize(s).map(({ key, value }) => ({ key, value }));
}

/** "k1=v1 k2=v2" from options in order (a Map keeps insertion order). */
export function formatModuleOptions(options: readonly ModuleOption[] | ReadonlyMap<string, string>): string {
  const list: ModuleOption[] = Array.isArray(options)
    ? (options as readonly ModuleOption[]).slice()
    : [...(options as ReadonlyMap<string, string>)].map(([key, value]) => ({ key, value }));
  return list.map((o) => (o.value === null ? o.key : `${o.key}=${o.value}`)).join(' ');
}

/** The value of `key` (the last one if repeated, as the module loader applies them in order). */
export function getModuleOption(s: string, key: string): string | undefined {
  const found = tokenize(s).filter((t) => t.key === key);
  const last = found[found.length - 1];
  return last === undefined ? undefined : (last.value ?? '');
}

function checkKeyValue(key: string, value?: string): void {
  if (!KEY.test(key)) throw new RangeError(`invalid module option name ${JSON.stringify(key)}`);
  if (value !== undefined && (value === '' || /[\s'"]/.test(value))) {
    throw new RangeError(`invalid value for module option ${key}: ${JSON.stringify(value)}`);
  }
}

/**
 * `current` with `key` set to `value`: every occurrence of the key gets the new value in place;
 * a new key is appended after the last option. Nothing else changes.
 */
export function mergeModuleOption(current: string, key: string, value: string): string {
  checkKeyValue(key, value);
  const found = tokenize(current).filter((t) => t.key === key);
  if (found.length === 0) {
    const head = current.trimEnd();
    return `${head}${head === '' ? '' : ' '}${key}=${value}${current.slice(head.length)}`;
  }
  let out = current;
  for (const t of found.reverse()) out = `${out.slice(0, t.start)}${key}=${value}${out.slice(t.end)}`;
  return out;
}

/**
 * `current` without `key` (every occurrence), each removed with the space that separated it, so
 * removing a key that mergeModuleOption appended restores the string byte for byte.
 */
export function removeModuleOption(current: string, key: string): string {
  checkKeyValue(key);
  let out = current;
  // One occurrence at a time, re-reading the string so neighbours are always the current ones.
  for (;;) {
    const tokens = tokenize(out);
    const i = tokens.map((t) => t.key).lastIndexOf(key);
    if (i < 0) return out;
    const t = tokens[i];
    const before = tokens[i - 1];
    const after = tokens[i + 1];
    const [from, to] = before ? [before.end, t.end] : after ? [t.start, after.start] : [t.start, t.end];
    out = out.slice(0, from) + out.slice(to);
  }
}
