import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from '../zod-reason';

// Where a YAML path is in the source: the node itself, or its nearest existing parent when the field
// is missing, so every problem can carry a line:col an editor can jump to.

function keyMatches(key: unknown, seg: PathSegment): boolean {
  return isScalar(key) ? String(key.value) === String(seg) : String(key) === String(seg);
}

/**
 * Position of `path` in `doc`. With `atKey`, a mapping entry resolves to its key (for unknown keys
 * and duplicates); otherwise to its value.
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PathSegment[],
  atKey = false,
): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyMatches(p.key, seg));
      if (!pair) break;
      const keyNode = isScalar(pair.key) ? pair.key : undefined;
      const valueNode = (pair.value as Node | null) ?? undefined;
      if (last && atKey && keyNode) {
        found = keyNode;
        break;
      }
      found = valueNode?.range ? valueNode : (keyNode ?? found);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      found = item;
      node = item;
    } else break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  return lineCounter.linePos(offset);
}
