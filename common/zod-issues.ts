import type { z } from 'zod';

/** `a.b[2].c` from a zod issue path, for messages that name the field. */
export function issuePath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** One line per problem: "field.path: reason". */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => `${issuePath(issue.path, prefix)}: ${issue.message}`);
}
