import type { AndOr, ListNode, Pipeline, SimpleCommand } from './ast';
import { lex, notSimulated, ShellSyntaxError, type Token } from './lexer';

// Recursive-descent parser: list := and_or ((; | newline) and_or)*;
// and_or := pipeline ((&& | ||) pipeline)*; pipeline := simple (| simple)*.
// Compound commands (for, if, while, case, { }, !) are refused: nothing outside the simulator's own
// tests sent them (see simulator/README.md).

export { ShellSyntaxError };

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const RESERVED = new Set([
  '!',
  '{',
  '}',
  'case',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'function',
  'if',
  'in',
  'then',
  'until',
  'while',
  '[[',
]);

export function parseShell(src: string): ListNode {
  const parser = new Parser(lex(src, parseShell));
  const list = parser.list();
  parser.expectEnd();
  return list;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isOp(op: string): boolean {
    const tok = this.peek();
    return tok?.t === 'op' && tok.op === op;
  }

  private skipNewlines(): void {
    while (this.isOp('\n')) this.pos++;
  }

  private unexpected(): ShellSyntaxError {
    const tok = this.peek();
    if (!tok) return new ShellSyntaxError('sh: syntax error: unexpected end of file');
    const text = tok.t === 'op' ? (tok.op === '\n' ? 'newline' : tok.op) : (tok.plain ?? 'word');
    return new ShellSyntaxError(`sh: syntax error: unexpected "${text}"`);
  }

  expectEnd(): void {
    if (this.peek()) throw this.unexpected();
  }

  list(): ListNode {
    const items: AndOr[] = [];
    for (;;) {
      this.skipNewlines();
      if (!this.peek()) break;
      items.push(this.andOr());
      if (!this.isOp(';') && !this.isOp('\n')) break;
      this.pos++;
    }
    return { items };
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (let tok = this.peek(); tok?.t === 'op' && (tok.op === '&&' || tok.op === '||'); tok = this.peek()) {
      this.pos++;
      this.skipNewlines();
      rest.push({ op: tok.op, pipeline: this.pipeline() });
    }
    return { first, rest };
  }

  private pipeline(): Pipeline {
    const commands = [this.simple()];
    while (this.isOp('|')) {
      this.pos++;
      this.skipNewlines();
      commands.push(this.simple());
    }
    return { commands };
  }

  private simple(): SimpleCommand {
    const cmd: SimpleCommand = { assignments: [], words: [] };
    for (let tok = this.peek(); tok?.t === 'word'; tok = this.peek()) {
      if (cmd.words.length === 0 && cmd.assignments.length === 0 && RESERVED.has(tok.plain ?? ''))
        throw notSimulated(`"${tok.plain}" (compound commands)`);
      this.pos++;
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
    if (!cmd.words.length && !cmd.assignments.length) throw this.unexpected();
    return cmd;
  }
}
