import type { AndOr, Command, ListNode, Pipeline, Redirect, SimpleCommand, Word } from './ast';
import { lex, ShellSyntaxError, type Token } from './lexer';

// Recursive-descent parser: list := and_or ((; | & | newline) and_or)*;
// and_or := pipeline ((&& | ||) pipeline)*; pipeline := [!] command (| command)*;
// command := for / if / while / until / { list; } / ( list ) / simple command.

export { ShellSyntaxError };

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

export function parseShell(src: string): ListNode {
  const parser = new Parser(lex(src, parseShell));
  const list = parser.list(new Set());
  parser.expectEnd();
  return list;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private keyword(): string | undefined {
    const tok = this.peek();
    return tok?.t === 'word' ? tok.plain : undefined;
  }

  private isOp(op: string): boolean {
    const tok = this.peek();
    return tok?.t === 'op' && tok.op === op;
  }

  private skipNewlines(): void {
    while (this.isOp('\n')) this.pos++;
  }

  private expectKeyword(word: string): void {
    this.skipSeparators();
    if (this.keyword() !== word) throw this.unexpected();
    this.pos++;
  }

  private skipSeparators(): void {
    while (this.isOp('\n') || this.isOp(';')) this.pos++;
  }

  private unexpected(): ShellSyntaxError {
    const tok = this.peek();
    if (!tok) return new ShellSyntaxError('sh: syntax error: unexpected end of file');
    const text =
      tok.t === 'op'
        ? tok.op === '\n'
          ? 'newline'
          : tok.op
        : tok.t === 'word'
          ? (tok.plain ?? 'word')
          : 'redirection';
    return new ShellSyntaxError(`sh: syntax error: unexpected "${text}"`);
  }

  expectEnd(): void {
    if (this.peek()) throw this.unexpected();
  }

  list(stopWords: Set<string>): ListNode {
    const items: AndOr[] = [];
    for (;;) {
      this.skipNewlines();
      const tok = this.peek();
      if (!tok || (tok.t === 'op' && tok.op === ')')) break;
      const kw = this.keyword();
      if (kw !== undefined && stopWords.has(kw)) break;
      items.push(this.andOr());
      const sep = this.peek();
      if (sep?.t === 'op' && (sep.op === ';' || sep.op === '\n' || sep.op === '&')) {
        this.pos++;
        continue;
      }
      break;
    }
    return { items };
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const tok = this.peek();
      if (tok?.t !== 'op' || (tok.op !== '&&' && tok.op !== '||')) break;
      this.pos++;
      this.skipNewlines();
      rest.push({ op: tok.op, pipeline: this.pipeline() });
    }
    return { first, rest };
  }

  private pipeline(): Pipeline {
    let negated = false;
    if (this.keyword() === '!') {
      negated = true;
      this.pos++;
    }
    const commands = [this.command()];
    while (this.isOp('|')) {
      this.pos++;
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negated, commands };
  }

  private command(): Command {
    const kw = this.keyword();
    if (kw === 'for') return this.forCommand();
    if (kw === 'if') return this.ifCommand();
    if (kw === 'while' || kw === 'until') return this.whileCommand(kw === 'until');
    if (kw === '{') {
      this.pos++;
      const body = this.list(new Set(['}']));
      this.expectKeyword('}');
      return { type: 'group', subshell: false, body };
    }
    if (this.isOp('(')) {
      this.pos++;
      const body = this.list(new Set());
      if (!this.isOp(')')) throw this.unexpected();
      this.pos++;
      return { type: 'group', subshell: true, body };
    }
    return this.simple();
  }

  private forCommand(): Command {
    this.pos++;
    const name = this.keyword();
    if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw this.unexpected();
    this.pos++;
    const items: Word[] = [];
    this.skipNewlines();
    if (this.keyword() === 'in') {
      this.pos++;
      for (let tok = this.peek(); tok?.t === 'word'; tok = this.peek()) {
        items.push(tok.word);
        this.pos++;
      }
    }
    this.expectKeyword('do');
    const body = this.list(new Set(['done']));
    this.expectKeyword('done');
    return { type: 'for', variable: name, items, body };
  }

  private ifCommand(): Command {
    this.pos++;
    const branches: { condition: ListNode; body: ListNode }[] = [];
    let otherwise: ListNode | undefined;
    for (;;) {
      const condition = this.list(new Set(['then']));
      this.expectKeyword('then');
      const body = this.list(new Set(['elif', 'else', 'fi']));
      branches.push({ condition, body });
      const kw = this.keyword();
      this.pos++;
      if (kw === 'elif') continue;
      if (kw === 'else') {
        otherwise = this.list(new Set(['fi']));
        this.expectKeyword('fi');
      } else if (kw !== 'fi') {
        this.pos--;
        throw this.unexpected();
      }
      return { type: 'if', branches, otherwise };
    }
  }

  private whileCommand(until: boolean): Command {
    this.pos++;
    const condition = this.list(new Set(['do']));
    this.expectKeyword('do');
    const body = this.list(new Set(['done']));
    this.expectKeyword('done');
    return { type: 'while', until, condition, body };
  }

  private simple(): SimpleCommand {
    const cmd: SimpleCommand = { type: 'simple', assignments: [], words: [], redirects: [] };
    for (let tok = this.peek(); tok; tok = this.peek()) {
      if (tok.t === 'op') break;
      this.pos++;
      if (tok.t === 'dup') {
        cmd.redirects.push({ type: 'dup', from: tok.from, to: tok.to });
      } else if (tok.t === 'redir') {
        const target = this.peek();
        if (target?.t !== 'word') throw this.unexpected();
        this.pos++;
        const redirect: Redirect =
          tok.kind === 'in'
            ? { type: 'in', source: target.word }
            : { type: 'out', fd: tok.fd, target: target.word };
        cmd.redirects.push(redirect);
      } else {
        const first = tok.word.parts[0];
        const match = first?.type === 'lit' && !first.quoted ? ASSIGNMENT.exec(first.text) : null;
        if (match && cmd.words.length === 0 && first?.type === 'lit') {
          const valueParts = [...tok.word.parts];
          valueParts[0] = { ...first, text: first.text.slice(match[0].length) };
          cmd.assignments.push({ name: match[1], value: { parts: valueParts } });
        } else {
          cmd.words.push(tok.word);
        }
      }
    }
    if (!cmd.words.length && !cmd.assignments.length && !cmd.redirects.length) throw this.unexpected();
    return cmd;
  }
}
