import { ApplicationFailure } from '@temporalio/workflow';
import { BANDWIDTH_BELOW_THRESHOLD } from '../common/procedure-failures';
import type { ProcedureInput } from '../common/procedures';
import type { ProcedureReport } from '../common/reports';
import type { GuestPairRef } from '../common/targets';
import { validateBandwidthStepOrder, validateBandwidthSteps as steps } from '../common/procedure-steps';
import { perftestActivities } from './host/activity-proxies';
import { runProcedure } from './host/run-procedure';
import { validateProcedureInput } from './host/validate';

/**
 * Bandwidth validation (performance section): a perftest server on one guest, the client on the other,
 * all message sizes; pass when the average at the largest size is at least `threshold` of line rate
 * (twice the line rate for a bidirectional test).
 */
export async function validateBandwidthWorkflow(input: ProcedureInput): Promise<ProcedureReport> {
  const {
    target: pair,
    params,
    options,
  } = validateProcedureInput<'validate-bandwidth', GuestPairRef>(input, 'validate-bandwidth');
  const acts = perftestActivities(options.timing);

  return await runProcedure(input, validateBandwidthStepOrder, async (run) => {
    const r = await run.call(
      steps.perftest,
      `${params.test} -a -q ${params.queuePairs}${params.bidirectional ? ' -b' : ''} ${pair.server.name} ← ${pair.client.name}`,
      acts.runBandwidthTest,
      {
        pair,
        timing: options.timing,
        test: params.test,
        queuePairs: params.queuePairs,
        bidirectional: params.bidirectional,
        lineRateGbps: params.lineRateGbps,
        port: params.port,
      },
      (b) =>
        `${b.avgGbps.toFixed(2)} Gb/s average at ${b.largestBytes} B (${(b.fraction * 100).toFixed(1)}% of ${b.lineRateGbps} Gb/s)`,
    );
    run.report.found = { linkState: r.linkState };
    const needed = params.threshold * r.lineRateGbps;
    await run.step(
      steps.check,
      () => Promise.resolve({}),
      () => `${r.avgGbps.toFixed(2)} >= ${needed.toFixed(2)} Gb/s: ${r.avgGbps >= needed ? 'pass' : 'FAIL'}`,
    );
    const result = {
      test: r.test,
      bidirectional: r.bidirectional,
      queuePairs: r.queuePairs,
      avgGbps: r.avgGbps,
      peakGbps: r.peakGbps,
      lineRateGbps: r.lineRateGbps,
      fraction: r.fraction,
    };
    if (r.avgGbps < needed) {
      run.report.finalState = result;
      throw ApplicationFailure.create({
        type: BANDWIDTH_BELOW_THRESHOLD,
        message: `${params.test} reached ${r.avgGbps.toFixed(2)} Gb/s, below ${params.threshold} × ${r.lineRateGbps} = ${needed.toFixed(2)} Gb/s (link: ${r.linkState})`,
        nonRetryable: true,
      });
    }
    return result;
  });
}
