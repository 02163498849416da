import { ParseError } from './parse-error';
import { toLines } from './text';

// The "   Key: value" lines that esxcli "get" commands print (indented by 3 spaces). Keys start with a
// letter and contain no colon; values may contain colons (paths, PCI addresses) or be empty.

const KEY_VALUE = /^\s*([A-Za-z][^:]*?)\s*:(?:\s+(.*))?$/;

/** [key, value] for a key-value line, or undefined for any other line. */
export function keyValueOf(line: string): [string, string] | undefined {
  const m = KEY_VALUE.exec(line.trimEnd());
  return m ? [m[1], (m[2] ?? '').trim()] : undefined;
}

/** Key-value lines in order; other lines are skipped. The first occurrence of a key wins. */
export function parseEsxcliKeyValue(text: string, command = 'esxcli get'): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of toLines(text)) {
    const kv = keyValueOf(line);
    if (kv && !(kv[0] in result)) result[kv[0]] = kv[1];
  }
  if (Object.keys(result).length === 0) throw new ParseError(command, '"Key: value" lines', text);
  return result;
}

/** A value by key, ignoring case and spacing ("Build Type" = "build type"). */
export function valueOf(fields: Readonly<Record<string, string>>, key: string): string | undefined {
  if (key in fields) return fields[key];
  const wanted = key.replace(/\s+/g, '').toLowerCase();
  const found = Object.keys(fields).find((k) => k.replace(/\s+/g, '').toLowerCase() === wanted);
  return found === undefined ? undefined : fields[found];
}
