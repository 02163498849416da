import { ApplicationFailure } from '@temporalio/common';
import { STEP_COMMAND_FAILED } from '../../common/procedure-failures';
import type { Timing } from '../../common/procedures';
import type { GuestPairRef } from '../../common/targets';
import type { BandwidthResult } from '../contract';
import type { SshRunner } from '../ssh';
import { outputExcerpt, StepCommands } from '../step-context';
import { detectPerftestFailure, findIbPort, largestRow, parseIbstat, parsePerftestReport } from './parsers';

export interface BandwidthTestInput {
  pair: GuestPairRef;
  timing: Timing;
  step: string;
  test: string;
  queuePairs: number;
  bidirectional: boolean;
  lineRateGbps: number;
  port: number;
}

function perftestCommand(input: BandwidthTestInput, device: string, serverAddress?: string): string {
  const flags = ['-d', device, '-a', '-F', '--report_gbits', '-q', String(input.queuePairs), '-p', String(input.port)];
  if (input.bidirectional) flags.push('-b');
  return [input.test, ...flags, ...(serverAddress ? [serverAddress] : [])].join(' ');
}

/**
 * A perftest pair: the server waits on one guest, the client runs against the server's data address
 * (retried briefly while the server starts listening); the client's report is parsed.
 */
export async function runBandwidthTest(runner: SshRunner, input: BandwidthTestInput): Promise<Omit<BandwidthResult, 'commands'> & { commands: BandwidthResult['commands'] }> {
  const server = new StepCommands(runner, input.pair.server, input.timing, input.step);
  const client = new StepCommands(runner, input.pair.client, input.timing, input.step);
  const ibstat = await client.run('ibstat');
  const port = ibstat.code === 0 ? findIbPort(parseIbstat(ibstat.stdout), input.pair.client.ibDevice) : undefined;
  const linkState = port ? `${port.state ?? '?'} / ${port.physicalState ?? '?'}, rate ${port.rate ?? '?'}` : 'unknown';

  const long = { timeoutMs: input.timing.commandTimeoutMs * 5 };
  const serverRun = server.run(perftestCommand(input, input.pair.server.ibDevice), long);
  let clientOut = '';
  for (let tries = 0; ; tries++) {
    const r = await client.run(perftestCommand(input, input.pair.client.ibDevice, input.pair.server.dataAddress), long);
    clientOut = r.stdout + r.stderr;
    const failure = r.code === 0 ? undefined : detectPerftestFailure(clientOut);
    if (r.code === 0) break;
    if (failure?.kind === 'connect-failed' && tries < 10) {
      await new Promise((res) => setTimeout(res, Math.min(1_000, input.timing.pollIntervalMs * (tries + 1))));
      continue;
    }
    await serverRun.catch(() => undefined);
    throw ApplicationFailure.create({
      type: STEP_COMMAND_FAILED,
      message: `${input.pair.client.name}: ${input.test} failed (exit ${r.code}): ${failure?.message ?? outputExcerpt(r)}`,
      nonRetryable: failure?.kind !== 'connect-failed',
    });
  }
  await serverRun.catch(() => undefined);
  const report = parsePerftestReport(clientOut);
  const row = largestRow(report);
  const lineRateGbps = input.lineRateGbps * (input.bidirectional ? 2 : 1);
  return {
    test: input.test,
    bidirectional: input.bidirectional,
    queuePairs: input.queuePairs,
    largestBytes: row.bytes,
    avgGbps: row.avgGbps,
    peakGbps: row.peakGbps,
    lineRateGbps,
    fraction: row.avgGbps / lineRateGbps,
    linkState,
    commands: [...client.commands, ...server.commands],
  };
}
