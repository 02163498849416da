import { ParseError } from './parse-error';
import { isBlank, isDashRule, toLines } from './text';

// `vmkload_mod -l` (loaded modules: Name, Used, Size (kb)) and the one-line messages of
// `vmkload_mod <module> [options]` and `vmkload_mod -u <module>`.

const LIST = 'vmkload_mod -l';
const ROW = /^(\S+)\s+(\d+)\s+(\d+)(?:\s.*)?$/;
const HEADER = /^\s*Name\s+Used\b/i;

export interface LoadedModule {
  name: string;
  used: number;
  sizeKb: number;
}

/** Loaded modules; rows that are not "name used size" (header, rules) are skipped. */
export function parseVmkloadModList(text: string): LoadedModule[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  const hasHeader = lines.some((l) => HEADER.test(l));
  const modules = lines
    .filter((l) => !isDashRule(l))
    .map((l) => ROW.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1], used: Number(m[2]), sizeKb: Number(m[3]) }));
  if (modules.length === 0 && !hasHeader)
    throw new ParseError(LIST, 'a module list "Name  Used  Size (kb)"', text);
  return modules;
}

export function isModuleLoaded(modules: readonly LoadedModule[], name: string): boolean {
  return modules.some((m) => m.name === name);
}

export type VmkloadModMessage =
  | { kind: 'unloaded'; module: string }
  | { kind: 'loaded'; module: string }
  /** The module is in use (unload) or already loaded (load). */
  | { kind: 'busy'; operation: 'load' | 'unload'; module: string }
  | { kind: 'failed'; operation: 'load' | 'unload'; module: string; reason: string }
  /** No output at all. */
  | { kind: 'silent' }
  | { kind: 'other'; message: string };

/** The module name from "/usr/lib/vmware/vmkmod/X" or "X". */
function moduleName(pathOrName: string): string {
  return pathOrName.slice(pathOrName.lastIndexOf('/') + 1);
}

/** Classifies what vmkload_mod printed when loading or unloading a module. */
export function parseVmkloadModMessage(text: string): VmkloadModMessage {
  const message = toLines(text)
    .filter((l) => !isBlank(l))
    .join('\n')
    .trim();
  if (message === '') return { kind: 'silent' };
  let m = /Module (\S+) successfully unloaded/i.exec(message);
  if (m) return { kind: 'unloaded', module: m[1] };
  // [R] "Module X loaded successfully" (the id that follows varies).
  m = /Module (\S+) loaded successfully/i.exec(message);
  if (m) return { kind: 'loaded', module: m[1] };
  m = /Unable to load module (\S+?):\s*(.*)/i.exec(message);
  if (m) return failure('load', moduleName(m[1]), m[2]);
  m = /Can ?not remove module (\S+?):\s*(.*)/i.exec(message);
  if (m) return failure('unload', moduleName(m[1]), m[2]);
  return { kind: 'other', message };
}

function failure(operation: 'load' | 'unload', module: string, reason: string): VmkloadModMessage {
  return /^busy\b/i.test(reason.trim())
    ? { kind: 'busy', operation, module }
    : { kind: 'failed', operation, module, reason: reason.trim() };
}
