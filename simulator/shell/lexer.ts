import type { ListNode, Word, WordPart } from './ast';

// Tokenizer for the simulator's shell: words with single/double quotes, backslash escapes, $(...) and
// `...` substitutions, $NAME / ${NAME} / $?; operators ; && || | and newlines. What it does not
// simulate (redirections, background jobs, subshells, other parameters) is refused, never misread.

export class ShellSyntaxError extends Error {}

/** What the simulator's shell runs, for refusals. */
const SUPPORTED = "the simulator's shell runs simple commands, pipes, ; && || and $(...)";

/** A refusal (exit 2) of shell syntax the simulator does not run. */
export function notSimulated(what: string): ShellSyntaxError {
  return new ShellSyntaxError(`sh: ${what} is not simulated (${SUPPORTED})`);
}

export type Token =
  | {
      t: 'word';
      word: Word;
      /** The text when the word is a plain unquoted literal (reserved words). */ plain?: string;
    }
  | { t: 'op'; op: ';' | '\n' | '&&' | '||' | '|' };

/** Parses the body of a substitution; injected to break the lexer/parser import cycle. */
export type SubParser = (src: string) => ListNode;

const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function lex(src: string, parseSub: SubParser): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '\n' || c === ';') {
      tokens.push({ t: 'op', op: c });
      i++;
    } else if (src.startsWith('&&', i) || src.startsWith('||', i)) {
      tokens.push({ t: 'op', op: src[i] === '&' ? '&&' : '||' });
      i += 2;
    } else if (c === '|') {
      tokens.push({ t: 'op', op: '|' });
      i++;
    } else if (c === '<' || c === '>') {
      throw notSimulated(`redirection "${c}"`);
    } else if (c === '&') {
      throw notSimulated('a background job ("&")');
    } else if (c === '(' || c === ')') {
      throw notSimulated(`a subshell "${c}"`);
    } else {
      const { word, end } = readWord(src, i, parseSub);
      const plain = word.parts.every((p) => p.type === 'lit' && !p.quoted)
        ? word.parts.map((p) => (p.type === 'lit' ? p.text : '')).join('')
        : undefined;
      tokens.push(plain === undefined ? { t: 'word', word } : { t: 'word', word, plain });
      i = end;
    }
  }
  return tokens;
}

function readWord(src: string, start: number, parseSub: SubParser): { word: Word; end: number } {
  const parts: WordPart[] = [];
  let lit = '';
  let litQuoted = false;
  const flush = () => {
    if (lit !== '') parts.push({ type: 'lit', text: lit, quoted: litQuoted });
    lit = '';
  };
  const addLit = (text: string, quoted: boolean) => {
    if (quoted !== litQuoted) {
      flush();
      litQuoted = quoted;
    }
    lit += text;
  };
  /** A quoted empty string ('' or "") still makes a (possibly empty) field. */
  const markQuotedEmpty = () => {
    if (lit === '' && !parts.length) parts.push({ type: 'lit', text: '', quoted: true });
  };
  const expansion = (at: number, quoted: boolean) => {
    const exp = readExpansion(src, at, quoted, parseSub);
    if (!exp) {
      addLit(src[at], quoted);
      return at + 1;
    }
    flush();
    parts.push(exp.part);
    return exp.end;
  };

  let i = start;
  while (i < src.length && !WORD_END.has(src[i])) {
    const c = src[i];
    if (c === '\\') {
      if (i + 1 < src.length) addLit(src[i + 1], true);
      i += 2;
    } else if (c === "'") {
      const close = src.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError('sh: syntax error: unterminated quoted string');
      markQuotedEmpty();
      addLit(src.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      markQuotedEmpty();
      i++;
      while (i < src.length && src[i] !== '"') {
        const d = src[i];
        if (d === '\\' && i + 1 < src.length && '$`"\\\n'.includes(src[i + 1])) {
          if (src[i + 1] !== '\n') addLit(src[i + 1], true);
          i += 2;
        } else if (d === '$' || d === '`') {
          i = expansion(i, true);
        } else {
          addLit(d, true);
          i++;
        }
      }
      if (src[i] !== '"') throw new ShellSyntaxError('sh: syntax error: unterminated quoted string');
      i++;
    } else if (c === '$' || c === '`') {
      i = expansion(i, false);
    } else {
      addLit(c, false);
      i++;
    }
  }
  flush();
  return { word: { parts }, end: i };
}

/** `$(...)`, `` `...` ``, `$?`, `$NAME`, `${NAME}`; undefined for a lone `$` (a literal). */
function readExpansion(
  src: string,
  i: number,
  quoted: boolean,
  parseSub: SubParser,
): { part: WordPart; end: number } | undefined {
  if (src[i] === '`') {
    const close = src.indexOf('`', i + 1);
    if (close < 0) throw new ShellSyntaxError('sh: syntax error: unterminated backquote');
    return { part: { type: 'sub', body: parseSub(src.slice(i + 1, close)), quoted }, end: close + 1 };
  }
  const next = src[i + 1];
  if (next === '(') {
    if (src[i + 2] === '(') throw notSimulated('arithmetic "$(("');
    const close = findClosingParen(src, i + 2);
    return { part: { type: 'sub', body: parseSub(src.slice(i + 2, close)), quoted }, end: close + 1 };
  }
  if (next === '?') return { part: { type: 'var', name: '?', quoted }, end: i + 2 };
  if (next === '{') {
    const close = src.indexOf('}', i + 2);
    if (close < 0) throw new ShellSyntaxError('sh: syntax error: missing }');
    const name = src.slice(i + 2, close);
    if (NAME.exec(name)?.[0] !== name) throw notSimulated(`"\${${name}}"`);
    return { part: { type: 'var', name, quoted }, end: close + 1 };
  }
  const name = NAME.exec(src.slice(i + 1))?.[0];
  if (name) return { part: { type: 'var', name, quoted }, end: i + 1 + name.length };
  if (next !== undefined && /[0-9#$!@*-]/.test(next)) throw notSimulated(`"$${next}"`);
  return undefined;
}

/** Index of the `)` closing a `$(` whose body starts at `start`, skipping quotes and nested parens. */
function findClosingParen(src: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = src.indexOf("'", i + 1);
      if (close < 0) break;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return i;
    i++;
  }
  throw new ShellSyntaxError('sh: syntax error: missing )');
}
