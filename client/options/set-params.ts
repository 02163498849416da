import type { z } from 'zod';
import { procedures, type ProcedureName } from '../../common/procedures';
import { issueReason } from '../zod-reason';

// `--set KEY=VALUE` -> procedure params. Values are coerced by the type the procedure's schema
// declares for KEY (so `minVersion=3.10` stays a string and `devices=a,b` becomes a list), then the
// whole object is validated by that schema, which also applies the defaults.

interface FieldDef {
  type: string;
  entries?: Record<string, string>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): FieldDef {
  // zod v4's `def` is typed per schema class; only these generic fields are read.
  return schema.def;
}

/** The base type of a field: "number", "boolean", "string", "enum", "array:<element type>". */
function fieldType(schema: z.ZodType): string {
  let def = defOf(schema);
  while ((def.type === 'default' || def.type === 'optional') && def.innerType) def = defOf(def.innerType);
  if (def.type === 'array' && def.element) return `array:${fieldType(def.element)}`;
  return def.type;
}

export function paramKeys(procedure: ProcedureName): string[] {
  return Object.keys(defOf(procedures[procedure].params).shape ?? {});
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function coerceScalar(type: string, raw: string): { value?: unknown; problem?: string } {
  const text = raw.trim();
  switch (type) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text)
        ? { value: Number(text) }
        : { problem: `must be a number (got ${JSON.stringify(raw)})` };
    case 'boolean':
      if (TRUE.has(text.toLowerCase())) return { value: true };
      if (FALSE.has(text.toLowerCase())) return { value: false };
      return { problem: `must be true or false (got ${JSON.stringify(raw)})` };
    default:
      return { value: text };
  }
}

export interface ParamsResult {
  params: Record<string, unknown>;
  problems: string[];
}

/** Parses and validates the --set values for `procedure`; every problem names `--set KEY`. */
export function parseSetParams(procedure: ProcedureName, sets: readonly string[]): ParamsResult {
  const schema = procedures[procedure].params;
  const shape = defOf(schema).shape ?? {};
  const keys = Object.keys(shape);
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};

  for (const item of sets) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      problems.push(`--set ${JSON.stringify(item)}: expected KEY=VALUE`);
      continue;
    }
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1);
    if (!(key in shape)) {
      problems.push(
        keys.length === 0
          ? `--set ${key}: ${procedure} takes no parameters`
          : `--set ${key}: unknown parameter of ${procedure} (parameters: ${keys.join(', ')})`,
      );
      continue;
    }
    if (key in raw) {
      problems.push(`--set ${key}: given more than once`);
      continue;
    }
    const type = fieldType(shape[key]);
    if (type.startsWith('array:')) {
      const parts = text.split(',').map((p) => p.trim());
      if (parts.some((p) => p === '')) {
        problems.push(
          `--set ${key}: expected a comma-separated list without empty items (got ${JSON.stringify(text)})`,
        );
        continue;
      }
      const coerced = parts.map((p) => coerceScalar(type.slice('array:'.length), p));
      const bad = coerced.find((c) => c.problem);
      if (bad?.problem) problems.push(`--set ${key}: each item ${bad.problem}`);
      else raw[key] = coerced.map((c) => c.value);
    } else {
      const c = coerceScalar(type, text);
      if (c.problem) problems.push(`--set ${key}: ${c.problem}`);
      else raw[key] = c.value;
    }
  }

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.length ? String(issue.path[0]) : '';
      const label = issue.path.length > 1 ? `${key}[${String(issue.path[1])}]` : key;
      // Keys that already failed coercion were left out; their "is required"-style echoes add nothing.
      if (problems.some((p) => p.startsWith(`--set ${key}:`))) continue;
      problems.push(`--set ${label || '(params)'}: ${issueReason(issue, raw)}`);
    }
    return { params: raw, problems };
  }
  return { params: parsed.data, problems };
}

function describeDefault(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.join(',');
  return JSON.stringify(value);
}

/** One line per parameter: "numVfs=16 (number)", for --help. */
export function paramsHelp(procedure: ProcedureName): string[] {
  const schema = procedures[procedure].params;
  const shape = defOf(schema).shape ?? {};
  const defaults = schema.safeParse({});
  const values: Record<string, unknown> = defaults.success ? defaults.data : {};
  return Object.entries(shape).map(([key, field]) => {
    let inner = defOf(field);
    while ((inner.type === 'default' || inner.type === 'optional') && inner.innerType)
      inner = defOf(inner.innerType);
    const type =
      inner.type === 'enum' && inner.entries
        ? Object.values(inner.entries).join('|')
        : fieldType(field).replace(/^array:(.*)$/, 'comma list of $1');
    const d = describeDefault(values[key]);
    return `${key}=${d || '<' + type + '>'}${d ? ` (${type})` : ' (optional)'}`;
  });
}
