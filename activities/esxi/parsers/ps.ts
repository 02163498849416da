import { ParseError } from './parse-error';
import { isBlank, segmentsOf, toLines } from './text';

// ESXi busybox `ps -c`: WID, CID, world name, command line. Also read through `| grep devmgr`
// (no header). vmkdevmgr is the device manager that `kill -HUP <wid>` makes rescan.

const COMMAND = 'ps -c';
const ROW = /^\s*(\d+)\s+(\d+)\s+(\S.*)$/;

export interface WorldEntry {
  wid: number;
  cid: number;
  worldName: string;
  /** The command line ('' for kernel worlds). */
  command: string;
}

function worldOf(line: string): WorldEntry | undefined {
  const m = ROW.exec(line);
  if (!m) return undefined;
  const rest = m[3];
  // Columns are separated by two or more spaces; with single spaces the name is the first word.
  const cells = segmentsOf(rest);
  const [worldName, command] =
    cells.length >= 2
      ? [cells[0].text, rest.slice(cells[1].start)]
      : [rest.split(/\s+/)[0] ?? '', rest.replace(/^\S+\s*/, '')];
  return { wid: Number(m[1]), cid: Number(m[2]), worldName, command };
}

/** Worlds listed; [] for empty output (a grep that matched nothing). */
export function parsePsC(text: string): WorldEntry[] {
  const lines = toLines(text).filter((l) => !isBlank(l));
  const worlds = lines.map(worldOf).filter((w): w is WorldEntry => w !== undefined);
  const hasHeader = lines.some((l) => /^\s*WID\s+CID\b/.test(l));
  if (lines.length > 0 && worlds.length === 0 && !hasHeader) {
    throw new ParseError(COMMAND, 'rows "<WID>  <CID>  <world name>  <command>"', text);
  }
  return worlds;
}

/** The WID of the vmkdevmgr world (by world name or program name; never the grep that found it). */
export function findVmkdevmgrWid(worlds: readonly WorldEntry[]): number | undefined {
  const program = (w: WorldEntry) => (w.command.split(/\s+/)[0] ?? '').split('/').pop();
  return worlds.find((w) => w.worldName === 'vmkdevmgr' || program(w) === 'vmkdevmgr')?.wid;
}
