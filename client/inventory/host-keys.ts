import { isMap, isScalar, LineCounter, parseDocument, type Pair, type YAMLMap } from 'yaml';
import type { ScannedHostKey } from '../deps';
import type { PathSegment } from '../zod-reason';
import type { InventoryEndpoint } from './types';

// scan-keys: compare presented host keys with the pinned ones, and pin them in the YAML file.
// The file is edited in place at the exact spots the yaml Document API locates (a value replaced,
// or one `hostKey:` entry inserted), so comments, order and layout stay as the operator wrote them;
// the result is parsed again and checked before it is written.

export type KeyStatus = 'match' | 'new' | 'changed' | 'error';

export interface ScanRow {
  endpoint: InventoryEndpoint;
  status: KeyStatus;
  scanned?: ScannedHostKey;
  error?: string;
}

export function compareKey(endpoint: InventoryEndpoint, scanned: ScannedHostKey): KeyStatus {
  if (endpoint.hostKey === '') return 'new';
  return endpoint.hostKey === scanned.fingerprint ? 'match' : 'changed';
}

export interface HostKeyUpdate {
  yamlPath: PathSegment[];
  hostKey: string;
}

interface Edit {
  at: number;
  end: number;
  text: string;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
}

function editFor(text: string, lineCounter: LineCounter, map: YAMLMap, hostKey: string): Edit {
  const existing = findPair(map, 'hostKey');
  if (existing && isScalar(existing.value) && existing.value.range) {
    const [start, end] = existing.value.range;
    return { at: start, end, text: hostKey };
  }
  if (map.flow) {
    const close = map.range ? text.lastIndexOf('}', map.range[1]) : -1;
    if (close < 0) throw new Error('flow mapping without a closing brace');
    let last = close - 1;
    while (last > 0 && /\s/.test(text[last])) last--;
    const sep = text[last] === ',' || text[last] === '{' ? ' ' : ', ';
    return { at: last + 1, end: last + 1, text: `${sep}hostKey: ${hostKey}` };
  }
  // Block mapping: a new line after the `address` entry (always a scalar), indented like its key.
  const anchor = findPair(map, 'address') ?? findPair(map, 'name');
  if (!anchor || !isScalar(anchor.key) || !isScalar(anchor.value) || !anchor.key.range || !anchor.value.range)
    throw new Error('mapping without a scalar address or name entry');
  const indent = lineCounter.linePos(anchor.key.range[0]).col - 1;
  const nl = text.indexOf('\n', anchor.value.range[1]);
  const at = nl < 0 ? text.length : nl;
  return { at, end: at, text: `\n${' '.repeat(indent)}hostKey: ${hostKey}` };
}

/** The inventory text with each update's hostKey set; throws when the result does not read back. */
export function rewriteHostKeys(text: string, updates: readonly HostKeyUpdate[]): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const edits = updates.map((u) => {
    const node: unknown = doc.getIn(u.yamlPath, true);
    if (!isMap(node)) throw new Error(`no mapping at ${u.yamlPath.join('.')}`);
    return editFor(text, lineCounter, node, u.hostKey);
  });
  let out = text;
  for (const e of [...edits].sort((a, b) => b.at - a.at))
    out = out.slice(0, e.at) + e.text + out.slice(e.end);

  const check = parseDocument(out);
  for (const u of updates) {
    const value: unknown = check.getIn([...u.yamlPath, 'hostKey']);
    if (check.errors.length > 0 || value !== u.hostKey)
      throw new Error(
        `rewriting the inventory did not produce hostKey ${u.hostKey} at ${u.yamlPath.join('.')}`,
      );
  }
  return out;
}
