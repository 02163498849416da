import type { ListNode, Word, WordPart } from './ast';

// Tokenizer for the simulator's shell: words with single/double quotes, backslash escapes,
// $(...) and `...` substitutions, $VAR / ${VAR} / $?; operators ; && || | & ( ) and newlines;
// redirections > >> < 2> 2>&1 >&2 &>.

export class ShellSyntaxError extends Error {}

export type Token =
  | {
      t: 'word';
      word: Word;
      /** The text when the word is a plain unquoted literal (keywords). */ plain?: string;
    }
  | { t: 'op'; op: ';' | '\n' | '&&' | '||' | '|' | '&' | '(' | ')' }
  | { t: 'redir'; kind: 'out' | 'append' | 'in'; fd: 1 | 2 | 'both' }
  | { t: 'dup'; from: 1 | 2; to: 1 | 2 };

/** Parses the body of a substitution; injected to break the lexer/parser import cycle. */
export type SubParser = (src: string) => ListNode;

const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export function lex(src: string, parseSub: SubParser): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (c === '\n' || c === ';' || c === '(' || c === ')') {
      tokens.push({ t: 'op', op: c });
      i++;
      continue;
    }
    if (two === '&&' || two === '||') {
      tokens.push({ t: 'op', op: two });
      i += 2;
      continue;
    }
    if (two === '&>') {
      tokens.push({ t: 'redir', kind: 'out', fd: 'both' });
      i += 2;
      continue;
    }
    if (c === '&' || c === '|') {
      tokens.push({ t: 'op', op: c });
      i++;
      continue;
    }
    const redir = /^([12])?(>>|>&|>|<)/.exec(src.slice(i, i + 3));
    if (redir && (redir[1] === undefined || c === '1' || c === '2')) {
      const fd = redir[1] === '2' ? 2 : 1;
      i += redir[0].length;
      if (redir[2] === '>&') {
        const target = src[i];
        if (target !== '1' && target !== '2') throw new ShellSyntaxError(`sh: syntax error: bad fd number`);
        tokens.push({ t: 'dup', from: fd, to: target === '1' ? 1 : 2 });
        i++;
      } else if (redir[2] === '<') {
        tokens.push({ t: 'redir', kind: 'in', fd: 1 });
      } else {
        tokens.push({ t: 'redir', kind: redir[2] === '>>' ? 'append' : 'out', fd });
      }
      continue;
    }
    const { word, end } = readWord(src, i, parseSub);
    const plain = word.parts.every((p) => p.type === 'lit' && !p.quoted)
      ? word.parts.map((p) => (p.type === 'lit' ? p.text : '')).join('')
      : undefined;
    tokens.push(plain === undefined ? { t: 'word', word } : { t: 'word', word, plain });
    i = end;
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
          const exp = readExpansion(src, i, true, parseSub);
          if (exp) {
            flush();
            parts.push(exp.part);
            i = exp.end;
          } else {
            addLit(d, true);
            i++;
          }
        } else {
          addLit(d, true);
          i++;
        }
      }
      if (src[i] !== '"') throw new ShellSyntaxError('sh: syntax error: unterminated quoted string');
      i++;
    } else if (c === '$' || c === '`') {
      const exp = readExpansion(src, i, false, parseSub);
      if (exp) {
        flush();
        parts.push(exp.part);
        i = exp.end;
      } else {
        addLit(c, false);
        i++;
      }
    } else {
      addLit(c, false);
      i++;
    }
  }
  flush();
  return { word: { parts }, end: i };
}

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
    const close = findClosingParen(src, i + 2);
    return { part: { type: 'sub', body: parseSub(src.slice(i + 2, close)), quoted }, end: close + 1 };
  }
  if (next === '{') {
    const close = src.indexOf('}', i + 2);
    if (close < 0) throw new ShellSyntaxError('sh: syntax error: missing }');
    return { part: { type: 'var', name: src.slice(i + 2, close), quoted }, end: close + 1 };
  }
  if (next !== undefined && '?#$!'.includes(next))
    return { part: { type: 'var', name: next, quoted }, end: i + 2 };
  if (next !== undefined && /[0-9]/.test(next))
    return { part: { type: 'var', name: next, quoted }, end: i + 2 };
  if (next !== undefined && NAME_START.test(next)) {
    let end = i + 2;
    while (end < src.length && NAME_CHAR.test(src[end])) end++;
    return { part: { type: 'var', name: src.slice(i + 1, end), quoted }, end };
  }
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
