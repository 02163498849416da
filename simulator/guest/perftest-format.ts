import type { PerftestArgs, PerftestVerb } from './perftest-args';

// perftest's output, byte for byte where the format is known [S: linux-rdma/perftest 2023 sources,
// which the guide's runs match (PCIe relax order / ibv_wr* API lines, no Lock-free column)]. The row
// format is the reference's: " %-7lu    %-10lu       %-7.2lf            %-7.2lf\t\t     %-7.6lf".

export const RESULT_LINE =
  '---------------------------------------------------------------------------------------\n';
export const RESULT_FMT_G =
  ' #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]';
export const RESULT_FMT =
  ' #bytes     #iterations    BW peak[MiB/sec]    BW average[MiB/sec]   MsgRate[Mpps]';
export const WAITING_BOX =
  '\n************************************\n* Waiting for client to connect... *\n************************************\n';

const TEST_NAME: Record<PerftestVerb, string> = { send: 'Send', write: 'RDMA_Write', read: 'RDMA_Read' };

/** One row, in the unit of the report (Gb/sec or MiB/sec). */
export interface ReportRow {
  bytes: number;
  iterations: number;
  peak: number;
  average: number;
  msgRateMpps: number;
}

/** The out-of-band data of one queue pair, as exchanged and printed by perftest. */
export interface QpInfo {
  lid: number;
  qpn: number;
  psn: number;
  rkey: number;
  vaddr: number;
  outReads: number;
}

/** printf("%#0Nx"): "0x" counts in the width; zero prints without prefix. */
export function hexAlt(value: number, width: number): string {
  if (value === 0) return '0'.padStart(width, '0');
  return '0x' + value.toString(16).padStart(width - 2, '0');
}

export function renderTestInfo(args: PerftestArgs, role: 'client' | 'server', device: string): string {
  const lines: string[] = [];
  lines.push(
    `                    ${TEST_NAME[args.verb]} ${args.bidirectional ? 'Bidirectional ' : ''}BW Test`,
    ` Dual-port       : OFF\t\tDevice         : ${device}`,
    ` Number of qps   : ${args.qps}\t\tTransport type : IB`,
    ` Connection type : RC\t\tUsing SRQ      : OFF`,
    ` PCIe relax order: ON`,
    ` ibv_wr* API     : ON`,
  );
  if (role === 'client' || args.bidirectional) lines.push(` TX depth        : 128`);
  if (args.verb === 'send' && (role === 'server' || args.bidirectional)) lines.push(` RX depth        : 512`);
  lines.push(` CQ Moderation   : 100`, ` Mtu             : 4096[B]`, ` Link type       : IB`);
  lines.push(args.verb === 'read' ? ` Outstand reads  : 16` : ` Max inline data : 0[B]`);
  lines.push(` rdma_cm QPs\t : OFF`, ` Data ex. method : Ethernet`);
  return RESULT_LINE + lines.join('\n') + '\n' + RESULT_LINE;
}

export function renderAddress(side: 'local' | 'remote', verb: PerftestVerb, qp: QpInfo): string {
  let s = ` ${side} address: LID ${hexAlt(qp.lid, 4)} QPN ${hexAlt(qp.qpn, 6)} PSN ${hexAlt(qp.psn, 6)}`;
  if (verb === 'read') s += ` OUT ${hexAlt(qp.outReads, 4)}`;
  if (verb === 'read' || verb === 'write') s += ` RKey ${hexAlt(qp.rkey, 8)} VAddr ${hexAlt(qp.vaddr, 16)}`;
  return s + '\n';
}

export function renderTableHeader(reportGbits: boolean): string {
  return RESULT_LINE + (reportGbits ? RESULT_FMT_G : RESULT_FMT) + '\n';
}

/** REPORT_FMT, or REPORT_FMT_EXT (6 decimals) when the average is below 0.1 Gb/sec. */
export function renderRow(row: ReportRow, reportGbits: boolean): string {
  const c = (s: string, w: number) => s.padEnd(w);
  if (reportGbits && row.average < 0.1) {
    return (
      ` ${c(String(row.bytes), 7)}    ${row.iterations}           ${c(row.peak.toFixed(6), 7)}` +
      `            ${c(row.average.toFixed(6), 7)}            ${c(row.msgRateMpps.toFixed(6), 7)}\n`
    );
  }
  return (
    ` ${c(String(row.bytes), 7)}    ${c(String(row.iterations), 10)}       ${c(row.peak.toFixed(2), 7)}` +
    `            ${c(row.average.toFixed(2), 7)}\t\t     ${c(row.msgRateMpps.toFixed(6), 7)}\n`
  );
}
