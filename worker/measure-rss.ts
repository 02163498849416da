import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRolloutWorkflow } from '../client/rollout/start';
import { rolloutOptionsSchema, type RolloutInput } from '../common/rollout';
import type { HostRef } from '../common/targets';
import { freePort, startDevServer } from '../scripts/dev-server';
import { cancelUpdate, rolloutProgressQuery } from '../workflows/messages';
import { startFleet } from '../simulator/fleet';
import { processTree, treePeakRssKb } from '../bench/proc-stats';
import { writeWorkflowBundle } from './bundle';

// `node --require tsx/cjs worker/measure-rss.ts [TARGETS] [MAX_PARALLEL] [SIM_HOSTS] [STOP_AFTER]`:
// the peak RSS (VmHWM) of one ibfleet worker (`npm run worker`, production settings) while it
// runs a preflight rollout of TARGETS targets, MAX_PARALLEL at a time, on its own dev server. The
// targets are served by SIM_HOSTS simulated hosts (several targets per host: preflight only reads, and
// each target has its own name, workflow and SSH connection), with 50-200 ms per command so hosts stay
// in flight. With STOP_AFTER, the rollout is cancelled once that many hosts succeeded (on 2 busy cores
// a 10,000-host run takes an hour; the worker's memory is in steady state long before). The worker
// runs a prebuilt bundle as in production (IBFLEET_WORKFLOW_BUNDLE: no webpack in it), with
// WORKER_NODE_OPTIONS as its NODE_OPTIONS; with WORKER_COMPILED=1 (after `npm run build`) it runs
// dist/worker/start.sh as the image does. It is started by its entry point, worker/start.sh, which
// applies the memory budget (IBFLEET_WORKER_MEMORY_MB, passed on) and execs the worker: what is
// reported is the whole process tree of what was started (the sum of each process's peak, and the
// largest sum sampled), so anything besides the worker would count. Numbers only, for the README's
// worker sizing; never a test.

const targets = Number(process.argv[2] ?? 1_000);
const maxParallel = Number(process.argv[3] ?? 100);
const simHosts = Number(process.argv[4] ?? 20);
const stopAfter = Number(process.argv[5] ?? Infinity);

/** The RSS of a process and its descendants now, MB. */
function treeRssMb(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + rssKb(pid), 0) / 1024;
}

function rssKb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0; // gone between listing and reading
  }
}

async function main(): Promise<void> {
  const port = await freePort();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-rss-'));
  const server = await startDevServer({
    port,
    uiPort: await freePort(),
    dbFile: path.join(work, 'temporal.sqlite'),
    headless: true,
    logFile: path.join(work, 'server.log'),
  });
  const fleet = await startFleet({
    hosts: simHosts,
    clusters: 1,
    commandLatencyMs: [50, 200],
    controlPort: false,
    namePrefix: 'rss-',
  });
  const taskQueue = `rss-${process.pid}`;
  const bundle = await writeWorkflowBundle(path.join(work, 'workflow-bundle.js'));
  // WORKER_COMPILED=1 (after `npm run build`): the worker runs compiled, as in the image.
  const entry =
    process.env.WORKER_COMPILED === '1'
      ? path.join(__dirname, '..', 'dist', 'worker', 'start.sh')
      : path.join(__dirname, 'start.sh');
  const worker = spawn('sh', [entry], {
    cwd: path.join(__dirname, '..'),
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      IBFLEET_TASK_QUEUE: taskQueue,
      IBFLEET_METRICS_PORT: 'off',
      IBFLEET_HEALTH_PORT: 'off',
      IBFLEET_LOG_LEVEL: 'WARN',
      IBFLEET_SHUTDOWN_GRACE_TIME: '1s',
      IBFLEET_WORKFLOW_BUNDLE: bundle.path,
      NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS ?? '',
      IBFLEET_CREDENTIAL_KEY_DIRS: os.tmpdir(),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = worker.pid ?? 0;
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, treeRssMb(pid));
  }, 500);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const hosts = fleet.inventory.hosts;
    const fleetTargets: HostRef[] = Array.from({ length: targets }, (_, i) => ({
      ...hosts[i % hosts.length],
      name: `t-${String(i).padStart(5, '0')}.rss.example.com`,
      cluster: `rack-${Math.floor(i / 100)}`,
    }));
    const input: RolloutInput = {
      rolloutId: `rss-${targets}-${process.pid}`,
      procedure: 'preflight',
      params: {},
      targets: fleetTargets,
      options: rolloutOptionsSchema.parse({
        maxParallel,
        perCluster: 0,
        canary: 0,
        maxFailures: { percent: 100 },
      }),
      startedBy: 'measure-rss',
    };
    process.env.IBFLEET_TASK_QUEUE = taskQueue;
    const began = Date.now();
    const access = { client, namespace: 'default', close: () => Promise.resolve() };
    const handle = await startRolloutWorkflow(access, input);
    while (Number.isFinite(stopAfter)) {
      const progress = await handle.query(rolloutProgressQuery);
      if (progress.phase !== 'running') break;
      if (progress.counts.succeeded >= stopAfter) {
        await handle.executeUpdate(cancelUpdate, { args: [`measured ${stopAfter} hosts`] });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    const report = await handle.result();
    const processes = processTree(pid).length;
    const peakMb = (treePeakRssKb(pid) ?? 0) / 1024;
    const atEndMb = treeRssMb(pid);
    console.log(
      JSON.stringify({
        targets,
        maxParallel,
        simHosts,
        workerNodeOptions: process.env.WORKER_NODE_OPTIONS ?? '',
        workerMemoryMb: process.env.IBFLEET_WORKER_MEMORY_MB ?? '',
        workerCompiled: process.env.WORKER_COMPILED === '1',
        phase: report.phase,
        counts: report.counts,
        makespanS: Math.round((Date.now() - began) / 1000),
        workerProcesses: processes,
        workerPeakRssMb: Math.round(peakMb),
        workerRssAtEndMb: Math.round(atEndMb),
        sampledPeakRssMb: Math.round(sampledPeak),
      }),
    );
  } finally {
    clearInterval(sampler);
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await connection.close();
    await fleet.stop();
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
