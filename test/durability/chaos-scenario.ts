import type { Client, WorkflowHandle } from '@temporalio/client';
import type { RolloutReport } from '../../common/rollout';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { targetWorkflowId } from '../../common/targets';
import { mulberry32 } from '../../simulator/prng';
import { rolloutProgressQuery } from '../../workflows/messages';
import { spawnWorker, type WorkerProcess } from '../helpers/ibfleet-harness';
import { startRollout } from '../helpers/rollout-harness';
import { auditRecoveryCycle, markHost, type HostMark } from './host-audit';

// The chaos scenario shared by test/durability/chaos.test.ts and `npm run soak`: a recovery-cycle
// rollout over a simulated fleet while a seeded driver SIGKILLs and restarts the worker process,
// the hosts drop SSH connections under a share of the commands, and a few hosts boot slowly.
// Afterwards every host is audited over SSH; the outcome is a list of discrepancies (empty = good).

export const ORIGINAL_OPTIONS = 'pfctx=0x08 pfcrx=0x08 trust_state=2 max_vfs=4,4';

export interface ChaosSettings {
  seed: number;
  hosts: number;
  clusters: number;
  maxParallel: number;
  perCluster: number;
  /** Boot time of each host, drawn per host (ms). */
  bootTimeMs: [number, number];
  /** Hosts (chosen with the seed) that take slowBootMs to boot. */
  slowHosts: number;
  slowBootMs: number;
  /** Probability that a command's SSH connection drops (the simulator's seeded drop fault). */
  drop: number;
  /** Worker kills at most; the driver stops earlier if the rollout ends. */
  kills: number;
  /** Time a worker runs (after it is ready) before it is killed, drawn per kill (ms). */
  killAfterMs: [number, number];
  /** Time between a kill and the restart, drawn per kill (ms). */
  restartAfterMs: [number, number];
  /** The rollout must finish within this (ms), else the scenario fails with the last progress. */
  deadlineMs: number;
  namePrefix: string;
  log?: (line: string) => void;
}

export interface ChaosOutcome {
  report: RolloutReport;
  kills: number;
  slowHosts: string[];
  problems: string[];
}

const between = (rng: () => number, [min, max]: [number, number]) => Math.round(min + (max - min) * rng());

/** Resolves after ms, or as soon as `until` settles; returns whether `until` settled first. */
async function waitOrSettled(ms: number, until: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([until.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function resultWithin(
  handle: WorkflowHandle,
  result: Promise<RolloutReport>,
  ms: number,
): Promise<RolloutReport> {
  if (
    await waitOrSettled(
      ms,
      result.catch(() => undefined),
    )
  )
    return await result;
  const p = await handle.query(rolloutProgressQuery).catch(() => undefined);
  const stuck = p?.hosts.filter((h) => h.phase === 'running').map((h) => h.name) ?? [];
  const bad =
    p?.hosts
      .filter((h) => h.phase === 'failed' || h.phase === 'needs-attention')
      .map((h) => `${h.name}: ${h.reason ?? ''}`) ?? [];
  throw new Error(
    `the rollout did not finish within ${ms} ms: ${JSON.stringify(p?.counts)}; running: ${stuck.join(', ')}\n${bad.join('\n')}`,
  );
}

/**
 * A failed host's activities that failed or timed out, for the log: type, the last attempt's number and
 * failure, and the failure of the attempt before it (a history keeps no other attempt's).
 */
async function lostAttempts(client: Client, hostName: string): Promise<string[]> {
  const history = await client.workflow
    .getHandle(targetWorkflowId({ kind: 'esxi', name: hostName }))
    .fetchHistory()
    .catch(() => undefined);
  const scheduled = new Map<string, string>();
  const started = new Map<string, { attempt: number; before: string }>();
  const out: string[] = [];
  for (const e of history?.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '?');
    const st = e.activityTaskStartedEventAttributes;
    if (st)
      started.set(String(st.scheduledEventId), {
        attempt: st.attempt ?? 1,
        before: st.lastFailure?.message ?? '',
      });
    const f = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (!f) continue;
    const id = String(f.scheduledEventId);
    const at = started.get(id);
    const why = f.failure?.cause?.message ?? f.failure?.message ?? '';
    out.push(
      `${scheduled.get(id) ?? '?'}: attempt ${at?.attempt ?? '?'} ended "${why}"${at?.before ? `, the one before "${at.before}"` : ''}`,
    );
  }
  return out;
}

export async function runChaos(client: Client, taskQueue: string, s: ChaosSettings): Promise<ChaosOutcome> {
  const log = s.log ?? (() => undefined);
  const rng = mulberry32(s.seed);
  const names = Array.from({ length: s.hosts }, (_v, i) => i);
  const slowIndexes = new Set<number>();
  while (slowIndexes.size < Math.min(s.slowHosts, s.hosts))
    slowIndexes.add(names[Math.floor(rng() * names.length)]);

  let fleet: Fleet | undefined;
  let worker: WorkerProcess | undefined;
  try {
    fleet = await startFleet({
      hosts: s.hosts,
      clusters: s.clusters,
      namePrefix: s.namePrefix,
      bootTimeMs: s.bootTimeMs,
      seed: s.seed,
      controlPort: false,
      defaults: { nmlx5CoreOptions: ORIGINAL_OPTIONS },
    });
    const hosts = fleet.inventory.hosts;
    const slowHosts = hosts.filter((_h, i) => slowIndexes.has(i)).map((h) => h.name);
    // Marks first (no drops yet), then the faults: drops everywhere, slow boots on a few hosts.
    const marks: HostMark[] = [];
    for (const h of hosts) marks.push(await markHost(h));
    for (const h of hosts) {
      fleet.setFaults(h.name, {
        drop: s.drop,
        ...(slowHosts.includes(h.name) ? { slowBootMs: s.slowBootMs } : {}),
      });
    }

    worker = await spawnWorker(taskQueue);
    await worker.ready;
    const handle = await startRollout(client, taskQueue, 'recovery-cycle', hosts, {
      maxParallel: s.maxParallel,
      perCluster: s.perCluster,
    });
    const result = handle.result() as Promise<RolloutReport>;
    result.catch(() => undefined);
    log(`rollout ${handle.workflowId}: ${hosts.length} hosts, slow: ${slowHosts.join(', ')}`);

    let kills = 0;
    const startedAt = Date.now();
    while (kills < s.kills && Date.now() - startedAt < s.deadlineMs) {
      if (
        await waitOrSettled(
          between(rng, s.killAfterMs),
          result.catch(() => undefined),
        )
      )
        break;
      // For the log only: a query fails while no worker polls (e.g. right after a restart).
      const p = await handle.query(rolloutProgressQuery).catch(() => undefined);
      await worker.kill('SIGKILL');
      kills += 1;
      log(
        `kill #${kills} at ${Date.now() - startedAt} ms: ${JSON.stringify(p?.counts ?? 'progress unavailable')}`,
      );
      await new Promise((r) => setTimeout(r, between(rng, s.restartAfterMs)));
      worker = await spawnWorker(taskQueue);
      await worker.ready;
    }
    const report = await resultWithin(
      handle,
      result,
      Math.max(1_000, s.deadlineMs - (Date.now() - startedAt)),
    );
    log(`rollout ${report.phase} after ${Date.now() - startedAt} ms, ${kills} kills`);

    // The audit reads the hosts without faults in the way.
    for (const h of hosts) fleet.setFaults(h.name, {});
    const problems: string[] = [];
    if (report.phase !== 'succeeded') {
      problems.push(`rollout ${report.phase}: ${JSON.stringify(report.problems)}`);
      for (const p of report.problems.filter((x) => x.outcome !== 'skipped'))
        log(`${p.name}: ${(await lostAttempts(client, p.name)).join('; ') || 'no activity attempt failed'}`);
    }
    for (const m of marks) {
      problems.push(
        ...(await auditRecoveryCycle(
          m,
          ORIGINAL_OPTIONS,
          report.hosts.find((x) => x.name === m.host.name),
        )),
      );
    }
    return { report, kills, slowHosts, problems };
  } finally {
    await worker?.kill('SIGKILL');
    await fleet?.stop();
  }
}
