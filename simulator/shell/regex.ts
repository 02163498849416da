// POSIX basic/extended regular expressions (as grep takes them) translated to JavaScript RegExp.

const CLASSES: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  digit: '0-9',
  lower: 'a-z',
  upper: 'A-Z',
  space: ' \\t\\r\\n\\v\\f',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: 'A-Za-z0-9_',
};

/** Copies a bracket expression starting at `start` ('['); returns the JS class and the index after ']'. */
function bracket(src: string, start: number): { out: string; end: number } {
  let i = start + 1;
  let out = '[';
  if (src[i] === '^') {
    out += '^';
    i++;
  }
  if (src[i] === ']') {
    out += '\\]';
    i++;
  }
  while (i < src.length && src[i] !== ']') {
    if (src.startsWith('[:', i)) {
      const close = src.indexOf(':]', i + 2);
      const cls = close > 0 ? CLASSES[src.slice(i + 2, close)] : undefined;
      if (cls !== undefined && close > 0) {
        out += cls;
        i = close + 2;
        continue;
      }
    }
    const c = src[i];
    // Backslash is literal inside POSIX brackets; JS needs it (and '[') escaped.
    out += c === '\\' || c === '[' ? `\\${c}` : c;
    i++;
  }
  if (i >= src.length) throw new SyntaxError('brackets ([ ]) not balanced');
  return { out: out + ']', end: i + 1 };
}

export function posixToJs(pattern: string, extended: boolean): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '[') {
      const b = bracket(pattern, i);
      out += b.out;
      i = b.end;
      continue;
    }
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[i + 1];
      i += 2;
      if (n === '<' || n === '>') out += '\\b';
      else if (!extended && '(){}|+?'.includes(n)) out += n;
      else if (/[A-Za-z0]/.test(n) && !'wWsSbB'.includes(n)) out += n;
      else out += `\\${n}`;
      continue;
    }
    if (!extended && '(){}|+?'.includes(c)) out += `\\${c}`;
    else out += c;
    i++;
  }
  return out;
}
