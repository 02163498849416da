import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { allowedKeysAt } from '../zod-keys';
import { formatPath, issueReason, type PathSegment } from '../zod-reason';
import { crossFieldProblems } from './checks';
import { positionOf } from './positions';
import { InventoryError, type InventoryProblem } from './problems';
import { asRecord } from './raw';
import { resolveInventory } from './resolve';
import { inventoryFileSchema } from './schema';
import type { Inventory } from './types';

/**
 * yaml's bound on alias expansions (uses of an anchor, multiplied through nested anchors): far more
 * than an inventory needs (an anchored credential on each of 10,000 hosts), far less than a bomb.
 */
const MAX_ALIAS_EXPANSIONS = 10_000;

export interface LoadInventoryOptions {
  /** Load endpoints without hostKey even if the file does not allow it (scan-keys, to pin them). */
  allowUnpinnedHostKeys?: boolean;
  /** For `~` expansion; the user's home by default. */
  homeDir?: string;
}

/** Reads, parses, validates and resolves an inventory file. Throws InventoryError listing every problem. */
export function loadInventory(file: string, opts: LoadInventoryOptions = {}): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new InventoryError(file, [{ file, path: '', message: `cannot read the inventory: ${why}` }]);
  }
  return parseInventory(text, file, opts);
}

/** Like loadInventory, from text; `file` names it in messages and anchors relative key paths. */
export function parseInventory(text: string, file: string, opts: LoadInventoryOptions = {}): Inventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InventoryError(
      file,
      doc.errors.map((e) => ({
        file,
        path: '',
        ...lineCounter.linePos(e.pos[0]),
        message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      })),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (err) {
    // yaml throws a ReferenceError for an alias bomb ("billion laughs"): nested anchors whose uses multiply.
    const why =
      err instanceof ReferenceError && /alias/i.test(err.message)
        ? `YAML aliases expand too much (over ${MAX_ALIAS_EXPANSIONS} expansions: anchors used ` +
          'that often, or nested anchors whose uses multiply); refused as a resource-exhaustion risk'
        : `cannot read the YAML: ${(err as Error).message.split('\n')[0]}`;
    throw new InventoryError(file, [{ file, path: '', message: why }]);
  }
  const problem = (path: readonly PathSegment[], message: string, atKey = false): InventoryProblem => ({
    file,
    path: formatPath(path),
    ...positionOf(doc, lineCounter, path, atKey),
    message,
  });

  const root = asRecord(data);
  if (!root) {
    const what = data === null || data === undefined ? 'is empty' : 'is not a mapping';
    throw new InventoryError(file, [problem([], `${what}: expected a mapping starting with "version: 1"`)]);
  }

  const problems: InventoryProblem[] = [];
  const parsed = inventoryFileSchema.safeParse(root);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const allowed = allowedKeysAt(inventoryFileSchema, issue.path, root);
        for (const key of issue.keys)
          problems.push(
            problem(
              [...issue.path, key],
              `unknown key${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`,
              true,
            ),
          );
      } else {
        problems.push(problem(issue.path, issueReason(issue, root)));
      }
    }
  }
  const allowUnpinned = opts.allowUnpinnedHostKeys === true || root.allowUnpinnedHostKeys === true;
  for (const p of crossFieldProblems(root, { allowUnpinnedHostKeys: allowUnpinned, file }))
    problems.push(problem(p.path, p.message));

  if (!parsed.success || problems.length > 0) throw new InventoryError(file, sortProblems(problems));
  return resolveInventory(parsed.data, { file: resolve(file), homeDir: opts.homeDir }, allowUnpinned);
}

/** In file order, so the list reads top to bottom. */
function sortProblems(problems: InventoryProblem[]): InventoryProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}
