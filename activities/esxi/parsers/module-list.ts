import { SHAPES } from './cell-shapes';
import { valueOf, parseEsxcliKeyValue } from './esxcli-keyvalue';
import { cell, findTableHeader, readEsxcliTable, type ColumnSpec } from './esxcli-table';
import { ParseError } from './parse-error';
import { definedOnly, isBlank, toLines } from './text';

// `esxcli system module list` (table, or rows only through grep) and `esxcli system module get -m`.

const LIST = 'esxcli system module list';
const GET = 'esxcli system module get';
const HEADER = /^Name\s+Is Loaded\b/i;
const COLUMNS: ColumnSpec[] = [
  { title: 'Name', shape: SHAPES.name },
  { title: 'Is Loaded', shape: SHAPES.bool },
  { title: 'Is Enabled', shape: SHAPES.bool },
];

export interface ModuleListEntry {
  name: string;
  isLoaded: boolean;
  isEnabled: boolean;
}

function bool(value: string | undefined, text: string): boolean {
  const v = value?.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ParseError(LIST, `true or false, not ${JSON.stringify(value ?? '')}`, text);
}

export function parseModuleList(text: string): ModuleListEntry[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  if (lines.length === 0) return [];
  if (findTableHeader(toLines(text)) < 0 && !HEADER.test(lines[0].trim())) {
    // Rows only (`| grep nmlx5`): name, then the two booleans.
    return lines.map((line) => {
      const f = line.trim().split(/\s+/);
      if (f.length !== 3 || !SHAPES.name.test(f[0]))
        throw new ParseError(LIST, 'rows "name  true|false  true|false"', text);
      return { name: f[0], isLoaded: bool(f[1], text), isEnabled: bool(f[2], text) };
    });
  }
  return readEsxcliTable(text, LIST, COLUMNS, HEADER).map((row) => ({
    name: cell(row, 'Name') ?? '',
    isLoaded: bool(cell(row, 'Is Loaded'), text),
    isEnabled: bool(cell(row, 'Is Enabled'), text),
  }));
}

export interface ModuleInfo {
  module: string;
  moduleFile?: string;
  license?: string;
  version?: string;
  buildType?: string;
  providedNamespaces?: string;
  requiredNamespaces?: string;
  containingVib?: string;
  vibAcceptanceLevel?: string;
  /** Every field as printed. */
  fields: Record<string, string>;
}

export function parseModuleGet(text: string): ModuleInfo {
  const fields = parseEsxcliKeyValue(text, GET);
  const module = valueOf(fields, 'Module');
  if (!module) throw new ParseError(GET, 'a "Module: <name>" line', text);
  const opt = (key: string) => valueOf(fields, key);
  return definedOnly<ModuleInfo>({
    module,
    moduleFile: opt('Module File'),
    license: opt('License'),
    version: opt('Version'),
    buildType: opt('Build Type'),
    providedNamespaces: opt('Provided Namespaces'),
    requiredNamespaces: opt('Required Namespaces'),
    containingVib: opt('Containing VIB'),
    vibAcceptanceLevel: opt('VIB Acceptance Level'),
    fields,
  });
}
