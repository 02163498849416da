import type { TargetRef } from '../../common/targets';
import { UsageError } from '../cli-error';
import type { Inventory } from './types';

// `--select EXPR`: which targets of the inventory a rollout acts on.
//
//   EXPR  := TERM ( (" " | "+") TERM )*      every term must match            (AND)
//   TERM  := KEY "=" VALUES | KEY "!=" VALUES
//   VALUES:= GLOB ( "," GLOB )*                "=": any value matches (OR); "!=": none does
//   GLOB  := text where * matches any run of characters and ? one character (case-sensitive)
//
// `--select` may be repeated: a target is selected when any of the expressions matches it. Every
// value must match something in the inventory, so a typo ("cluster=gpu-aa") is an error instead of
// a silently smaller rollout.

export type TargetKind = TargetRef['kind'];

const KIND_WORDS: Record<TargetKind, { one: string; many: string }> = {
  esxi: { one: 'ESXi host', many: 'ESXi hosts' },
  switch: { one: 'switch', many: 'switches' },
  'guest-pair': { one: 'guest pair', many: 'guest pairs' },
};

export function kindWords(kind: TargetKind, n: number): string {
  return n === 1 ? KIND_WORDS[kind].one : KIND_WORDS[kind].many;
}

type Attribute = (t: TargetRef) => string[];

const ATTRIBUTES: Record<TargetKind, Record<string, Attribute>> = {
  esxi: {
    name: (t) => [t.name],
    cluster: (t) => (t.kind === 'esxi' ? [t.cluster] : []),
    tag: (t) => t.tags,
    address: (t) => (t.kind === 'esxi' ? [t.address] : []),
  },
  switch: {
    name: (t) => [t.name],
    tag: (t) => t.tags,
    address: (t) => (t.kind === 'switch' ? [t.address] : []),
  },
  'guest-pair': {
    name: (t) => [t.name],
    cluster: (t) => (t.kind === 'guest-pair' && t.cluster !== undefined ? [t.cluster] : []),
    tag: (t) => t.tags,
    guest: (t) => (t.kind === 'guest-pair' ? [t.server.name, t.client.name] : []),
    address: (t) => (t.kind === 'guest-pair' ? [t.server.address, t.client.address] : []),
  },
};

export function selectorKeys(kind: TargetKind): string[] {
  return Object.keys(ATTRIBUTES[kind]);
}

export const SELECT_HELP = `Selection (--select EXPR, repeatable):
  EXPR is one or more terms separated by spaces or "+"; a target must match every term.
    KEY=V1,V2     matches when the target's KEY matches any of the values
    KEY!=V1,V2    matches when it matches none of them
  Values are globs: * matches any characters, ? one character (case-sensitive).
  Keys: ESXi hosts: name, cluster, tag, address
        switches: name, tag, address
        guest pairs: name, cluster, tag, guest (server or client name), address
  Repeating --select selects the union. Each value must match some target, so typos are errors.
  Without --select, every target of the procedure's kind is selected, in inventory order.
  Examples: --select cluster=gpu-a    --select 'cluster=gpu-a tag=cx7'    --select name=esx-0*,esx-1?
            --select cluster=gpu-a+tag!=canary    --select name=esx-01 --select name=esx-07`;

interface Term {
  text: string;
  key: string;
  negate: boolean;
  globs: string[];
}

const VALUE_CHARS = /^[A-Za-z0-9._:/*?-]+$/;

/**
 * Whether `text` matches `glob` as a whole (* any run, ? one character). The greedy two-pointer
 * matcher: on a mismatch it only moves the last `*` one character further, so it takes
 * O(|glob| x |text|) steps at worst; a regular expression of many `*` backtracks exponentially.
 */
export function globMatches(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1; // glob index just after the last `*` seen
  let resume = 0; // text index where that `*` currently ends
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === text[t])) {
      g += 1;
      t += 1;
    } else if (g < glob.length && glob[g] === '*') {
      star = ++g;
      resume = t;
    } else if (star >= 0) {
      g = star;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g += 1;
  return g === glob.length;
}

/** Parses one --select expression for targets of `kind`; throws UsageError naming the bad part. */
export function parseSelector(expr: string, kind: TargetKind): Term[] {
  const where = `--select ${JSON.stringify(expr)}`;
  const words = expr.split(/[\s+]+/).filter((w) => w !== '');
  if (words.length === 0)
    throw new UsageError(`${where}: empty expression (expected KEY=VALUE, e.g. cluster=gpu-a)`);
  const keys = selectorKeys(kind);
  return words.map((text) => {
    const m = /^([A-Za-z]+)(!=|=)(.*)$/.exec(text);
    if (!m) throw new UsageError(`${where}: "${text}" is not KEY=VALUE[,VALUE...] or KEY!=VALUE[,VALUE...]`);
    const [, key, op, rest] = m;
    if (!keys.includes(key))
      throw new UsageError(
        `${where}: unknown key "${key}" for ${KIND_WORDS[kind].many} (keys: ${keys.join(', ')})`,
      );
    const values = rest.split(',');
    for (const v of values) {
      if (v === '') throw new UsageError(`${where}: "${text}" has an empty value`);
      if (!VALUE_CHARS.test(v))
        throw new UsageError(
          `${where}: value "${v}" may contain only letters, digits, . _ : / - and the globs * ?`,
        );
    }
    return {
      text,
      key,
      negate: op === '!=',
      globs: values,
    };
  });
}

function termMatches(term: Term, kind: TargetKind, target: TargetRef): boolean {
  const values = ATTRIBUTES[kind][term.key](target);
  const any = values.some((v) => term.globs.some((glob) => globMatches(glob, v)));
  return term.negate ? !any : any;
}

function preview(values: string[]): string {
  const unique = [...new Set(values)];
  return unique.length > 8 ? `${unique.slice(0, 8).join(', ')}, ...` : unique.join(', ');
}

/** The inventory's targets of one kind, in file order. */
export function targetsOfKind(inv: Inventory, kind: TargetKind): TargetRef[] {
  switch (kind) {
    case 'esxi':
      return inv.hosts;
    case 'switch':
      return inv.switches;
    case 'guest-pair':
      return inv.guestPairs;
  }
}

/** The targets of `kind` selected by `exprs` (all of them when none), in inventory order. */
export function selectTargets(inv: Inventory, kind: TargetKind, exprs: readonly string[]): TargetRef[] {
  const all = targetsOfKind(inv, kind);
  if (all.length === 0) throw new UsageError(`the inventory ${inv.file} lists no ${KIND_WORDS[kind].many}`);
  if (exprs.length === 0) return all;

  const selected = new Set<TargetRef>();
  for (const expr of exprs) {
    const terms = parseSelector(expr, kind);
    for (const term of terms) {
      for (const glob of term.globs) {
        const known = all.flatMap((t) => ATTRIBUTES[kind][term.key](t));
        if (!known.some((v) => globMatches(glob, v)))
          throw new UsageError(
            `--select ${JSON.stringify(expr)}: no ${KIND_WORDS[kind].one} has ${term.key} matching "${glob}"` +
              (known.length ? ` (${term.key} values: ${preview(known)})` : ''),
          );
      }
    }
    const matched = all.filter((t) => terms.every((term) => termMatches(term, kind, t)));
    if (matched.length === 0)
      throw new UsageError(
        `--select ${JSON.stringify(expr)} selects none of the ${all.length} ${kindWords(kind, all.length)}`,
      );
    for (const t of matched) selected.add(t);
  }
  return all.filter((t) => selected.has(t));
}
