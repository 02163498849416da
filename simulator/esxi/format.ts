// Pure formatters for ESXi and MFT output, following command-outputs.md. Each takes plain values,
// so tests can feed the reference samples' values and compare byte for byte.

export type Cell = string | number | boolean;

/**
 * esxcli table [V]: header row, dash row, columns separated by two spaces, each as wide as its
 * longest cell; strings left-aligned, integers and booleans right-aligned (headers follow their
 * column). A left-aligned last column is as wide as its header and its cells overflow unpadded
 * (the [V] nic list sample: an 11-dash Description over longer descriptions).
 */
export function esxcliTable(headers: string[], rows: Cell[][], rightAligned?: boolean[]): string {
  const right = headers.map(
    (_h, c) => rightAligned?.[c] ?? (rows.length > 0 && typeof rows[0][c] !== 'string'),
  );
  const last = headers.length - 1;
  const widths = headers.map((h, c) =>
    c === last && !right[c]
      ? h.length
      : rows.reduce((w, row) => Math.max(w, cellText(row[c]).length), h.length),
  );
  const line = (cells: string[]) =>
    cells
      .map((text, c) =>
        c === cells.length - 1 && !right[c]
          ? text
          : right[c]
            ? text.padStart(widths[c])
            : text.padEnd(widths[c]),
      )
      .join('  ')
      .replace(/\s+$/, '');
  let out = `${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`;
  for (const row of rows) out += `${line(row.map(cellText))}\n`;
  return out;
}

function cellText(cell: Cell | undefined): string {
  return cell === undefined ? '' : String(cell);
}

/**
 * A table whose cells may contain newlines (esxcli system module parameters list): continuation
 * lines are printed unindented, as ESXi does [V]. Multi-line cells must be in the last column.
 */
export function esxcliMultilineTable(headers: string[], rows: Cell[][]): string {
  const firstLines = rows.map((r) => r.map((c) => cellText(c).split('\n')[0]));
  const table = esxcliTable(headers, firstLines);
  const lines = table.split('\n');
  let out = `${lines[0]}\n${lines[1]}\n`;
  rows.forEach((row, i) => {
    out += `${lines[i + 2]}\n`;
    const rest = cellText(row[row.length - 1])
      .split('\n')
      .slice(1);
    for (const l of rest) out += `${l}\n`;
  });
  return out;
}

/** esxcli "get" output: `   Key: value` lines (3-space indent) [V]. */
export function esxcliKeyValues(pairs: [string, Cell][]): string {
  return pairs.map(([k, v]) => `   ${k}:${cellText(v) === '' ? '' : ` ${cellText(v)}`}\n`).join('');
}

/** esxcli hardware pci list: one unindented address line, indented key/values, a blank line. [R] */
export function esxcliBlocks(blocks: { title: string; pairs: [string, Cell][] }[]): string {
  return blocks.map((b) => `${b.title}\n${esxcliKeyValues(b.pairs)}\n`).join('');
}

/** `mst status` [V]; without the dash rule as MFT prints it under vmklinux (MFT 4.22 VMware synopsis). */
export function mstStatus(devices: string[], underline = true): string {
  return `MST devices:\n${underline ? '------------\n' : ''}${devices.map((d) => `${d}\n`).join('')}`;
}

export interface MstVerboseRow {
  deviceType: string;
  mst: string;
  pci: string;
  rdma: string;
  net: string;
  numa: string;
}

/** `mst status -vv` [V]: fixed columns; empty trailing cells collapse as in the ESXi sample. */
export function mstStatusVerbose(rows: MstVerboseRow[]): string {
  let out = 'PCI devices:\n------------\n';
  out += `${'DEVICE_TYPE'.padEnd(24)}${'MST'.padEnd(30)}${'PCI'.padEnd(10)}${'RDMA'.padEnd(16)}${'NET'.padEnd(26)}NUMA\n`;
  for (const r of rows) {
    const cells = [r.deviceType.padEnd(24), r.mst.padEnd(30), r.pci.padEnd(10)];
    if (r.rdma) cells.push(r.rdma.padEnd(16));
    cells.push(r.numa ? r.net.padEnd(26) : r.net);
    if (r.numa) cells.push(r.numa);
    out += `${cells.join('').replace(/\s+$/, '')}\n`;
  }
  return out;
}

export interface MlxDeviceHeader {
  index: number;
  deviceType: string;
  name: string;
  description: string;
  device: string;
}

function mlxHeader(h: MlxDeviceHeader): string {
  const title = `Device #${h.index}:`;
  return (
    `\n${title}\n${'-'.repeat(title.length)}\n\n` +
    `${'Device type:'.padEnd(16)}${h.deviceType}\n` +
    `${'Name:'.padEnd(16)}${h.name}\n` +
    `${'Description:'.padEnd(16)}${h.description}\n` +
    `${'Device:'.padEnd(16)}${h.device}\n\n`
  );
}

function mlxRow(mark: string, name: string, values: string[]): string {
  const cells = values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(16)));
  return `${mark.padEnd(9)}${name.padEnd(36)}${cells.join('')}\n`;
}

export interface MlxQueryRow {
  name: string;
  default: string;
  current: string;
  next: string;
}

/** `mlxconfig -d DEV -e query` [S widths, MFT <= 4.21]; without -e only the Next Boot column. */
export function mlxconfigQuery(h: MlxDeviceHeader, rows: MlxQueryRow[], verbose: boolean): string {
  let out = mlxHeader(h);
  out += `${'Configurations:'.padEnd(45)}${verbose ? `${'Default'.padEnd(16)}${'Current'.padEnd(16)}Next Boot` : 'Next Boot'}\n`;
  for (const r of rows) {
    const mark = r.next !== r.default || r.next !== r.current ? '*' : '';
    out += mlxRow(mark, r.name, verbose ? [r.default, r.current, r.next] : [r.next]);
  }
  out += "The '*' shows parameters with next value different from default/current value.\n";
  return out;
}

/** `mlxconfig -d DEV -y set K=V ...` [V]. */
export function mlxconfigSet(
  h: MlxDeviceHeader,
  rows: { name: string; next: string; value: string }[],
): string {
  let out = mlxHeader(h);
  out += `${'Configurations:'.padEnd(45)}${'Next Boot'.padEnd(16)}New\n`;
  for (const r of rows) out += mlxRow('', r.name, [r.next, r.value]);
  out +=
    '\n Apply new Configuration? (y/n) [n] : y\nApplying... Done!\n-I- Please reboot machine to load new configurations.\n';
  return out;
}

export interface FlintQuery {
  imageType: string;
  fwVersion: string;
  fwReleaseDate: string;
  productVersion: string;
  baseGuid: string;
  guids: number;
  baseMac: string;
  macs: number;
  psid: string;
}

/** `flint -d DEV q` [V]. */
export function flintQuery(q: FlintQuery): string {
  const l = (k: string, v: string) => `${`${k}:`.padEnd(23)}${v}\n`;
  return (
    l('Image type', q.imageType) +
    l('FW Version', q.fwVersion) +
    l('FW Release Date', q.fwReleaseDate) +
    l('Product Version', q.productVersion) +
    l('Description', `${'UID'.padEnd(19)}GuidsNumber`) +
    l('Base GUID', `${q.baseGuid.padEnd(24)}${q.guids}`) +
    l('Base MAC', `${q.baseMac.padEnd(24)}${q.macs}`) +
    l('PSID', q.psid)
  );
}

/** busybox-style `ps -c` [V header]: columns as wide as their longest cell, no dash row. */
export function psTable(rows: { wid: number; cid: number; name: string; command: string }[]): string {
  const cells = [
    ['WID', 'CID', 'WorldName', 'Command'],
    ...rows.map((r) => [String(r.wid), String(r.cid), r.name, r.command]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((r) => r[c].length)));
  return cells
    .map(
      (r) =>
        `${r
          .slice(0, 3)
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')}  ${r[3]}\n`,
    )
    .join('');
}

/** `vmkload_mod -l` [R header, V row values]. */
export function vmkloadList(rows: { name: string; used: number; sizeKb: number }[]): string {
  const width = Math.max(24, ...rows.map((r) => r.name.length + 1));
  let out = `${'Name'.padEnd(width)}Used Size (kb)\n`;
  for (const r of rows) out += `${r.name.padEnd(width)}${String(r.used).padEnd(5)}${r.sizeKb}\n`;
  return out;
}
