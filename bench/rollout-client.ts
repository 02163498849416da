import fs from 'node:fs';
import type { RolloutInput, RolloutReport } from '../common/rollout';
import { connectTemporal } from '../client/deps';
import { allReportHosts } from '../client/rollout/host-reports';
import { startRolloutWorkflow } from '../client/rollout/start';

// The ibfleet client of one benchmark rollout, in its own process so its CPU and memory are counted:
// starts the rollout through the client API (TEMPORAL_ADDRESS, IBFLEET_TASK_QUEUE from the
// environment), waits for its report and writes a ClientResult to the file named by argv[3].

export interface ClientResult {
  firstRunId: string;
  startedAtMs: number;
  finishedAtMs: number;
  report: RolloutReport;
  cpuSeconds: number;
  maxRssMb: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(fs.readFileSync(process.argv[2] ?? '', 'utf8')) as RolloutInput;
  const temporal = await connectTemporal();
  try {
    const startedAtMs = Date.now();
    const handle = await startRolloutWorkflow(temporal, input);
    // The run just started (it cannot have continued as new yet): the first of the chain.
    const firstRunId = (await handle.describe()).runId;
    const report = await handle.result();
    const finishedAtMs = Date.now();
    // A sharded rollout (over 1,000 targets) lists only its problems: every host's detail is in its shards.
    report.hosts = await allReportHosts(temporal, report);
    const usage = process.resourceUsage();
    const result: ClientResult = {
      firstRunId,
      startedAtMs,
      finishedAtMs,
      report,
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      maxRssMb: usage.maxRSS / 1024,
    };
    fs.writeFileSync(process.argv[3] ?? '', JSON.stringify(result));
  } finally {
    await temporal.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
