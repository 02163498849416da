import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// `esxcfg-module -g nmlx5_core`: the stored option string of a module, e.g.
// nmlx5_core enabled = 1 options = 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4'

const COMMAND = 'esxcfg-module -g';
const LINE = /^(\S+)\s+enabled\s*=\s*(\d+)\s+options\s*=\s*(.*)$/;

export interface ModuleOptionsInfo {
  module: string;
  enabled: boolean;
  /** The stored string without its surrounding quotes, exactly as stored ('' when none). */
  options: string;
}

export function parseEsxcfgModuleGet(text: string): ModuleOptionsInfo {
  const line = toLines(text).find((l) => !isBlank(l)) ?? '';
  const m = LINE.exec(line.trim());
  if (!m) throw new ParseError(COMMAND, `"<module> enabled = <0|1> options = '<options>'"`, text);
  const raw = m[3];
  const quoted = raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'");
  return { module: m[1], enabled: m[2] !== '0', options: quoted ? raw.slice(1, -1) : raw };
}
