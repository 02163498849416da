import { z } from 'zod';
import { describeUrlRef, parseUrlRef, urlRefSchema, UrlRefError } from '../url-ref';

// `--gate` (repeatable): a health check that must pass before a host starts. While any gate fails no
// new host starts; one failing longer than --gate-timeout pauses the rollout for the operator.
//
//   http GET URL [expect CODES]   passes when the answer's status is one of CODES (default 2xx):
//                                 200, 200,204, 2xx; URL is literal or env:NAME (common/url-ref.ts)
//   http HEAD URL [expect CODES]
//   cmd /abs/path [ARGS...]       passes when the command exits 0. It runs ON THE WORKER, without a
//                                 shell (argv as written: quotes group words, nothing is expanded),
//                                 and only if the worker allows that executable (IBFLEET_GATE_COMMANDS).

const STATUS = /^(?:[1-5]\d\d|[1-5]xx)$/;
const SHELL_OPERATORS = new Set(['|', '||', '&', '&&', ';', '>', '>>', '<', '<<', '2>', '2>&1', '`']);

export const httpGateSchema = z.strictObject({
  kind: z.literal('http'),
  method: z.enum(['GET', 'HEAD']),
  target: urlRefSchema,
  /** Status codes (200) or classes (2xx) that pass. */
  expect: z.array(z.string().regex(STATUS, 'must be a status code (200) or class (2xx)')).min(1).max(16),
});

export const cmdGateSchema = z.strictObject({
  kind: z.literal('cmd'),
  /** The executable (absolute) and its arguments, passed as they are (no shell). */
  argv: z
    .array(
      z
        .string()
        .max(4_096)
        .refine((a) => !a.includes('\0'), 'must not contain a NUL byte'),
    )
    .min(1)
    .max(64)
    .refine((argv) => argv[0].startsWith('/'), 'the executable must be an absolute path'),
});

export const gateSchema = z.discriminatedUnion('kind', [httpGateSchema, cmdGateSchema]);
export type Gate = z.infer<typeof gateSchema>;
export type HttpGate = z.infer<typeof httpGateSchema>;
export type CmdGate = z.infer<typeof cmdGateSchema>;

export class GateSpecError extends Error {
  override readonly name = 'GateSpecError';
}

/**
 * Words as a POSIX shell splits them, and nothing more: '...' is literal, "..." allows \" and \\,
 * a backslash outside quotes escapes the next character. No variables, globs, pipes or redirections.
 */
export function splitWords(text: string): { words: string[]; quoted: boolean[] } {
  const words: string[] = [];
  const quoted: boolean[] = [];
  let cur: string | undefined;
  let curQuoted = false;
  const push = () => {
    if (cur !== undefined) {
      words.push(cur);
      quoted.push(curQuoted);
    }
    cur = undefined;
    curQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      push();
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new GateSpecError('unterminated single quote');
      cur = (cur ?? '') + text.slice(i + 1, end);
      curQuoted = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let word = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        word += text[j];
      }
      if (j >= text.length) throw new GateSpecError('unterminated double quote');
      cur = (cur ?? '') + word;
      curQuoted = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new GateSpecError('a backslash at the end escapes nothing');
      cur = (cur ?? '') + text[i + 1];
      curQuoted = true;
      i++;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  push();
  return { words, quoted };
}

/** Parses one `--gate` value; throws GateSpecError with the reason. */
export function parseGate(text: string): Gate {
  const { words, quoted } = splitWords(text.trim());
  const [kind, ...rest] = words;
  if (kind === 'http') {
    const [method, url, expectWord, codes, ...extra] = rest;
    if (method !== 'GET' && method !== 'HEAD')
      throw new GateSpecError(
        `expected http GET|HEAD URL [expect CODES] (got method ${JSON.stringify(method ?? '')})`,
      );
    if (url === undefined) throw new GateSpecError('expected a URL after http ' + method);
    let target;
    try {
      target = parseUrlRef(url);
    } catch (err) {
      if (err instanceof UrlRefError) throw new GateSpecError(err.message);
      throw err;
    }
    if (expectWord !== undefined && (expectWord !== 'expect' || codes === undefined || extra.length > 0))
      throw new GateSpecError(`expected "expect CODES" after the URL, e.g. expect 200 or expect 2xx`);
    const expect = codes === undefined ? ['2xx'] : codes.split(',');
    const parsed = httpGateSchema.safeParse({ kind: 'http', method, target, expect });
    if (!parsed.success) {
      const bad = expect.find((c) => !STATUS.test(c));
      throw new GateSpecError(`${bad !== undefined ? `"${bad}": ` : ''}${parsed.error.issues[0].message}`);
    }
    return parsed.data;
  }
  if (kind === 'cmd') {
    if (rest.length === 0) throw new GateSpecError('expected cmd /path/to/check [ARGS...]');
    const op = rest.findIndex((w, i) => !quoted[i + 1] && (SHELL_OPERATORS.has(w) || w.includes('$(')));
    if (op >= 0)
      throw new GateSpecError(
        `"${rest[op]}": cmd gates run without a shell (no pipes, redirections or substitutions); put them in a script and name the script, or quote the word`,
      );
    const parsed = cmdGateSchema.safeParse({ kind: 'cmd', argv: rest });
    if (!parsed.success) throw new GateSpecError(parsed.error.issues[0].message);
    return parsed.data;
  }
  throw new GateSpecError(
    `must start with http or cmd, e.g. 'http GET http://127.0.0.1:9090/healthy expect 200' (got ${JSON.stringify(kind ?? '')})`,
  );
}

/** A gate as operators wrote it (secret-free: references stay references). */
export function describeGate(g: Gate): string {
  if (g.kind === 'http') return `http ${g.method} ${describeUrlRef(g.target)} expect ${g.expect.join(',')}`;
  return `cmd ${g.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`;
}

/** True when `status` is one of the gate's expected codes or classes. */
export function statusMatches(expect: readonly string[], status: number): boolean {
  return expect.some((e) =>
    e.endsWith('xx') ? Math.floor(status / 100) === Number(e[0]) : Number(e) === status,
  );
}
