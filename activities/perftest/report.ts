import { ParseError } from '../esxi/parsers/parse-error';

// perftest bandwidth reports (ib_send_bw, ib_write_bw, ib_read_bw) [S: linux-rdma/perftest]:
//   a test-info block (title "RDMA_Write BW Test", " Number of qps   : 4\t\tTransport type : IB", ...),
//   " local address: ..." / " remote address: ..." lines, then the table:
//   " #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]"
//   " 2          5000             0.11               0.11   \t\t     6.844459"
// Columns are found by their header names, so extra columns (CPU_Util, per-port) and other widths are
// fine; rows are whitespace-separated numbers. Without --report_gbits the unit is MiB/sec (older releases
// print MB/sec for the same 2^20-byte unit). The guide's first table was flattened by PDF extraction into
// long lines of numbers; such lines are recovered 5 numbers at a time, keeping only groups whose message
// rate agrees with their bandwidth, and the report is then marked `recovered`.

export type BandwidthUnit = 'Gb/sec' | 'MiB/sec' | 'MB/sec';

export interface PerftestRow {
  bytes: number;
  /** As printed: iterations × queue pairs. */
  iterations: number;
  peakGbps: number;
  avgGbps: number;
  msgRateMpps: number;
  /** The bandwidth values as printed, in the report's unit. */
  peak: number;
  average: number;
}

export interface PerftestReport {
  /** "RDMA_Write BW Test", "RDMA_Read Bidirectional BW Test"; undefined if the title line is missing. */
  title?: string;
  /** "Send", "RDMA_Write", "RDMA_Read", "Atomic" (spaces from PDF copies are turned into "_"). */
  test?: string;
  bidirectional: boolean;
  unit: BandwidthUnit;
  /** From "Number of qps", else the number of "local address" lines, else undefined. */
  queuePairs?: number;
  device?: string;
  linkType?: string;
  transportType?: string;
  connectionType?: string;
  mtu?: number;
  localAddresses: number;
  remoteAddresses: number;
  rows: PerftestRow[];
  /** Rows were recovered from flattened text (a damaged copy); treat with care. */
  recovered: boolean;
}

const COMMAND = 'perftest';
const HEADER_COLUMN = /#[A-Za-z_]+|[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z0-9_]+)*\[[^\]]*\]/g;
const NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/** 1 unit → Gb/s. MiB/sec and MB/sec both mean 2^20 bytes per second in perftest. */
function gbpsFactor(unit: BandwidthUnit): number {
  return unit === 'Gb/sec' ? 1 : (0x100000 * 8) / 1e9;
}

function toLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.trimEnd());
}

interface Columns {
  bytes: number;
  iterations: number;
  peak: number;
  average: number;
  msgRate: number;
  count: number;
}

function headerColumns(line: string): { columns: Columns; unit: BandwidthUnit } | undefined {
  if (!/#bytes/.test(line) || !/#iterations/.test(line)) return undefined;
  const names = line.match(HEADER_COLUMN) ?? [];
  const find = (re: RegExp) => names.findIndex((n) => re.test(n));
  const peak = find(/^BW peak\[/i);
  const average = find(/^BW average\[/i);
  const unitText = /BW (?:peak|average)\[([^\]]+)\]/i.exec(line)?.[1];
  const unit: BandwidthUnit | undefined =
    unitText === 'Gb/sec'
      ? 'Gb/sec'
      : unitText === 'MiB/sec'
        ? 'MiB/sec'
        : unitText === 'MB/sec'
          ? 'MB/sec'
          : undefined;
  const msgRate = find(/^MsgRate\[Mpps\]$/i);
  const bytes = find(/^#bytes$/);
  const iterations = find(/^#iterations$/);
  if (!unit || peak < 0 || average < 0 || bytes < 0 || iterations < 0) return undefined;
  return {
    columns: {
      bytes,
      iterations,
      peak,
      average,
      msgRate: msgRate >= 0 ? msgRate : average + 1,
      count: names.length,
    },
    unit,
  };
}

function isInteger(s: string): boolean {
  return /^\d+$/.test(s);
}

function makeRow(values: string[], c: Columns, unit: BandwidthUnit): PerftestRow | undefined {
  const pick = (i: number) => values[i];
  const [b, it, pk, av, mr] = [
    pick(c.bytes),
    pick(c.iterations),
    pick(c.peak),
    pick(c.average),
    pick(c.msgRate),
  ];
  if ([b, it, pk, av, mr].some((v) => v === undefined || !NUMBER.test(v))) return undefined;
  if (!isInteger(b) || !isInteger(it)) return undefined;
  const f = gbpsFactor(unit);
  return {
    bytes: Number(b),
    iterations: Number(it),
    peak: Number(pk),
    average: Number(av),
    peakGbps: Number(pk) * f,
    avgGbps: Number(av) * f,
    msgRateMpps: Number(mr),
  };
}

/** A recovered group is kept only when its message rate explains its bandwidth (within 10%). */
function consistent(row: PerftestRow): boolean {
  if (row.bytes <= 0 || row.iterations <= 0 || row.peak < row.average * 0.9) return false;
  const implied = (row.msgRateMpps * row.bytes * 8) / 1000;
  return Math.abs(implied - row.avgGbps) <= Math.max(0.1 * row.avgGbps, 0.011);
}

/** Scans a run of numbers for 5-number groups (bytes iterations peak average msgRate). */
function recoverRows(tokens: string[], unit: BandwidthUnit): PerftestRow[] {
  const rows: PerftestRow[] = [];
  const standard: Columns = { bytes: 0, iterations: 1, peak: 2, average: 3, msgRate: 4, count: 5 };
  for (let i = 0; i + 5 <= tokens.length;) {
    const row = makeRow(tokens.slice(i, i + 5), standard, unit);
    if (row && consistent(row)) {
      rows.push(row);
      i += 5;
    } else {
      i += 1;
    }
  }
  return rows;
}

function titleOf(lines: string[]): { title: string; test: string; bidirectional: boolean } | undefined {
  for (const l of lines) {
    const m = /^\s*(.+?)\s+((?:Bidirectional\s+)?(?:Post List\s+)?BW\s+(?:Multicast\s+)?Test)\s*$/.exec(l);
    if (m && !/[:#]/.test(m[1])) {
      const test = m[1].trim().replace(/\s+/g, '_');
      return {
        title: `${m[1].trim()} ${m[2].replace(/\s+/g, ' ')}`,
        test,
        bidirectional: /Bidirectional/.test(m[2]),
      };
    }
  }
  return undefined;
}

function field(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1];
}

export function parsePerftestReport(text: string): PerftestReport {
  const lines = toLines(text);
  const headerIndex = lines.findIndex((l) => headerColumns(l) !== undefined);
  if (headerIndex < 0) {
    throw new ParseError(
      COMMAND,
      'a perftest bandwidth table with a header like "#bytes #iterations BW peak[Gb/sec] BW average[Gb/sec] MsgRate[Mpps]"',
      text,
    );
  }
  // The last complete header wins (a damaged copy may start with a truncated one).
  let h = headerIndex;
  for (let i = headerIndex; i < lines.length; i++) if (headerColumns(lines[i])) h = i;
  const { columns, unit } = headerColumns(lines[h])!;

  const rows: PerftestRow[] = [];
  for (const line of lines.slice(h + 1)) {
    const tokens = line
      .trim()
      .split(/\s+/)
      .filter((t) => t !== '');
    if (tokens.length < 5 || !tokens.every((t) => NUMBER.test(t))) continue;
    if (tokens.length > Math.max(columns.count, 5) * 2) continue; // flattened text: handled below
    const row = makeRow(tokens, columns, unit);
    if (row) rows.push(row);
  }

  let recovered = false;
  if (rows.length === 0) {
    // Damaged copy: numbers flattened onto long lines, possibly glued to a header. Only such long runs are
    // scanned, so stray short lines (a lone "396.45") are never mistaken for rows.
    for (const line of lines.slice(headerIndex)) {
      const tokens = line.split(/\s+/).filter((t) => NUMBER.test(t));
      if (tokens.length >= 10) rows.push(...recoverRows(tokens, unit));
    }
    recovered = rows.length > 0;
  }
  if (rows.length === 0) {
    throw new ParseError(
      COMMAND,
      'at least one result row ("<bytes> <iterations> <peak> <average> <msg rate>") under the table header',
      text,
    );
  }

  const info = lines.slice(0, headerIndex).join('\n');
  const t = titleOf(lines.slice(0, headerIndex));
  const localAddresses = lines.filter((l) => /^\s*local address:/.test(l)).length;
  const remoteAddresses = lines.filter((l) => /^\s*remote address:/.test(l)).length;
  const qpsText = field(info, /Number of qps\s*:\s*(\d+)/);
  const mtuText = field(info, /Mtu\s*:\s*(\d+)/);
  const report: PerftestReport = {
    title: t?.title,
    test: t?.test,
    bidirectional: t?.bidirectional ?? false,
    unit,
    queuePairs: qpsText !== undefined ? Number(qpsText) : localAddresses > 0 ? localAddresses : undefined,
    device: field(info, /Device\s*:\s*(\S+)/),
    linkType: field(info, /Link type\s*:\s*(\S+)/),
    transportType: field(info, /Transport type\s*:\s*(\S+)/),
    connectionType: field(info, /Connection type\s*:\s*(\S+)/),
    mtu: mtuText !== undefined ? Number(mtuText) : undefined,
    localAddresses,
    remoteAddresses,
    rows,
    recovered,
  };
  return Object.fromEntries(
    Object.entries(report).filter(([, v]) => v !== undefined),
  ) as unknown as PerftestReport;
}

/** The row of the largest message size (what a bandwidth check compares with line rate). */
export function largestRow(report: PerftestReport): PerftestRow {
  return report.rows.reduce((best, r) => (r.bytes > best.bytes ? r : best), report.rows[0]);
}
