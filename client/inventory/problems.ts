// Inventory problems: every one found is reported at once, each naming the file, the YAML path of the
// field (clusters[1].hosts[3].port) and, when known, the line:col where it is, and the reason.

export interface InventoryProblem {
  /** The inventory file as given on the command line. */
  file: string;
  /** YAML path of the field, e.g. "clusters[1].hosts[3].port"; "" for the whole document. */
  path: string;
  /** 1-based position of the field (or of its nearest existing parent) when known. */
  line?: number;
  col?: number;
  message: string;
}

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
  constructor(
    readonly file: string,
    readonly problems: InventoryProblem[],
  ) {
    super(formatInventoryProblems(file, problems));
  }
}

/** "FILE:LINE:COL: PATH: reason", the way compilers print errors, so editors can jump to them. */
export function formatInventoryProblem(p: InventoryProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

export function formatInventoryProblems(file: string, problems: InventoryProblem[]): string {
  const n = problems.length;
  const head = `inventory ${file} is not valid (${n} problem${n === 1 ? '' : 's'}):`;
  return [head, ...problems.map((p) => `  ${formatInventoryProblem(p)}`)].join('\n');
}
