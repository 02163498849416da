import type { ExecResult } from '../machine';
import type { ToolIo } from './io';

// test / [ : string, integer and file tests, with ! -a -o and parentheses.

class TestSyntax extends Error {}

export function testBuiltin(argv: string[], io: ToolIo): ExecResult {
  let args = argv.slice(1);
  if (argv[0] === '[') {
    if (args[args.length - 1] !== ']') return { stdout: '', stderr: 'sh: [: missing ]\n', code: 2 };
    args = args.slice(0, -1);
  }
  try {
    const evaluator = new TestEval(args, io);
    const result = args.length === 0 ? false : evaluator.run();
    return { stdout: '', stderr: '', code: result ? 0 : 1 };
  } catch (err) {
    return { stdout: '', stderr: `sh: ${argv[0]}: ${(err as Error).message}\n`, code: 2 };
  }
}

const UNARY = new Set(['-n', '-z', '-e', '-f', '-d', '-r', '-w', '-x', '-s', '-L', '-h']);
const BINARY = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge']);

class TestEval {
  private pos = 0;
  constructor(
    private readonly args: string[],
    private readonly io: ToolIo,
  ) {}

  run(): boolean {
    const r = this.or();
    if (this.pos < this.args.length) throw new TestSyntax(`${this.args[this.pos]}: unexpected operator`);
    return r;
  }

  private or(): boolean {
    let r = this.and();
    while (this.args[this.pos] === '-o') {
      this.pos++;
      r = this.and() || r;
    }
    return r;
  }

  private and(): boolean {
    let r = this.not();
    while (this.args[this.pos] === '-a') {
      this.pos++;
      r = this.not() && r;
    }
    return r;
  }

  private not(): boolean {
    if (this.args[this.pos] === '!' && this.pos + 1 < this.args.length) {
      this.pos++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const a = this.args[this.pos];
    if (a === undefined) throw new TestSyntax('argument expected');
    if (a === '(') {
      this.pos++;
      const r = this.or();
      if (this.args[this.pos] !== ')') throw new TestSyntax('closing paren expected');
      this.pos++;
      return r;
    }
    const op = this.args[this.pos + 1];
    if (op !== undefined && BINARY.has(op) && this.pos + 2 < this.args.length) {
      const b = this.args[this.pos + 2];
      this.pos += 3;
      return binary(a, op, b);
    }
    if (UNARY.has(a) && this.pos + 1 < this.args.length) {
      const operand = this.args[this.pos + 1];
      this.pos += 2;
      return this.unary(a, operand);
    }
    this.pos++;
    return a !== '';
  }

  private unary(op: string, operand: string): boolean {
    switch (op) {
      case '-n':
        return operand !== '';
      case '-z':
        return operand === '';
      case '-d':
        return isDirectory(operand, this.io);
      case '-s':
        return (this.io.readFile(operand) ?? '') !== '';
      default:
        return this.io.pathExists(operand) || isDirectory(operand, this.io);
    }
  }
}

function isDirectory(path: string, io: ToolIo): boolean {
  return io.isDirectory(path);
}

function binary(a: string, op: string, b: string): boolean {
  if (op === '=' || op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (!/^\s*-?\d+\s*$/.test(a)) throw new TestSyntax(`${a}: bad number`);
  if (!/^\s*-?\d+\s*$/.test(b)) throw new TestSyntax(`${b}: bad number`);
  const x = parseInt(a, 10);
  const y = parseInt(b, 10);
  switch (op) {
    case '-eq':
      return x === y;
    case '-ne':
      return x !== y;
    case '-lt':
      return x < y;
    case '-le':
      return x <= y;
    case '-gt':
      return x > y;
    default:
      return x >= y;
  }
}
