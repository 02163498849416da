import { ApplicationFailure } from '@temporalio/common';
import { STEP_COMMAND_FAILED } from '../../common/procedure-failures';
import type { BandwidthResult, BandwidthTestInput } from '../contract';
import type { CommandResult, SshRunner } from '../ssh';
import { outputExcerpt, StepCommands } from '../step-context';
import { guestCommands } from './commands';
import {
  detectPerftestFailure,
  findIbPort,
  largestRow,
  parseIbstat,
  parsePerftestReport,
  type PerftestFailureKind,
} from './parsers';

/** Failures that mean the VF link carries nothing: the port is not Active, or the VM has no IB device. */
const LINK_DOWN: readonly PerftestFailureKind[] = ['port-not-active', 'no-devices'];

/**
 * A perftest pair: the server waits on one guest, the client runs against the server's data address
 * (retried briefly while the server starts listening); the client's report is parsed. A link that is down
 * on either side (SM virtualization off, no VF for the VM) measures 0 Gb/s: the workflow reports it below
 * the threshold, naming the link.
 */
export async function runBandwidthTest(
  runner: SshRunner,
  input: BandwidthTestInput,
): Promise<Omit<BandwidthResult, 'commands'> & { commands: BandwidthResult['commands'] }> {
  // Both commands are built first: a device, address or number of the wrong shape (the workflow input is
  // anyone's) stops the pair before anything runs on either guest.
  const flags = {
    test: input.test,
    queuePairs: input.queuePairs,
    port: input.port,
    bidirectional: input.bidirectional,
  };
  const serverCommand = guestCommands.perftest({ ...flags, device: input.pair.server.ibDevice });
  const clientCommand = guestCommands.perftest({
    ...flags,
    device: input.pair.client.ibDevice,
    serverAddress: input.pair.server.dataAddress,
  });
  const server = new StepCommands(runner, input.pair.server, input.timing, input.step);
  const client = new StepCommands(runner, input.pair.client, input.timing, input.step);
  const ibstat = await client.run(guestCommands.ibstat);
  const port =
    ibstat.code === 0 ? findIbPort(parseIbstat(ibstat.stdout), input.pair.client.ibDevice) : undefined;
  const linkState = port
    ? `${port.state ?? '?'} / ${port.physicalState ?? '?'}, rate ${port.rate ?? '?'}`
    : 'no IB device';
  const lineRateGbps = input.lineRateGbps * (input.bidirectional ? 2 : 1);
  const measured = (row: { bytes: number; avgGbps: number; peakGbps: number }, link: string) => ({
    test: input.test,
    bidirectional: input.bidirectional,
    queuePairs: input.queuePairs,
    largestBytes: row.bytes,
    avgGbps: row.avgGbps,
    peakGbps: row.peakGbps,
    lineRateGbps,
    fraction: row.avgGbps / lineRateGbps,
    linkState: link,
    commands: [...client.commands, ...server.commands],
  });

  const long = { timeoutMs: input.timing.commandTimeoutMs * 5 };
  // The server waits for its client until its timeout: it is stopped whenever the client will not come
  // (the client failed, or this attempt ends with an error), so a retry finds its port free.
  const stopServer = new AbortController();
  let serverEnded: CommandResult | undefined;
  const serverRun = server
    .run(serverCommand, { ...long, signal: stopServer.signal })
    .then((r) => (serverEnded = r));
  serverRun.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  const endServer = async () => {
    stopServer.abort();
    await serverRun.catch(() => undefined);
  };
  let clientOut: string;
  try {
    for (let tries = 0; ; tries++) {
      const r = await client.run(clientCommand, long);
      clientOut = r.stdout + r.stderr;
      if (r.code === 0) break;
      let failing = input.pair.client.name;
      let failure = detectPerftestFailure(clientOut);
      let excerpt = outputExcerpt(r);
      if (failure?.kind === 'connect-failed') {
        if (serverEnded === undefined && tries < 10) {
          await new Promise((res) =>
            setTimeout(res, Math.min(1_000, input.timing.pollIntervalMs * (tries + 1))),
          );
          continue;
        }
        // The server gave up (its own link or device): its words say why nobody listens.
        if (serverEnded !== undefined && serverEnded.code !== 0) {
          failing = input.pair.server.name;
          failure = detectPerftestFailure(serverEnded.stdout + serverEnded.stderr) ?? failure;
          excerpt = outputExcerpt(serverEnded);
        }
      }
      if (failure && LINK_DOWN.includes(failure.kind)) {
        await endServer(); // first, so the audit trail lists the server's command too
        return measured({ bytes: 0, avgGbps: 0, peakGbps: 0 }, `${failing}: ${failure.message}`);
      }
      throw ApplicationFailure.create({
        type: STEP_COMMAND_FAILED,
        message: `${failing}: ${input.test} failed (exit ${r.code}): ${failure?.message ?? excerpt}`,
        nonRetryable: failure?.kind !== 'connect-failed',
      });
    }
    await serverRun.catch(() => undefined);
  } finally {
    await endServer(); // a no-op when the server already finished
  }
  return measured(largestRow(parsePerftestReport(clientOut)), linkState);
}
