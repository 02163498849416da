import fs from 'node:fs';
import { Worker } from '@temporalio/worker';
import { startRolloutWorkflow } from '../client/rollout/start';
import { rolloutOptionsSchema, type RolloutInput } from '../common/rollout';
import { IbRolloutId } from '../common/search-attributes';
import type { HostRef } from '../common/targets';
import { rolloutProgressQuery } from '../workflows/messages';
import { fastHostOptions } from '../test/helpers/ibfleet-harness';
import { teardownTestEnv, testEnv, uniqueTaskQueue, workflowBundle } from '../test/helpers/temporal-env';

// Issue #15: how full does a sharded rollout keep its window? Not a test (it measures time): a rollout
// of N targets whose hosts only wait S ms on a timer (test/fixtures/timed-stub-workflows.ts), so that
// Little's law alone (window / S hosts per second) would fill the window. Prints, every 5 s, how many
// hosts the rollout has granted and how many host workflows really run (from their start and close
// times), and over how many shards those are spread.
//   node --require tsx/cjs bench/sharded-window.ts [targets=3000] [window=500] [hostMs=30000] [perShard=500]

const [targets, window, hostMs, perShard] = [3000, 500, 30_000, 500].map((d, i) =>
  Number(process.argv[2 + i] ?? d),
);

function fleet(n: number): HostRef[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'esxi',
    name: `esx-${String(i).padStart(5, '0')}`,
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 22,
    username: 'root',
    hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    credential: { type: 'private-key', path: '/etc/ibfleet/keys/id_ed25519' },
    cluster: `rack-${String(Math.floor(i / 100)).padStart(4, '0')}`,
    tags: [`sleep-${hostMs}`],
  }));
}

/** CPU time (ms) of the dev server this process started (its child processes), from /proc. */
function serverCpuMs(): number {
  const tick = 100; // USER_HZ on Linux
  let ms = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      ms += ((Number(fields[11]) + Number(fields[12])) * 1000) / tick;
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

async function main(): Promise<void> {
  const env = await testEnv();
  const taskQueue = uniqueTaskQueue('window');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(require.resolve('../test/fixtures/timed-stub-workflows')),
    activities: { checkCredentials: () => Promise.resolve({ problems: [], distinctReferences: 1 }) },
    maxCachedWorkflows: 2000,
  });
  const running = worker.run();
  process.env.IBFLEET_TASK_QUEUE = taskQueue;
  const id = `win-${process.pid}`;
  const hosts = fleet(targets);
  const input: RolloutInput = {
    rolloutId: id,
    procedure: 'preflight',
    params: {},
    targets: hosts,
    inventory: { targets, shards: Math.ceil(targets / perShard), perShard },
    options: rolloutOptionsSchema.parse({ host: fastHostOptions, maxParallel: window, perCluster: 0 }),
    startedBy: 'measure',
  };
  const access = {
    client: env.client,
    namespace: env.namespace ?? 'default',
    close: () => Promise.resolve(),
  };
  const cpu0 = { worker: process.cpuUsage(), server: serverCpuMs() };
  const t0 = Date.now();
  const handle = await startRolloutWorkflow(access, input);
  const granted: { t: number; running: number; done: number }[] = [];
  const result = handle.result();
  let finished = false;
  void result.finally(() => (finished = true));
  while (!finished) {
    await new Promise((r) => setTimeout(r, 2000));
    const p = await handle.query(rolloutProgressQuery).catch(() => undefined);
    if (p)
      granted.push({
        t: Date.now() - t0,
        running: p.counts.running,
        done: p.counts.succeeded + p.counts.failed + p.counts['needs-attention'],
      });
  }
  const report = await result;
  const makespan = Date.now() - t0;
  const workerCpu = process.cpuUsage(cpu0.worker);
  const cpu = {
    worker: (workerCpu.user + workerCpu.system) / 1000,
    server: serverCpuMs() - cpu0.server,
  };
  const intervals: { shard: number; start: number; end: number }[] = [];
  for await (const w of env.client.workflow.list({
    query: `${IbRolloutId.name} = '${id}' AND WorkflowType = 'preflightWorkflow'`,
  })) {
    const index = Number(/esx-(\d+)/.exec(w.workflowId)?.[1]);
    intervals.push({
      shard: Math.floor(index / perShard),
      start: w.startTime.getTime() - t0,
      end: (w.closeTime ?? new Date()).getTime() - t0,
    });
  }
  console.log(
    `${targets} targets, ${Math.ceil(targets / perShard)} shards of ${perShard}, window ${window}, host ${hostMs} ms: ` +
      `${report.phase}, makespan ${(makespan / 1000).toFixed(1)} s (window-full lower bound ${((Math.ceil(targets / window) * hostMs) / 1000).toFixed(0)} s), ${intervals.length} host workflows`,
  );
  console.log('   t(s)  granted  running  shards-with-hosts-running  starts/s(last 5s)');
  let peak = 0;
  for (let t = 0; t <= makespan; t += 5000) {
    const now = intervals.filter((i) => i.start <= t && i.end > t);
    const shards = new Set(now.map((i) => i.shard)).size;
    const starts = intervals.filter((i) => i.start > t - 5000 && i.start <= t).length;
    const g = granted.filter((x) => x.t <= t).at(-1)?.running ?? 0;
    peak = Math.max(peak, now.length);
    console.log(
      `${String(t / 1000).padStart(7)}  ${String(g).padStart(7)}  ${String(now.length).padStart(7)}  ${String(shards).padStart(25)}  ${(starts / 5).toFixed(1).padStart(17)}`,
    );
  }
  const sorted = intervals.map((i) => i.start).sort((a, b) => a - b);
  console.log(
    `peak running ${peak}; starts: first at ${(sorted[0] / 1000).toFixed(1)} s, ` +
      `500th at ${((sorted[499] ?? NaN) / 1000).toFixed(1)} s; mean start rate ${(intervals.length / ((sorted.at(-1)! - sorted[0]) / 1000)).toFixed(1)}/s`,
  );
  console.log(
    `CPU during the rollout: worker ${(cpu.worker / 1000).toFixed(1)} s, Temporal server ${(cpu.server / 1000).toFixed(1)} s ` +
      `(${((cpu.worker + cpu.server) / intervals.length).toFixed(1)} ms per host; ${((cpu.worker + cpu.server) / makespan).toFixed(2)} cores used on average)`,
  );
  worker.shutdown();
  await running;
  await teardownTestEnv();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
