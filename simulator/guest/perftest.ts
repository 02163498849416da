import type { ExecContext, ExecResult } from '../machine';
import type { PerftestFabric, PerftestEndpoint } from './fabric';
import type { MeasuredRow } from './bandwidth';
import { toReportUnit } from './bandwidth';
import { parsePerftestArgs, PerftestUsageError, type PerftestArgs } from './perftest-args';
import {
  RESULT_LINE,
  WAITING_BOX,
  renderAddress,
  renderRow,
  renderTableHeader,
  renderTestInfo,
  type QpInfo,
} from './perftest-format';
import type { NormalizedLink } from './link';

// ib_send_bw / ib_write_bw / ib_read_bw on a guest. Without an address the program is a server: it prints
// the waiting box and waits (bounded by the fabric's serverWaitMs, or until the session closes) for one
// client on its port. With the server's data address it is a client. Errors and their order follow perftest
// [S]: device lookup, then port state, then the TCP connection.

export interface PerftestHost {
  guest: string;
  dataAddress: string;
  /** The guest's IB device name (mlx5_0 for the VF). */
  device: string;
  lid: number;
  link: () => NormalizedLink;
  fabric: PerftestFabric;
}

const fail = (stderr: string, stdout = '', code = 1): ExecResult => ({ stdout, stderr, code });

function tableText(args: PerftestArgs, rows: MeasuredRow[]): string {
  let out = renderTableHeader(args.reportGbits);
  for (const r of rows) {
    out += renderRow(
      {
        bytes: r.bytes,
        iterations: r.iterations,
        peak: toReportUnit(r.peakGbps, args.reportGbits),
        average: toReportUnit(r.avgGbps, args.reportGbits),
        msgRateMpps: r.msgRateMpps,
      },
      args.reportGbits,
    );
  }
  return out + RESULT_LINE;
}

function addressesText(args: PerftestArgs, local: QpInfo[], remote: QpInfo[]): string {
  return (
    local.map((q) => renderAddress('local', args.verb, q)).join('') +
    remote.map((q) => renderAddress('remote', args.verb, q)).join('')
  );
}

/** perftest's --limit_bw passes when any reported size reaches the limit (in the report unit). */
function limitPassed(args: PerftestArgs, rows: MeasuredRow[]): boolean {
  if (args.limitBw === undefined) return true;
  const limit = args.limitBw;
  return rows.some((r) => toReportUnit(r.avgGbps, args.reportGbits) >= limit);
}

/** Device and port checks shared by both roles; returns an error result or the device name. */
function openDevice(
  args: PerftestArgs,
  host: PerftestHost,
): ExecResult | { device: string; link: NormalizedLink } {
  const link = host.link();
  if (!link.devicePresent) {
    return fail(
      ' Did not detect devices \n If device exists, check if driver is up\n Unable to find the Infiniband/RoCE device\n',
    );
  }
  const device = args.device ?? host.device;
  if (device !== host.device)
    return fail(`IB device ${device} not found\n Unable to find the Infiniband/RoCE device\n`);
  if (args.ibPort !== 1)
    return fail(` Invalid port number ${args.ibPort}\n Couldn't get context for the device\n`);
  if (!link.up) {
    const shown = link.portState === 'Initializing' ? 'Init' : link.portState;
    return fail(` Port number ${args.ibPort} state is ${shown}\n Couldn't get context for the device\n`);
  }
  return { device, link };
}

export async function runPerftest(argv: string[], ctx: ExecContext, host: PerftestHost): Promise<ExecResult> {
  let args: PerftestArgs;
  try {
    args = parsePerftestArgs(argv);
  } catch (e) {
    if (e instanceof PerftestUsageError) {
      return fail(
        ` ${e.message}\n Invalid Command or flag.\n Please check command line and run again.\n\n Parser function exited with Error\n`,
      );
    }
    throw e;
  }
  const opened = openDevice(args, host);
  if ('code' in opened) return opened;
  const endpoint: PerftestEndpoint = {
    guest: host.guest,
    device: opened.device,
    lid: host.lid,
    link: host.link,
  };
  return args.server === undefined
    ? runServer(args, ctx, host, endpoint, opened.device)
    : runClient(args, ctx, host, endpoint, opened.device, args.server);
}

async function runServer(
  args: PerftestArgs,
  ctx: ExecContext,
  host: PerftestHost,
  endpoint: PerftestEndpoint,
  device: string,
): Promise<ExecResult> {
  const waiting = host.fabric.listen(host.dataAddress, args, endpoint, ctx.signal);
  if (!waiting) return fail(`Couldn't listen to port ${args.port}\n Unable to init the socket connection\n`);
  const outcome = await waiting;
  switch (outcome.kind) {
    case 'aborted':
      return { stdout: WAITING_BOX, stderr: '', code: 130 };
    case 'timeout':
      return fail(
        `(simulator) no client connected to port ${args.port} within ${outcome.waitedMs} ms\n` +
          ` Unable to init the socket connection\n`,
        WAITING_BOX,
      );
    case 'failed':
      return fail(outcome.stderr, WAITING_BOX + renderTestInfo(args, 'server', device));
    case 'report': {
      const stdout =
        WAITING_BOX +
        renderTestInfo(args, 'server', device) +
        addressesText(args, outcome.serverQps, outcome.clientQps) +
        tableText(args, outcome.rows);
      if (!limitPassed(args, outcome.rows)) return fail('Error: BW result is below bw limit\n', stdout);
      return { stdout, stderr: '', code: 0 };
    }
  }
}

async function runClient(
  args: PerftestArgs,
  ctx: ExecContext,
  host: PerftestHost,
  endpoint: PerftestEndpoint,
  device: string,
  server: string,
): Promise<ExecResult> {
  const result = await host.fabric.connect(server, args, endpoint, ctx.signal);
  switch (result.kind) {
    case 'no-server':
      return fail(`Couldn't connect to ${server}:${args.port}\n Unable to init the socket connection\n`);
    case 'failed':
      return fail(result.stderr, renderTestInfo(args, 'client', device));
    case 'report': {
      const stdout =
        renderTestInfo(args, 'client', device) +
        addressesText(args, result.clientQps, result.serverQps) +
        tableText(args, result.rows);
      if (!limitPassed(args, result.rows)) return fail('Error: BW result is below bw limit\n', stdout);
      return { stdout, stderr: '', code: 0 };
    }
  }
}
