import { ParseError } from './parse-error';
import { isBlank, toLines } from './text';

// `vim-cmd vmsvc/getallvms` (samples: test/fixtures/outputs/esxi/vm/, ESXi 5 to 9). Every column is as
// wide as its widest cell or its title, cells are left-aligned and padded, three spaces separate the
// columns, and each title is centred over its column (rounded left). Cells may hold spaces (a datastore
// "datastore1 (4)", a VM name), so words cannot be split on blanks: the column starts are worked out from
// the titles' positions (a title sits at start + floor((width - title) / 2), so each width is one of two
// values) and must fit every row exactly, else the table is refused.

const COMMAND = 'vim-cmd vmsvc/getallvms';
const TITLES = ['Vmid', 'Name', 'File', 'Guest OS', 'Version', 'Annotation'] as const;
const SEPARATOR = '   ';
/** vSphere allows VM names of up to 80 characters. */
export const MAX_NAME = 80;

export interface VmRegistration {
  vmid: number;
  name: string;
  /** As printed: "[datastore1] gpu-vm/gpu-vm.vmx" (or "[] /var/run/crx/.../x.vmx" for system VMs). */
  file: string;
  /** "datastore1" ("" for a file outside any datastore). */
  datastore: string;
  /** The path after "[datastore] ": relative to the datastore, or absolute when the datastore is "". */
  path: string;
  guestOs: string;
  /** "vmx-20". */
  version: string;
  annotation: string;
}

const FILE = /^\[([^\]]*)\] (\S.*)$/;

interface Column {
  start: number;
  width: number;
}

/** Does a column of `width` at `start` fit every row: a non-blank left-aligned cell, then exactly three spaces? */
function fits(rows: readonly string[], start: number, width: number, title: string, last: boolean): boolean {
  let widest = 0;
  for (const row of rows) {
    const cell = row.slice(start, start + width);
    if (cell === '' || cell[0] === ' ') return false;
    widest = Math.max(widest, cell.trimEnd().length);
    const rest = row.slice(start + width);
    // The Version column may end a row (no annotation: trailing spaces trimmed).
    if (last && rest === '') continue;
    if (!rest.startsWith(SEPARATOR)) return false;
    const next = rest.slice(SEPARATOR.length);
    if (!last && (next === '' || next[0] === ' ')) return false;
  }
  return Math.max(widest, title.length) === width;
}

export function parseGetAllVms(text: string): VmRegistration[] {
  const lines = toLines(text);
  while (lines.length > 0 && isBlank(lines[0])) lines.shift();
  while (lines.length > 0 && isBlank(lines[lines.length - 1])) lines.pop();
  const header = lines[0] ?? '';
  const expected = `the header "${TITLES.join('   ')}"`;
  if (header.trim().split(/\s+/).join(' ') !== TITLES.join(' '))
    throw new ParseError(COMMAND, expected, text);
  const rows = lines.slice(1);
  if (rows.length === 0) return [];
  if (rows.some(isBlank)) throw new ParseError(COMMAND, 'one row per VM, without blank lines', text);

  const titleAt: number[] = [];
  let from = 0;
  for (const title of TITLES) {
    const at = header.indexOf(title, from);
    titleAt.push(at);
    from = at + title.length;
  }
  const columns: Column[] = [];
  let start = 0;
  for (let c = 0; c < TITLES.length - 1; c++) {
    const offset = titleAt[c] - start;
    const candidates = [2 * offset + TITLES[c].length, 2 * offset + TITLES[c].length + 1];
    const width = candidates.filter(
      (w) => offset >= 0 && fits(rows, start, w, TITLES[c], c === TITLES.length - 2),
    );
    if (width.length !== 1)
      throw new ParseError(COMMAND, `the ${TITLES[c]} column aligned under its title in every row`, text);
    columns.push({ start, width: width[0] });
    start += width[0] + SEPARATOR.length;
  }
  // The last column: Annotation, the rest of the row; its title centred over the widest annotation.
  const annotations = rows.map((r) => r.slice(start).trim());
  const annotationWidth = Math.max(TITLES[5].length, ...annotations.map((a) => a.length));
  if (titleAt[5] !== start + Math.floor((annotationWidth - TITLES[5].length) / 2))
    throw new ParseError(COMMAND, 'the Annotation column aligned under its title', text);

  const seen = new Set<number>();
  return rows.map((row, i) => {
    const [vmidCell, name, file, guestOs, version] = columns.map((col) =>
      row.slice(col.start, col.start + col.width).trimEnd(),
    );
    const fileParts = FILE.exec(file);
    const vmid = Number(vmidCell);
    if (!/^\d{1,10}$/.test(vmidCell) || vmid < 1 || seen.has(vmid))
      throw new ParseError(COMMAND, 'a distinct vmid (a positive number) in the Vmid column', row);
    seen.add(vmid);
    if (name.length > MAX_NAME)
      throw new ParseError(COMMAND, `a VM name of at most ${MAX_NAME} characters`, row);
    if (!fileParts) throw new ParseError(COMMAND, 'a File such as "[datastore1] vm/vm.vmx"', row);
    if (!/^\S+$/.test(guestOs)) throw new ParseError(COMMAND, 'a Guest OS id such as rhel9_64Guest', row);
    if (!/^vmx-\d+$/.test(version)) throw new ParseError(COMMAND, 'a Version such as vmx-20', row);
    return {
      vmid,
      name,
      file,
      datastore: fileParts[1],
      path: fileParts[2],
      guestOs,
      version,
      annotation: annotations[i],
    };
  });
}
