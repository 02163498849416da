import { keyValueOf } from './esxcli-keyvalue';
import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// `esxcli vm process list` (samples: test/fixtures/outputs/esxi/vm/): per running VM its display name on
// a line of its own, then indented "Key: value" lines, then a blank line. Nothing at all when no VM runs.

const COMMAND = 'esxcli vm process list';

export interface VmProcess {
  displayName: string;
  worldId: number;
  processId: number;
  cartelId: number;
  /** BIOS UUID as printed: "56 4d be 1b 45 52 d6 bc-1b 4d 4b 5f 56 53 4d b6". */
  uuid: string;
  /** "/vmfs/volumes/<volume uuid>/vm/vm.vmx". */
  configFile: string;
}

const NUMBER = /^\d{1,10}$/;

function toProcess(title: string, fields: Map<string, string>, text: string): VmProcess {
  const need = (key: string, shape: RegExp, what: string): string => {
    const v = fields.get(key);
    if (v === undefined || !shape.test(v))
      throw new ParseError(COMMAND, `"${key}: ${what}" under ${title}`, text);
    return v;
  };
  const displayName = need('Display Name', /^.{1,80}$/, 'the VM name (at most 80 characters)');
  if (displayName !== title)
    throw new ParseError(COMMAND, `"Display Name: ${title}" (the block's title) under ${title}`, text);
  return {
    displayName,
    worldId: Number(need('World ID', NUMBER, 'a number')),
    processId: Number(need('Process ID', NUMBER, 'a number')),
    cartelId: Number(need('VMX Cartel ID', NUMBER, 'a number')),
    uuid: need('UUID', /^[0-9a-f]{2}(?:[ -][0-9a-f]{2}){15}$/i, 'a BIOS UUID'),
    configFile: need('Config File', /^\/\S.*\.vmx$/, 'the path of the .vmx file'),
  };
}

export function parseVmProcessList(text: string): VmProcess[] {
  const blocks: { title: string; fields: Map<string, string> }[] = [];
  let current: { title: string; fields: Map<string, string> } | undefined;
  for (const line of toLines(text)) {
    if (isBlank(line)) {
      current = undefined;
      continue;
    }
    if (!/^\s/.test(line)) {
      current = { title: line, fields: new Map() };
      blocks.push(current);
      continue;
    }
    const kv = keyValueOf(line);
    if (!current || !kv) throw new ParseError(COMMAND, 'a VM name, then indented "Key: value" lines', line);
    if (current.fields.has(kv[0])) throw new ParseError(COMMAND, `one "${kv[0]}" line per VM`, line);
    current.fields.set(kv[0], kv[1]);
  }
  const processes = blocks.map((b) => toProcess(b.title, b.fields, text));
  if (new Set(processes.map((p) => p.worldId)).size !== processes.length)
    throw new ParseError(COMMAND, 'a distinct World ID per VM', text);
  return processes;
}
