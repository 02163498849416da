import type { z } from 'zod';

// Turns zod issues into short operator-facing reasons ("must be at most 128 (got 200)"), because
// zod's own messages ("Too big: expected number to be <=128") name neither the limit's meaning nor
// the offending value. Schema-specific messages (ours all start lower-case) are kept as written.

export type Issue = z.core.$ZodIssue;
export type PathSegment = PropertyKey;

/** `clusters[1].hosts[3].port` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** The value found at `path` in `root`, and whether the key was present at all. */
export function valueAt(root: unknown, path: readonly PathSegment[]): { present: boolean; value: unknown } {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !(seg in cur)) return { present: false, value: undefined };
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return { present: true, value: cur };
}

/** A short rendering of an offending value, for "(got ...)". Never long, never multi-line. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // Only scalars from YAML/JSON reach here (no bigint or symbol).
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function bound(issue: { inclusive?: boolean }, word: 'least' | 'most', strict: string, n: unknown): string {
  return issue.inclusive === false ? `${strict} ${String(n)}` : `at ${word} ${String(n)}`;
}

function isCustomMessage(message: string): boolean {
  return /^[a-z]/.test(message);
}

/**
 * One reason per issue. `root` is the validated input, used to show the offending value.
 * Unknown keys are reported by the caller (one problem per key), see unknownKeyPaths().
 */
export function issueReason(issue: Issue, root: unknown): string {
  const { present, value } = valueAt(root, issue.path);
  const got = present ? ` (got ${describeValue(value)})` : '';
  if (!present) {
    if (issue.code === 'invalid_type') return 'is required';
    if (issue.code === 'invalid_value')
      return `is required: ${isCustomMessage(issue.message) ? issue.message : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}`;
    const options = (issue as { options?: unknown[] }).options;
    if (issue.code === 'invalid_union' && Array.isArray(options) && options.length > 0)
      return `is required: one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
  }
  const scalar = value === null || typeof value !== 'object';
  if (isCustomMessage(issue.message)) return `${issue.message}${scalar ? got : ''}`;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}${got}`;
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return `must be ${bound(issue, 'most', 'less than', issue.maximum)}${got}`;
      if (issue.origin === 'array')
        return `must have ${bound(issue, 'most', 'fewer than', issue.maximum)} items`;
      return `must be ${bound(issue, 'most', 'fewer than', issue.maximum)} characters long`;
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return `must be ${bound(issue, 'least', 'greater than', issue.minimum)}${got}`;
      if (issue.origin === 'array')
        return `must have ${bound(issue, 'least', 'more than', issue.minimum)} item(s)`;
      return `must be ${bound(issue, 'least', 'more than', issue.minimum)} characters long`;
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}${got}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0)
        return `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}${got}`;
      return `is not valid${got}`;
    }
    case 'unrecognized_keys':
      return `unknown key(s) ${issue.keys.join(', ')}`;
    case 'invalid_format':
      return `has the wrong format${got}`;
    default:
      return `${issue.message}${got}`;
  }
}
